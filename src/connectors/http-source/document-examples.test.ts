/**
 * Every example config of the HTTP Source Connector document (shared seed 000), as written, on top
 * of its "Basic Configuration", through the validation POST /connectors and PUT …/config/validate
 * run (validateConnectorConfig on the built-in registry): none is refused, and each parses to what
 * the document says it does; the Offset-Based example needs a records path that selects the records
 * (the JSON Response's), alone it is refused with that fix named. The SSL example's `/path/to/*.jks` are placeholders: real JKS stores
 * stand in for them. `${secrets:…}` references stay unresolved here (no provider), as values.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type TempDir, tempDir } from "../../../test/support/temp-dir.ts";
import { type ClientStores, makeClientStores } from "../../../test/support/tls-stores.ts";
import { builtInRegistry } from "../../plugins.ts";
import { validateConnectorConfig } from "../../runtime/validate-connector-config.ts";
import { httpSourceConfig } from "./config.ts";

const basic = {
  "connector.class": "io.confluent.connect.http.HttpSourceConnector",
  "tasks.max": "1",
  "http.url": "https://api.example.com/events",
  "http.method": "GET",
  "kafka.topic": "api-events",
  "http.timer.interval.ms": "60000",
};

const examples: Record<string, Record<string, string>> = {
  "Request Configuration": {
    "http.url": "https://api.example.com/data",
    "http.method": "GET",
    "http.headers": "Accept: application/json, X-API-Version: v2",
  },
  "POST Request": {
    "http.url": "https://api.example.com/query",
    "http.method": "POST",
    "http.headers": "Content-Type: application/json",
    "http.request.body": '{"query": "SELECT * FROM events"}',
  },
  "API Key": { "http.headers": "Authorization: Bearer ${secrets:api/token}" },
  "Basic Authentication": {
    "http.auth.type": "BASIC",
    "http.auth.user": "${secrets:api/username}",
    "http.auth.password": "${secrets:api/password}",
  },
  "OAuth 2.0": {
    "http.auth.type": "OAUTH2",
    "http.oauth2.token.url": "https://auth.example.com/oauth/token",
    "http.oauth2.client.id": "${secrets:oauth/client-id}",
    "http.oauth2.client.secret": "${secrets:oauth/client-secret}",
    "http.oauth2.scope": "read:events",
  },
  "Fixed Interval": { "http.timer.interval.ms": "60000" },
  "Cron Schedule": { "http.timer.type": "cron", "http.timer.cron.expression": "0 */5 * * * ?" },
  "Offset Tracking": {
    "http.offset.mode": "TIMESTAMP",
    "http.offset.field": "updated_at",
    "http.initial.offset": "2024-01-01T00:00:00Z",
  },
  "JSON Response": { "http.response.format": "JSON", "http.response.records.path": "$.data[*]" },
  "Array Response": { "http.response.format": "JSON", "http.response.records.path": "$[*]" },
  "Single Record": { "http.response.format": "JSON", "http.response.records.path": "$" },
  // With the JSON Response's records path: the default `$` would make each page one record (see below).
  "Offset-Based": {
    "http.response.records.path": "$.data[*]",
    "http.pagination.type": "OFFSET",
    "http.pagination.offset.param": "offset",
    "http.pagination.limit.param": "limit",
    "http.pagination.limit.value": "100",
  },
  "Cursor-Based": {
    "http.pagination.type": "CURSOR",
    "http.pagination.cursor.param": "cursor",
    "http.pagination.cursor.path": "$.next_cursor",
  },
  "Link Header": { "http.pagination.type": "LINK_HEADER" },
  "Retry Configuration": {
    "http.retry.max.attempts": "5",
    "http.retry.backoff.ms": "1000",
    "http.retry.backoff.max.ms": "60000",
  },
  "Error Responses": { "http.response.error.codes": "400,401,403,404,500,502,503", "behavior.on.error": "fail" },
  "Error Responses (log)": { "behavior.on.error": "log" },
  "Error Responses (ignore)": { "behavior.on.error": "ignore" },
  "Complete Example": {
    "http.url": "https://api.github.com/repos/apache/kafka/events",
    "http.method": "GET",
    "http.headers": "Accept: application/vnd.github+json, Authorization: Bearer ${secrets:github/token}",
    "kafka.topic": "github-events",
    "http.timer.interval.ms": "300000",
    "http.response.format": "JSON",
    "http.response.records.path": "$[*]",
    "http.pagination.type": "LINK_HEADER",
    "http.retry.max.attempts": "3",
    "http.retry.backoff.ms": "5000",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter.schemas.enable": "false",
    "errors.tolerance": "all",
    "errors.log.enable": "true",
  },
  "Add Metadata": {
    transforms: "addSource,addTimestamp",
    "transforms.addSource.type": "org.apache.kafka.connect.transforms.InsertField$Value",
    "transforms.addSource.static.field": "source",
    "transforms.addSource.static.value": "github-api",
    "transforms.addTimestamp.type": "org.apache.kafka.connect.transforms.InsertField$Value",
    "transforms.addTimestamp.timestamp.field": "ingested_at",
  },
  "Extract Key": {
    transforms: "extractKey",
    "transforms.extractKey.type": "org.apache.kafka.connect.transforms.ValueToKey",
    "transforms.extractKey.fields": "id",
  },
  Throttling: {
    "http.timer.interval.ms": "60000",
    "http.throttle.max.requests": "100",
    "http.throttle.window.ms": "60000",
  },
  "Respect Rate Limit Headers": {
    "http.rate.limit.header": "X-RateLimit-Remaining",
    "http.rate.limit.reset.header": "X-RateLimit-Reset",
  },
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
    const { "http.response.records.path": _, ...alone } = examples["Offset-Based"]!;
    expect(errorsOf({ ...basic, ...alone })).toEqual([
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
