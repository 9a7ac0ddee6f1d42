import { describe, expect, test } from "bun:test";
import { nativeKey, requestHeaders } from "../../ingest/record-builder.ts";
import { headerNameProblems, httpIngestConfig, keyFieldPathProblems, routeSettings } from "./config.ts";
import { httpIngestSource } from "./index.ts";

const pathErrors = (path: string) =>
  httpIngestConfig.validate({ "ingest.path": path, "kafka.topic": "t" }).get("ingest.path")!.errors;

describe("ingest.path", () => {
  test.each(["/ingest/telemetry", "/a.b/c..d", "/.well", "/x/..y"])("%s is a valid path", (path) => {
    expect(pathErrors(path)).toEqual([]);
  });

  // Bun's router matches the raw request target while request.url is normalised: a path with dot
  // segments would reach a different connector (or none) depending on the listener.
  test.each(["/x/../b", "/c/..", "/./a", "/a/./b", "/a/."])("%s (dot segments) is refused", (path) => {
    expect(pathErrors(path)).toEqual([
      `Invalid value ${path} for configuration ingest.path: Must not contain . or .. segments`,
    ]);
  });

  test.each([
    ["ingest", "Must be an absolute URL path such as /ingest/telemetry"],
    ["/a//b", "Must be an absolute URL path such as /ingest/telemetry"],
    ["/a/", "Must not end with /"],
    ["/metrics/x", "/metrics is reserved for the listener's own routes"],
  ])("%s is refused: %s", (path, message) => {
    expect(pathErrors(path)).toEqual([`Invalid value ${path} for configuration ingest.path: ${message}`]);
  });
});

describe("names a request cannot carry (ingest hunt, P3)", () => {
  test("a percent-encoded ingest.path is refused: requests are routed by their decoded path, it never matched", () => {
    expect(pathErrors("/pc%41t")).toEqual([
      "Invalid value /pc%41t for configuration ingest.path: Must not contain percent-encoding (%XX); give the path as it is decoded",
    ]);
  });

  const problems = (config: Record<string, string>) =>
    headerNameProblems(httpIngestConfig.parse({ "ingest.path": "/p", "kafka.topic": "t", ...config }));

  test.each([
    ["X A", "ingest.headers.allowlist"],
    ["X-A:", "ingest.headers.allowlist"],
    ["X-Site,Bad\u0001Name:b", "ingest.headers.allowlist"],
  ])("allow-list %p is a validation problem of %s", (allowlist, key) => {
    expect(problems({ "ingest.headers.allowlist": allowlist }).map((p) => p.key)).toEqual([key]);
  });

  // ingestp3: a Kafka header name no client could look up was stamped on every record.
  test.each([
    [
      "ingest.headers.allowlist",
      "X-A:\u0007bell",
      'Each entry must be Name or Name:kafka-name, Name an HTTP header name and kafka-name not empty, without control characters; got "X-A:\\u0007bell"',
    ],
    // ingestp3-b: a static header's name skipped the rule.
    [
      "ingest.headers.static",
      "a\u0001b=x",
      'Each entry must be name=value, name not empty, without control characters; got the name "a\\u0001b"',
    ],
    [
      "ingest.headers.receive.timestamp",
      "received\nat",
      'Invalid value received\nat for configuration ingest.headers.receive.timestamp: the Kafka header name "received\\nat" contains a control character (empty for none)',
    ],
    [
      "ingest.headers.content.type",
      "ct\u007f",
      'Invalid value ct\u007f for configuration ingest.headers.content.type: the Kafka header name "ct\\u007f" contains a control character (empty for none)',
    ],
  ])("%s=%p is a validation problem of that key", (key, value, message) => {
    expect(problems({ [key]: value })).toEqual([{ key, message }]);
  });

  test("the content-type and receive-timestamp names: empty (or white space) is none; others are taken trimmed", () => {
    expect(problems({ "ingest.headers.content.type": "  ", "ingest.headers.receive.timestamp": "" })).toEqual([]);
    const settings = routeSettings(
      httpIngestConfig.parse({
        "ingest.path": "/p",
        "kafka.topic": "t",
        "ingest.headers.content.type": " ct ",
        "ingest.headers.receive.timestamp": "received-at",
      }),
      undefined,
      undefined,
    );
    expect([settings.headers.contentType, settings.headers.receivedAt]).toEqual(["ct", "received-at"]);
    expect(settings.headers.stamped.has("ct")).toBe(true);
  });

  test("a key header with a space is a problem; valid names are none", () => {
    expect(problems({ "ingest.key.header": "Bad Header" }).map((p) => p.key)).toEqual(["ingest.key.header"]);
    expect(
      problems({ "ingest.headers.allowlist": "X-Site,X-Firmware:firmware,x_y.z", "ingest.key.header": "X-Kafka-Key" }),
    ).toEqual([]);
  });

  test("the connector's validation refuses them, on their key (a stored config only WARNs at start)", () => {
    const config = {
      "ingest.path": "/p",
      "kafka.topic": "t",
      "ingest.headers.allowlist": "X A",
      "ingest.key.header": "a b",
    };
    expect(httpIngestSource().validationOnly!(config).map((p) => p.key)).toEqual([
      "ingest.headers.allowlist",
      "ingest.key.header",
    ]);
  });

  // Review (session 11): such a stored config started with the WARN, but each request then threw in
  // Headers.get (an invalid name is a TypeError there), failing every request of the route.
  test("a stored config with them serves requests: the names are never read (no such header, no key)", () => {
    const parsed = httpIngestConfig.parse({
      "ingest.path": "/p",
      "kafka.topic": "t",
      "ingest.headers.allowlist": "X A,X-Site",
      "ingest.key.source": "header",
      "ingest.key.header": "a b",
    });
    const settings = routeSettings(parsed, undefined, undefined);
    const request = new Request("http://gw/p", { method: "POST", headers: { "X-Site": "north", "X-A": "a" } });
    expect(requestHeaders(settings, request, 1, null, false)).toEqual([["X-Site", "north"]]);
    expect(nativeKey(settings, request, { kind: "json", value: {} })).toBeNull();
  });
});

