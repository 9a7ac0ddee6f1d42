import { describe, expect, test } from "bun:test";
import { ConnectError } from "../../errors.ts";
import { PluginRegistry } from "../../plugin/registry.ts";
import { validateConnectorConfig } from "../../runtime/validate-connector-config.ts";
import { httpSourceConfig } from "./config.ts";
import { checkedConfig, crossKeyErrors, parseHttpSourceConfig } from "./config-rules.ts";
import { HttpSourceConnector } from "./connector.ts";
import { parseHeaders } from "./headers.ts";
import { httpSource } from "./index.ts";
import { decodeOffset, encodeOffset } from "./offsets.ts";
import { nextLink } from "./pagination.ts";
import { api, startTask } from "./test-support.ts";

const base = { "http.url": "https://api.example.com/events", "kafka.topic": "t" };
const problems = (extra: Record<string, string>) => crossKeyErrors(httpSourceConfig.parse({ ...base, ...extra }));

describe("HTTP source config", () => {
  test("the document's complete example is valid", () => {
    expect(
      problems({
        "http.method": "GET",
        "http.headers": "Accept: application/vnd.github+json, Authorization: Bearer abc",
        "http.timer.interval.ms": "300000",
        "http.response.format": "JSON",
        "http.response.records.path": "$[*]",
        "http.pagination.type": "LINK_HEADER",
        "http.retry.max.attempts": "3",
        "http.retry.backoff.ms": "5000",
      }),
    ).toEqual([]);
  });

  test.each([
    [{ "http.auth.type": "OAUTH2", "http.oauth2.client.id": "c" }, "http.oauth2.token.url"],
    [{ "http.pagination.type": "CURSOR" }, "http.pagination.cursor.path"],
    [{ "http.pagination.type": "CURSOR", "http.pagination.cursor.path": "$.a[" }, "http.pagination.cursor.path"],
    [{ "http.timer.type": "cron" }, "http.timer.cron.expression"],
    [{ "http.timer.type": "cron", "http.timer.cron.expression": "0 0 25 * * ?" }, "http.timer.cron.expression"],
    [{ "http.offset.mode": "TIMESTAMP" }, "http.offset.field"],
    [{ "http.auth.type": "BASIC" }, "http.auth.user"],
    [{ "http.response.error.codes": "400,abc" }, "http.response.error.codes"],
    [{ "http.ssl.enabled": "true" }, "http.ssl.truststore.location"],
    [
      {
        "http.ssl.enabled": "true",
        "http.ssl.truststore.location": "/nonexistent.jks",
        "http.ssl.truststore.password": "x",
      },
      "http.ssl.truststore.location",
    ],
    [{ "http.headers": "Authorization Bearer abc" }, "http.headers"],
    [{ "http.request.body": "{}" }, "http.request.body"],
  ])("%p is an error on %s", (extra, key) => {
    const found = problems(extra as Record<string, string>);
    expect(found.map((p) => p.key)).toEqual([key]);
    expect(JSON.stringify(found)).not.toContain('abc"');
  });

  test.each([
    ["http.response.records.path", "data[*]"],
    ["http.timer.cron.timezone", "Mars/Olympus"],
    ["http.url", "ftp://x/"],
    ["http.pagination.type", "PAGES"],
  ])("%s=%s is invalid on its own", (key, value) => {
    expect(httpSourceConfig.validate({ ...base, [key]: value }).get(key)!.errors.length).toBe(1);
  });
});

describe("http.headers", () => {
  test("commas split headers only before a Name:", () => {
    expect(parseHeaders("Accept: application/json, text/plain, X-API-Version: v2,Authorization: Bearer a,b")).toEqual([
      ["Accept", "application/json, text/plain"],
      ["X-API-Version", "v2"],
      ["Authorization", "Bearer a,b"],
    ]);
  });
});

