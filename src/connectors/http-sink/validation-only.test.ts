import { describe, expect, test } from "bun:test";
import { HttpSinkConnector } from "./connector.ts";
import { httpSink } from "./index.ts";
import { sinkSettings } from "./settings.ts";
import { validationErrors } from "./test-support.ts";

const base = { "connector.class": "HttpSink", name: "s", topics: "t", url: "http://127.0.0.1/in" };

// explore15 F1: the unprefixed spelling won in silence, and the other value was not even validated.
describe("one option set under two spellings with different values", () => {
  test.each([
    [
      { "sink.request.batch.size": "2", "flink.connector.http.sink.request.batch.size": "abc" },
      "sink.request.batch.size",
      "sink.request.batch.size and flink.connector.http.sink.request.batch.size name one option with different values (sink.request.batch.size is the one used): set it once",
    ],
    [
      {
        "http.security.oidc.token.request": "grant_type=a",
        "flink.connector.http.security.oidc.token.request": "grant_type=b",
        "security.oidc.token.endpoint.url": "http://127.0.0.1/token",
      },
      "security.oidc.token.request",
      "flink.connector.http.security.oidc.token.request and http.security.oidc.token.request name one option with different values (flink.connector.http.security.oidc.token.request is the one used): set it once",
    ],
    [
      { "http.sink.header.X-A": "1", "flink.connector.http.sink.header.X-A": "2", "sink.header.x-a": "3" },
      "sink.header.x-a",
      "sink.header.x-a, flink.connector.http.sink.header.X-A and http.sink.header.X-A name one header with different values (sink.header.x-a is the one used): set it once",
    ],
    [
      { "sink.header.X-Api-Key": "k1", "sink.header.x-api-key": "k2" },
      "sink.header.X-Api-Key",
      "sink.header.X-Api-Key and sink.header.x-api-key name one header with different values (sink.header.X-Api-Key is the one used): set it once",
    ],
  ])(
    "%j: refused on the key used, naming the keys, not the values; a stored one starts with a WARN",
    (config, key, message) => {
      expect(validationErrors(config)).toEqual([[key, [message]]]);
      const stored = { ...base, ...config };
      expect(httpSink.validationOnly?.(stored)).toEqual([{ key, message }]);
      expect(() => new HttpSinkConnector().start(stored)).not.toThrow();
    },
  );

  test("the header a stored config sends is the one named used", () => {
    const settings = sinkSettings({ ...base, "http.sink.header.X-A": "1", "sink.header.x-a": "3" });
    expect(settings.headers).toEqual([["x-a", "3"]]);
  });

  test("equal values under several spellings are fine", () => {
    expect(
      validationErrors({
        "sink.request.batch.size": "2",
        "flink.connector.http.sink.request.batch.size": "2",
        "http.sink.header.X-A": "1",
        "sink.header.x-a": "1",
      }),
    ).toEqual([]);
  });
});

// explore15 F3: the configured Authorization was replaced by OIDC's Bearer token in silence.
// explore18 F4: the refusal names the header's key and the OIDC keys as written (Connect's 400 lists messages only).
describe("sink.header.Authorization with OIDC", () => {
  const oidc = {
    "flink.connector.http.security.oidc.token.request": "grant_type=client_credentials&client_secret=s3",
    "flink.connector.http.security.oidc.token.endpoint.url": "http://127.0.0.1/token",
  };
  const message = (key: string, request: string, endpoint: string) =>
    `${key} sets Authorization, which OIDC (${request}) sends as well: its Bearer token would replace this value. Remove it, or remove ${request} and ${endpoint}`;

  test.each([
    "sink.header.Authorization",
    "flink.connector.http.sink.header.Authorization",
    "http.sink.header.AUTHORIZATION",
  ])(
    "%s: refused on its key as the HTTP source refuses one with http.auth.type; a stored one starts with a WARN",
    (key) => {
      const expected = message(
        key,
        "flink.connector.http.security.oidc.token.request",
        "flink.connector.http.security.oidc.token.endpoint.url",
      );
      expect(validationErrors({ ...oidc, [key]: "u:p" })).toEqual([[key, [expected]]]);
      const stored = { ...base, ...oidc, [key]: "u:p" };
      expect(httpSink.validationOnly?.(stored)).toEqual([{ key, message: expected }]);
      expect(() => new HttpSinkConnector().start(stored)).not.toThrow();
    },
  );

  test("each OIDC key is named as written, whatever spelling each one uses", () => {
    const key = "flink.connector.http.sink.header.authorization";
    const config = {
      [key]: "Basic dXNlcjpzZWNyZXRwdw==",
      "security.oidc.token.endpoint.url": "http://127.0.0.1/token",
      "http.security.oidc.token.request": "grant_type=client_credentials&client_secret=topsecret",
    };
    const expected = message(key, "http.security.oidc.token.request", "security.oidc.token.endpoint.url");
    expect(validationErrors(config)).toEqual([[key, [expected]]]);
    expect(expected).not.toContain("topsecret");
  });

  test("either alone is fine", () => {
    expect(validationErrors(oidc)).toEqual([]);
    expect(validationErrors({ "sink.header.Authorization": "u:p" })).toEqual([]);
  });
});

// secretp4: the rule quoted a token endpoint URL given through a config provider through redactUrl,
// its path (where an IdP may carry a tenant secret) and all, in config/validate and the start WARN.
describe("an invalid OIDC token endpoint URL", () => {
  const url = "ftp://client:pa55@idp.example:2121/oauth2/Xk9tenantS3cretSegment/token?client_secret=zz";
  const problem = (key: string, provided: ReadonlySet<string> | undefined) =>
    httpSink
      .validationOnly?.({ ...base, "security.oidc.token.request": "grant_type=x", [key]: url }, provided)
      .map((p) => p.message);
  const message = (shown: string) =>
    `Invalid value ${shown} for configuration security.oidc.token.endpoint.url: The URL must use http or https`;

  test.each(["security.oidc.token.endpoint.url", "flink.connector.http.security.oidc.token.endpoint.url"])(
    "%s given through a config provider shows its origin only",
    (key) => {
      expect(problem(key, new Set([key]))).toEqual([
        `${message("ftp://idp.example:2121/…")}${key.startsWith("flink.") ? ` (set as ${key})` : ""}`,
      ]);
    },
  );

  test("a literal one shows as redactUrl shows it: user info and key-like query values hidden", () => {
    expect(problem("security.oidc.token.endpoint.url", new Set(["url"]))).toEqual([
      message("ftp://***@idp.example:2121/oauth2/Xk9tenantS3cretSegment/token?client_secret=***"),
    ]);
  });

  test("one given through a provider that is not a URL shows nothing of it", () => {
    const key = "security.oidc.token.endpoint.url";
    expect(
      httpSink.validationOnly?.(
        { ...base, "security.oidc.token.request": "grant_type=x", [key]: "idp.example/oauth2/Xk9tenantS3cret" },
        new Set([key]),
      ),
    ).toEqual([
      { key, message: "Invalid value [hidden] for configuration security.oidc.token.endpoint.url: Not a valid URL" },
    ]);
  });
});
