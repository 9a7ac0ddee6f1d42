import { describe, expect, test } from "bun:test";
import { configFromEnvironment, environmentVariableOf, parseProperties, propertiesText } from "./properties.ts";

describe("parseProperties", () => {
  test("a value continued over 256k lines (a 1 MB file) is read whole", () => {
    // Read in linear time since the pieces are joined once (~0.1 s; the growing line used to be
    // cut and rescanned at every continuation, ~8 s). No timed assert: the result is checked.
    const lines = 1 << 18;
    const parsed = parseProperties(`k=${"ab\\\n".repeat(lines)}cd\n`);
    expect(parsed.k).toBe(`${"ab".repeat(lines)}cd`);
  });

  test("reads Java properties syntax", () => {
    const text = [
      "# comment",
      "! also a comment",
      "bootstrap.servers=localhost:9092",
      "  key.converter : org.apache.kafka.connect.json.JsonConverter",
      "spaced value with spaces",
      "multi=one,\\",
      "    two",
      "escaped\\=key=a\\tb\\u0041",
      "empty=",
    ].join("\n");
    expect(parseProperties(text)).toEqual({
      "bootstrap.servers": "localhost:9092",
      "key.converter": "org.apache.kafka.connect.json.JsonConverter",
      spaced: "value with spaces",
      multi: "one,two",
      "escaped=key": "a\tbA",
      empty: "",
    });
  });
});

describe("configFromEnvironment", () => {
  test("maps CONNECT_ variables like Confluent's images", () => {
    expect(
      configFromEnvironment({
        CONNECT_BOOTSTRAP_SERVERS: "k:9092",
        CONNECT_REST_ADVERTISED_HOST_NAME: "edge-1",
        CONNECT_CONFIG_PROVIDERS_SECRETS_PARAM_SOME__KEY: "x",
        CONNECT_A___B: "y",
        PATH: "/bin",
      }),
    ).toEqual({
      "bootstrap.servers": "k:9092",
      "rest.advertised.host.name": "edge-1",
      "config.providers.secrets.param.some_key": "x",
      "a-b": "y",
    });
  });
});

describe("environmentVariableOf", () => {
  test.each(["producer.interceptor.classes", "consumer.partition.assignment.strategy", "a_b.c-d"])(
    "%s maps back to its key",
    (key) => {
      expect(configFromEnvironment({ [environmentVariableOf(key)]: "x" })).toEqual({ [key]: "x" });
    },
  );
});

describe("propertiesText", () => {
  test("Latin-1 bytes read as Connect's Properties.load(InputStream) reads them", () => {
    // "password=p\xe4ss\xe9" as a Latin-1 editor saves it: not UTF-8, so each byte is its character.
    const bytes = new Uint8Array([...Buffer.from("password=p"), 0xe4, ...Buffer.from("ss"), 0xe9, 0x0a]);
    expect(parseProperties(propertiesText(bytes))).toEqual({ password: "p\u00e4ss\u00e9" });
  });

  test("valid UTF-8 reads as UTF-8, its byte order mark dropped; ASCII and escapes the same", () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("a=p\u00e4ss\nb=\\u00e9\n", "utf8")]);
    expect(parseProperties(propertiesText(bytes))).toEqual({ a: "p\u00e4ss", b: "\u00e9" });
  });
});