describe("Link header", () => {
  test.each([
    ['<https://a/x?page=2>; rel="next", <https://a/x?page=9>; rel="last"', "https://a/x?page=2"],
    ['<https://a/x?page=1>; rel="prev", </x?page=3>; rel=next', "/x?page=3"],
    ['<https://a/x?p=2>; rel="next last"', "https://a/x?p=2"],
    ['<https://a/x?p=1>; rel="first"', null],
    [null, null],
  ])("%p → %p", (header, next) => {
    expect(nextLink(header)).toBe(next);
  });
});

describe("offsets", () => {
  test("encode and decode round-trip, mid-poll state included", () => {
    const stored = {
      offset: "2024-01-01T00:00:00Z",
      seen: ["a1"],
      pollTime: 5,
      resume: { nextOffset: "2024-02-01T00:00:00Z", nextSeen: ["b2", "c3"], page: { cursor: "1" }, skip: 3 },
    };
    expect(decodeOffset(encodeOffset(stored))).toEqual(stored);
  });

  test("alterOffsets accepts a plain offset and rejects malformed ones with a reason", () => {
    const connector = new HttpSourceConnector();
    const config = { ...base, "http.offset.mode": "TIMESTAMP", "http.offset.field": "ts" };
    const partition = { url: base["http.url"] };
    expect(connector.alterOffsets(config, [{ partition, offset: { offset: "2024-05-01T00:00:00Z" } }])).toBe(true);
    expect(connector.alterOffsets(config, [{ partition, offset: null }])).toBe(true);
    expect(() => connector.alterOffsets(config, [{ partition, offset: { offset: "yesterday" } }])).toThrow(
      ConnectError,
    );
    expect(() => connector.alterOffsets(config, [{ partition, offset: { position: 1 } }])).toThrow(/'offset'/);
    expect(() => connector.alterOffsets(config, [{ partition: {}, offset: { offset: "1" } }])).toThrow(/'url'/);
  });
});

describe("HTTP source retry backoff and its ceiling", () => {
  const backoff = (extra: Record<string, string>) => {
    const c = checkedConfig({ ...base, ...extra });
    return [c["http.retry.backoff.ms"], c["http.retry.backoff.max.ms"]];
  };

  test.each([
    [
      "only a backoff above the default ceiling: the ceiling follows it (constant backoff)",
      { "http.retry.backoff.ms": "120000" },
      [120000, 120000],
    ],
    [
      "only a backoff below the default ceiling: the default ceiling",
      { "http.retry.backoff.ms": "5000" },
      [5000, 60000],
    ],
    [
      "only a ceiling below the default backoff: the backoff follows it",
      { "http.retry.backoff.max.ms": "500" },
      [500, 500],
    ],
    [
      "both set, in order",
      { "http.retry.backoff.ms": "120000", "http.retry.backoff.max.ms": "300000" },
      [120000, 300000],
    ],
    ["neither set", {}, [1000, 60000]],
  ])("%s", (_, extra, expected) => {
    expect(backoff(extra)).toEqual(expected);
    expect(httpSource.validate!({ ...base, ...extra })).toEqual([]);
  });

  test("both set, a ceiling below the backoff is refused on the ceiling", () => {
    const raw = { ...base, "http.retry.backoff.ms": "120000", "http.retry.backoff.max.ms": "60000" };
    const problem = { key: "http.retry.backoff.max.ms", message: "Must not be smaller than http.retry.backoff.ms" };
    expect(httpSource.validate!(raw)).toEqual([problem]);
    expect(crossKeyErrors(parseHttpSourceConfig(raw))).toEqual([problem]);
    expect(() => checkedConfig(raw)).toThrow(
      "http.retry.backoff.max.ms: Must not be smaller than http.retry.backoff.ms",
    );
  });
});

