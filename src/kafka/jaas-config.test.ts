/**
 * `sasl.jaas.config` parsed as Kafka's clients parse it. The expected answers were recorded from
 * Apache Kafka 4.3.1's `JaasContext.loadClientContext` (the Connect 4.3.1 jars) for the same
 * values: the entry's options, or the IllegalArgumentException's message.
 */
import { describe, expect, test } from "bun:test";
import { ConfigError } from "../errors.ts";
import { connectionSettings } from "./client-config.ts";
import { parseJaasConfig } from "./jaas-config.ts";

const PLAIN = "org.apache.kafka.common.security.plain.PlainLoginModule";

describe("parseJaasConfig", () => {
  test.each([
    [`${PLAIN} required username="u" password="p";`, { password: "p", username: "u" }],
    [`${PLAIN} required username="u" password="p" ;  `, { password: "p", username: "u" }],
    [`${PLAIN} required username=u password=p;`, { password: "p", username: "u" }],
    [`${PLAIN} "required" username="u";`, { username: "u" }],
    [`x required username='u\\"q' password="a\\tb\\101\\\\"; // trailing`, { password: "a\tbA\\", username: 'u"q' }],
    ['x REQUIRED /* c */ username="u" password="p"; ', { password: "p", username: "u" }],
    ['x required user-name="u" p$w_d="x" a.b="c";', { "a.b": "c", p$w_d: "x", "user-name": "u" }],
  ])("%s: Kafka's options", (value, options) => {
    const entries = parseJaasConfig(value);
    expect(entries.map((e) => Object.fromEntries(e.options))).toEqual([options]);
  });

  test.each([
    [`${PLAIN} required username="u" password="p"`, "JAAS config entry not terminated by semi-colon"],
    ['x required username="u" password="unterminated', "JAAS config entry not terminated by semi-colon"],
    [`${PLAIN} required username="u" password=123;`, "Value not specified for key 'password' in JAAS config"],
    [`${PLAIN} required username="u" password;`, "Value not specified for key 'password' in JAAS config"],
    [`${PLAIN} required username="u" password=;`, "Value not specified for key 'password' in JAAS config"],
    ['x required -a="1";', "Value not specified for key 'null' in JAAS config"],
    [PLAIN, "Login module control flag not specified in JAAS config"],
    [`${PLAIN} maybe username="u";`, "Invalid login module control flag 'maybe' in JAAS config"],
    [`${PLAIN} 5 username="u";`, "Login module control flag is not available in the JAAS config"],
    ["// comment only", "Login module not specified in JAAS config"],
    ["", "Login module not specified in JAAS config"],
  ])("%s: refused with Kafka's message", (value, message) => {
    expect(() => parseJaasConfig(value)).toThrow(message);
  });

  test("a quoted token in a message is hidden (Kafka quotes it: it may be the password)", () => {
    expect(() => parseJaasConfig('x required username="u" "s3cret";')).toThrow(
      "Value not specified for key '[hidden]' in JAAS config",
    );
  });

  test("words after an unquoted value are hidden too: a password with a space or ';' in it is not quoted in part", () => {
    const refused = (value: string) => {
      try {
        parseJaasConfig(value);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error("accepted");
    };
    expect(refused(`${PLAIN} required username="u" password=my s3cret;`)).toBe(
      "Value not specified for key '[hidden]' in JAAS config",
    );
    expect(refused(`${PLAIN} required username=u password=my;s3cret word;`)).toBe(
      "Invalid login module control flag '[hidden]' in JAAS config",
    );
    // Before any unquoted value, words are Kafka's message as they are.
    expect(refused(`${PLAIN} required username="u" password;`)).toBe(
      "Value not specified for key 'password' in JAAS config",
    );
  });
});

describe("sasl.jaas.config of a client", () => {
  const settings = (jaas: string) =>
    connectionSettings({
      "bootstrap.servers": "127.0.0.1:9092",
      "security.protocol": "SASL_PLAINTEXT",
      "sasl.mechanism": "PLAIN",
      "sasl.jaas.config": jaas,
    });

  test("without the trailing ';' it is refused as Kafka's clients refuse it, the value hidden", () => {
    const message =
      "Invalid value [hidden] for configuration sasl.jaas.config: JAAS config entry not terminated by semi-colon";
    expect(() => settings(`${PLAIN} required username="u" password="s3cret"`)).toThrow(new ConfigError(message));
  });

  test("two login modules are refused as Kafka's JaasContext refuses them", () => {
    expect(() => settings('a required username="u" password="p"; b required;')).toThrow(
      "Invalid value [hidden] for configuration sasl.jaas.config: JAAS config property contains 2 login modules, should be 1 module",
    );
  });

  test("a valid value gives the username and password", () => {
    expect(settings(`${PLAIN} required username="u" password="p\\"q";`).sasl).toEqual({
      mechanism: "plain",
      username: "u",
      password: 'p"q',
    });
  });
});