describe("ingest.key.field paths jsonpath-plus cannot read (auditingest F8, F9)", () => {
  const problems = (field: string) =>
    keyFieldPathProblems(
      httpIngestConfig.parse({
        "ingest.path": "/p",
        "kafka.topic": "t",
        "ingest.key.source": "field",
        "ingest.key.field": field,
      }),
    );

  test.each([
    // Every request whose records had `items` answered 500.
    ["$.items[?(@.x)].id", "Filter and script expressions such as [?(@.x)] are not evaluated"],
    ["$.a[(@.length-1)]", "Filter and script expressions such as [(@.length-1)] are not evaluated"],
    // Read as `$`: each record's whole value was its key.
    ["$[", "Unbalanced brackets in the JSONPath expression"],
    ["$.a[0", "Unbalanced brackets in the JSONPath expression"],
    ["$..['a]", "Unbalanced brackets in the JSONPath expression"],
    // jsonpath-plus matches nothing with these: every record had a null key.
    [".id", "A JSONPath expression must start with $ or a member name"],
    ["..id", "A JSONPath expression must start with $ or a member name"],
    ["[0]", "A JSONPath expression must start with $ or a member name"],
  ])("%s is refused by validation, on ingest.key.field", (field, message) => {
    expect(problems(field)).toEqual([
      expect.objectContaining({
        key: "ingest.key.field",
        message: expect.stringContaining(`Invalid value ${field} for configuration ingest.key.field: ${message}`),
      }),
    ]);
    const config = { "ingest.path": "/p", "kafka.topic": "t", "ingest.key.source": "field", "ingest.key.field": field };
    expect(httpIngestSource().validationOnly!(config).map((p) => p.key)).toEqual(["ingest.key.field"]);
  });

  test("a stored filter starts with a WARN saying a record reaching it gets a null key; other problems run as before", () => {
    expect(problems("$.items[?(@.x)].id")[0]!.runsAs).toBe("gives a record reaching its filter a null key");
    expect(problems("$[")[0]).not.toHaveProperty("runsAs");
  });

  // Brackets and `?(` inside quoted names are the names' (read directly: json-member-path.ts).
  test.each([
    "$.deviceId",
    "deviceId",
    "$['device-id']",
    "$..id",
    "$.items[*].id",
    "$.a[0]",
    "$['a]b']",
    "$['unit[']",
    "$['?(x)']",
    "$..['a]b']",
  ])("%s is accepted", (field) => {
    expect(problems(field)).toEqual([]);
  });

  test("only with ingest.key.source=field", () => {
    const parsed = httpIngestConfig.parse({ "ingest.path": "/p", "kafka.topic": "t", "ingest.key.field": "$[" });
    expect(keyFieldPathProblems(parsed)).toEqual([]);
  });
});

// ingestp3: the name was trimmed and the value not, so `env = prod` stamped env=" prod".
describe("ingest.headers.static", () => {
  test("name and value are trimmed, as Kafka reads a name:value map; spaces inside are kept", () => {
    const parsed = httpIngestConfig.parse({
      "ingest.path": "/p",
      "kafka.topic": "t",
      "ingest.headers.static": "env = prod , site=north pole,empty=",
    });
    const settings = routeSettings(parsed, undefined, undefined);
    expect(settings.headers.static).toEqual([
      ["env", "prod"],
      ["site", "north pole"],
      ["empty", ""],
    ]);
    const request = new Request("http://gw/p", { method: "POST" });
    expect(requestHeaders(settings, request, 1, null, false)).toEqual([
      ["env", "prod"],
      ["site", "north pole"],
      ["empty", ""],
    ]);
  });
});
