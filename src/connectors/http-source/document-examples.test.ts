/**
 * Every example config of the HTTP Source Connector document (shared seed 000), as written (copied
 * into test/fixtures/seed-examples/http-source.json), on top of its "Basic Configuration", through
 * the validation POST /connectors and PUT …/config/validate run (validateConnectorConfig on the
 * built-in registry): none is refused, and each parses to what the document says it does; the
 * Offset-Based example needs a records path that selects the records (the JSON Response's), alone it
 * is refused with that fix named. The SSL example's `/path/to/*.jks` are placeholders: real JKS
 * stores stand in for them. `${secrets:…}` references stay unresolved here (no provider), as values;
 * test/seed-examples-validate.test.ts resolves them in the running gateway.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import seed from "../../../test/fixtures/seed-examples/http-source.json";
import { type TempDir, tempDir } from "../../../test/support/temp-dir.ts";
import { type ClientStores, makeClientStores } from "../../../test/support/tls-stores.ts";
import { builtInRegistry } from "../../plugins.ts";
import { validateConnectorConfig } from "../../runtime/validate-connector-config.ts";
import { httpSourceConfig } from "./config.ts";

const { "Basic Configuration": basicExample, "Complete Example": complete, "SSL/TLS": _ssl, ...fragments } = seed;
const basic = basicExample.config;

// The SSL example's stores are placeholders: tested below with real ones.
const examples: Record<string, Record<string, string>> = {
  ...fragments,
  // With the JSON Response's records path: the default `$` would make each page one record (see below).
  "Offset-Based": { ...fragments["Offset-Based"], ...fragments["JSON Response"] },
  "Error Responses (log)": { "behavior.on.error": "log" },
  "Error Responses (ignore)": { "behavior.on.error": "ignore" },
  "Complete Example": complete.config,
};

const registry = builtInRegistry();
const errorsOf = (config: Record<string, string>) => {
  const { infos } = validateConnectorConfig(registry, { name: "http-source", ...config });
  return infos.configs.flatMap((c) => (c.value && c.value.errors.length > 0 ? [[c.value.name, c.value.errors]] : []));
};
/** errorsOf's entry for `key` refused with `value` shown (`[hidden]` for a password) for `reason`, as Connect words it. */
const invalid = (key: string, value: string, reason: string) => [
  key,
  [`Invalid value ${value} for configuration ${key}: ${reason}`],
];

describe("HTTP Source document examples", () => {
  test.each(Object.entries(examples))("%s is accepted as written", (_name, example) => {
    expect(errorsOf({ ...basic, ...example })).toEqual([]);
  });

  test("Offset-Based alone (records path `$`, one record per page) is refused on the records path: only its first page would be read", () => {
    expect(errorsOf({ ...basic, ...fragments["Offset-Based"] })).toEqual([
      [
        "http.response.records.path",
        [
          "$ selects at most one record per response, and with http.pagination.type=OFFSET a page with fewer records than http.pagination.limit.value (100) is the last: no page after the first would be read. Select the records, e.g. $[*] or $.data[*]",
        ],
      ],
    ]);
  });

  describe("SSL/TLS, its placeholder stores replaced by real JKS files", () => {
    let dir: TempDir;
    let s: ClientStores;
    beforeAll(async () => {
      dir = await tempDir();
      s = await makeClientStores(dir.path);
    });
    afterAll(() => dir[Symbol.asyncDispose]());
    /** The errors of the basic example with http.ssl.enabled and these store keys. */
    const sslErrors = (stores: Record<string, string>) => errorsOf({ ...basic, "http.ssl.enabled": "true", ...stores });

    test("is accepted; a wrong store password is an error on its key", () => {
      const ssl = {
        "http.ssl.truststore.location": s.trustJks,
        "http.ssl.truststore.password": s.password,
        "http.ssl.keystore.location": s.clientJks,
        "http.ssl.keystore.password": s.password,
      };
      expect(sslErrors(ssl)).toEqual([]);
      const wrong = sslErrors({ ...ssl, "http.ssl.keystore.password": "not-it" });
      expect(wrong.map(([k]) => k)).toEqual(["http.ssl.keystore.password"]);
    });

    // explore15 F4: refused ("a JKS store needs its password") where Java reads it, as Kafka's ssl.truststore.password documents.
    test("a JKS trust store without a password is accepted, as Java reads one; a key store still needs its password", () => {
      const trust = { "http.ssl.truststore.location": s.trustJks };
      expect(sslErrors(trust)).toEqual([]);
      expect(sslErrors({ ...trust, "http.ssl.keystore.location": s.clientJks })).toEqual([
        invalid("http.ssl.keystore.password", "null", "a JKS store needs its password"),
      ]);
    });

    // explore17 F3: the messages named no key, and only the first bad store was reported.
    test("each bad store is reported on its own key, each message naming the key, never a password", () => {
      const errors = sslErrors({
        "http.ssl.truststore.location": s.trustP12,
        "http.ssl.keystore.location": s.clientJks,
        "http.ssl.keystore.password": "Wr0ngPassw0rdXYZ",
      });
      expect(errors).toEqual([
        invalid("http.ssl.truststore.password", "null", "a PKCS12 store needs its password"),
        invalid("http.ssl.keystore.password", "[hidden]", "wrong password for the JKS store"),
      ]);
    });

    test("a store that is no store is reported on its location, with the file", () => {
      const errors = sslErrors({
        "http.ssl.truststore.location": s.trustJks,
        "http.ssl.truststore.password": s.password,
        "http.ssl.keystore.location": s.caCert,
      });
      expect(errors).toEqual([
        invalid(
          "http.ssl.keystore.location",
          s.caCert,
          "the key store must hold a private key with its certificate chain",
        ),
      ]);
    });
  });

  test("the documented defaults: GET, no headers or body, 60 s interval, whole response, no pagination, no offset", () => {
    const c = httpSourceConfig.parse({ "http.url": basic["http.url"], "kafka.topic": "t" });
    expect({
      method: c["http.method"],
      headers: c["http.headers"],
      body: c["http.request.body"],
      timer: [c["http.timer.type"], c["http.timer.interval.ms"]],
      format: c["http.response.format"],
      path: c["http.response.records.path"],
      pagination: c["http.pagination.type"],
      offset: c["http.offset.mode"],
      auth: c["http.auth.type"],
      retry: [c["http.retry.max.attempts"], c["http.retry.backoff.ms"], c["http.retry.backoff.max.ms"]],
      codes: c["http.response.error.codes"],
      throttle: [c["http.throttle.max.requests"], c["http.throttle.window.ms"]],
    }).toEqual({
      method: "GET",
      headers: null,
      body: null,
      timer: ["interval", 60000],
      format: "JSON",
      path: "$",
      pagination: "NONE",
      offset: "NONE",
      auth: "NONE",
      retry: [5, 1000, 60000],
      codes: [],
      throttle: [0, 60000],
    });
  });
});