describe("http.initial.offset with http.offset.mode=TIMESTAMP", () => {
  const registry = new PluginRegistry([httpSource]);
  const config = (mode: string, initial: string) => ({
    name: "src",
    "connector.class": "HttpSource",
    ...base,
    "http.offset.mode": mode,
    "http.offset.field": "updated_at",
    "http.initial.offset": initial,
  });
  const errorsOf = (mode: string, initial: string) =>
    validateConnectorConfig(registry, config(mode, initial)).infos.configs.find(
      (c) => c.value?.name === "http.initial.offset",
    )?.value?.errors;

  test.each(["2024-13-01T00:00:00Z", "yesterday"])(
    "%p, which names no instant, is refused by validation (the REST offsets API refuses it too)",
    (initial) => {
      expect(errorsOf("TIMESTAMP", initial)).toEqual([
        `${JSON.stringify(initial)} is not a timestamp (ISO-8601 such as 2024-01-01T00:00:00Z, or epoch seconds or milliseconds) as http.offset.mode=TIMESTAMP needs: every record would count as newer than it`,
      ]);
    },
  );

  test.each([
    "2024-01-01T00:00:00Z",
    "2024-01-01T00:00:00.123456+02:00",
    "2024-01-01",
    "1704067200",
    "1704067200000",
    "",
  ])("%p is accepted", (initial) => {
    expect(errorsOf("TIMESTAMP", initial)).toEqual([]);
  });

  test("other offset modes take any text; the rule is validation-only: a stored config still starts", () => {
    expect(errorsOf("CURSOR", "yesterday")).toEqual([]);
    expect(errorsOf("NONE", "yesterday")).toEqual([]);
    expect(checkedConfig(config("TIMESTAMP", "yesterday"))["http.initial.offset"]).toBe("yesterday");
    expect(httpSource.validate?.(config("TIMESTAMP", "yesterday"))).toEqual([]);
  });
});

describe("OFFSET pagination with a records path that selects one record per response", () => {
  const registry = new PluginRegistry([httpSource]);
  const config = (path: string | undefined, limit = "100", type = "OFFSET") => ({
    name: "src",
    "connector.class": "HttpSource",
    ...base,
    "http.pagination.type": type,
    "http.pagination.limit.value": limit,
    ...(path === undefined ? {} : { "http.response.records.path": path }),
  });
  const errorsOf = (path: string | undefined, limit?: string, type?: string) =>
    validateConnectorConfig(registry, config(path, limit, type)).infos.configs.find(
      (c) => c.value?.name === "http.response.records.path",
    )?.value?.errors;

  test("reads only the first page: each response is one record, fewer than the limit", async () => {
    await using server = api((_req, url) =>
      Response.json([{ at: url.searchParams.get("offset") }, { at: url.searchParams.get("offset") }]),
    );
    const h = await startTask({ "http.url": `${server.base}/events`, "http.pagination.type": "OFFSET" });
    try {
      expect((await h.collect(1)).map((r) => String(r.value))).toEqual(['[{"at":"0"},{"at":"0"}]']);
      expect(server.seen.map((s) => s.query)).toEqual([{ offset: "0", limit: "100" }]);
    } finally {
      await h.task.stop();
    }
  });

  test.each([undefined, "$", "$.data", "$.data[0]", "$['data']"])(
    "records path %p is refused by validation, naming the fix",
    (path) => {
      expect(errorsOf(path)).toEqual([
        `${path ?? "$"} selects at most one record per response, and with http.pagination.type=OFFSET a page with fewer records than http.pagination.limit.value (100) is the last: no page after the first would be read. Select the records, e.g. $[*] or $.data[*]`,
      ]);
    },
  );

  test.each(["$[*]", "$.data[*]", "$..items", "$.data[0,1]", "$.data[1:]", "$.*"])(
    "records path %p is accepted",
    (path) => {
      expect(errorsOf(path)).toEqual([]);
    },
  );

  test("a limit of 1, or another pagination type, is accepted; the rule is validation-only: a stored config still starts", () => {
    expect(errorsOf("$", "1")).toEqual([]);
    expect(errorsOf("$", "100", "LINK_HEADER")).toEqual([]);
    expect(checkedConfig(config("$"))["http.response.records.path"]).toBe("$");
    expect(httpSource.validate?.(config("$"))).toEqual([]);
  });
});
