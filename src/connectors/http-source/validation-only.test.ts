/**
 * The HTTP source's validation-only rules (validation-only.ts) through validateConnectorConfig, and
 * the start of a config breaking them (accepted: a stored config runs as it did).
 */
import { describe, expect, test } from "bun:test";
import { PluginRegistry } from "../../plugin/registry.ts";
import { validateConnectorConfig } from "../../runtime/validate-connector-config.ts";
import { checkedConfig } from "./config-rules.ts";
import { httpSource } from "./index.ts";
import { epochNanos } from "./instant.ts";
import { api, startTask } from "./test-support.ts";
import { validationOnlyProblems } from "./validation-only.ts";

const base = { "http.url": "https://api.example.com/events", "kafka.topic": "t" };
const registry = new PluginRegistry([httpSource]);
/** The errors validation (config/validate, create, update) reports on `key`. */
const errorsOn = (key: string, config: Record<string, string>) =>
  validateConnectorConfig(registry, {
    name: "src",
    "connector.class": "HttpSource",
    ...base,
    ...config,
  }).infos.configs.find((c) => c.value?.name === key)?.value?.errors;

describe("http.initial.offset with http.offset.mode=TIMESTAMP", () => {
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

  // auditsrc P3b: 2024-02-30 was read as 2024-03-01.
  test.each(["2024-13-01T00:00:00Z", "2024-04-31", "2024-02-30T10:00:00", "yesterday"])(
    "%p, which names no instant, is refused by validation (the REST offsets API refuses it too)",
    (initial) => {
      expect(errorsOf("TIMESTAMP", initial)).toEqual([
        `${JSON.stringify(initial)} is not a timestamp (ISO-8601 such as 2024-01-01T00:00:00Z, or epoch seconds or milliseconds) as http.offset.mode=TIMESTAMP needs: every record would count as newer than it`,
      ]);
    },
  );

  // srctime-b, srctime-c P2 and P3-1: castorm's Instant.parse refuses a day its month lacks, which its
  // default record reader takes as the month's last; a year past 9999 (`+10000-…`) too.
  test.each([
    ["2024-02-30T00:00:00Z", "a day February 2024 lacks", "2024-02-29T00:00:00Z"],
    ["2023-02-29T00:00:00Z", "a day February 2023 lacks", "2023-02-28T00:00:00Z"],
    ["+10000-02-30T03:04:05Z", "a day February 10000 lacks", "+10000-02-29T03:04:05Z"],
    // srctime-d P3-2: worded from the instant, the next day's start.
    ["2024-02-30T24:00:00Z", "a day February 2024 lacks", "2024-03-01T00:00:00Z"],
    ["2023-02-29T10:00:00.120+0100", "a day February 2023 lacks", "2023-02-28T09:00:00.120Z"],
  ])("%p, read only as castorm's default reader clamps it, is refused saying why", (initial, day, read) => {
    expect(errorsOf("TIMESTAMP", initial)).toEqual([
      `${JSON.stringify(initial)} is no offset http.offset.mode=TIMESTAMP starts from: ${day}: castorm's Instant.parse refuses it; records with it are read as ${read}`,
    ]);
  });

  test("a stored config with such an initial offset starts from the instant records with it are read as, as its WARN says", () => {
    const raw = config("TIMESTAMP", "2024-02-30T00:00:00Z");
    expect(validationOnlyProblems(raw).map((p) => [p.key, p.runsAs])).toEqual([
      ["http.initial.offset", "runs from the instant records with it are read as"],
    ]);
    expect(epochNanos("2024-02-30T00:00:00Z")).toBe(epochNanos("2024-02-29T00:00:00Z"));
  });

  // srctime-c P2: refused as no timestamp of the pattern, which reads it (as 2024-02-29 10:00:00).
  test("a day its month lacks that the configured pattern reads is accepted", () => {
    const keys = {
      "http.offset.mode": "TIMESTAMP",
      "http.offset.field": "updated_at",
      "http.response.record.timestamp.parser.pattern": "yyyy-MM-dd HH:mm:ss",
    };
    expect(errorsOn("http.initial.offset", { ...keys, "http.initial.offset": "2024-02-30 10:00:00" })).toEqual([]);
    // The pattern does not read ISO-8601: castorm's default reader alone does, clamping it.
    expect(errorsOn("http.initial.offset", { ...keys, "http.initial.offset": "2024-02-30T10:00:00Z" })).toEqual([
      `"2024-02-30T10:00:00Z" is no offset http.offset.mode=TIMESTAMP starts from: a day February 2024 lacks: castorm's Instant.parse refuses it; records with it are read as 2024-02-29T10:00:00Z`,
    ]);
  });

  // srctime-d P3-1: castorm reads its initial offset with Instant.parse, whatever the parser keys.
  test.each<Record<string, string>>([
    { "http.response.record.timestamp.parser.pattern": "yyyy-MM-dd'T'HH:mm:ss[.SSS]X" },
    { "http.response.record.timestamp.parser": "EpochMillisOrDelegateTimestampParser" },
    { "http.response.record.timestamp.parser": "DateTimeFormatterTimestampParser" },
  ])("a day its month lacks is refused with castorm's default pattern, also when set: %p", (keys) => {
    const raw = { "http.offset.mode": "TIMESTAMP", "http.offset.field": "updated_at", ...keys };
    expect(errorsOn("http.initial.offset", { ...raw, "http.initial.offset": "2024-02-30T00:00:00Z" })).toEqual([
      `"2024-02-30T00:00:00Z" is no offset http.offset.mode=TIMESTAMP starts from: a day February 2024 lacks: castorm's Instant.parse refuses it; records with it are read as 2024-02-29T00:00:00Z`,
    ]);
  });

  test("a day its month lacks that a pattern other than castorm's default reads as ISO-8601 is accepted", () => {
    const raw = {
      "http.offset.mode": "TIMESTAMP",
      "http.offset.field": "updated_at",
      "http.response.record.timestamp.parser.pattern": "yyyy-MM-dd'T'HH:mm:ssX",
    };
    expect(errorsOn("http.initial.offset", { ...raw, "http.initial.offset": "2024-02-30T00:00:00Z" })).toEqual([]);
  });

  test("with a pattern, the error names it and its parser", () => {
    expect(
      errorsOn("http.initial.offset", {
        "http.offset.mode": "TIMESTAMP",
        "http.offset.field": "updated_at",
        "http.initial.offset": "2024/07/01",
        "http.response.record.timestamp.parser": "DateTimeFormatterTimestampParser",
        "http.response.record.timestamp.parser.pattern": "dd/MM/yyyy HH:mm",
      }),
    ).toEqual([
      `"2024/07/01" is not a timestamp (ISO-8601 such as 2024-01-01T00:00:00Z, or the pattern "dd/MM/yyyy HH:mm" (DateTimeFormatterTimestampParser)) as http.offset.mode=TIMESTAMP needs: every record would count as newer than it`,
    ]);
  });

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

  test.each([undefined, "$", "$.data", "$.data[0]", "$['data']", "$['a,b']", "$['x\\'y']"])(
    "records path %p is refused by validation, naming the fix",
    (path) => {
      expect(errorsOf(path)).toEqual([
        `${path ?? "$"} selects at most one record per response, and with http.pagination.type=OFFSET a page with fewer records than http.pagination.limit.value (100) is the last: no page after the first would be read. Select the records, e.g. $[*] or $.data[*]`,
      ]);
    },
  );

  test.each(["$[*]", "$.data[*]", "$..items", "$.data[0,1]", "$.data[1:]", "$.*", "$['a','b']", '$["a","b"]'])(
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

describe("an Authorization header in http.headers while http.auth.type sends one", () => {
  const basic = { "http.auth.type": "BASIC", "http.auth.user": "u", "http.auth.password": "p" };
  const oauth2 = {
    "http.auth.type": "OAUTH2",
    "http.oauth2.token.url": "https://auth.example.com/oauth/token",
    "http.oauth2.client.id": "id",
  };

  test("would reach the API as one combined value, which no server reads as either", async () => {
    await using server = api(() => Response.json({ id: 1 }));
    const h = await startTask({
      "http.url": `${server.base}/e`,
      "http.headers": "Authorization: Bearer abc",
      ...basic,
    });
    try {
      expect(await h.collect(1)).toHaveLength(1);
      expect(server.seen[0]!.headers.get("authorization")).toBe("Bearer abc, Basic dTpw");
    } finally {
      await h.task.stop();
    }
  });

  test.each([
    ["BASIC", basic, "Authorization: Bearer abc, X-API-Version: v2"],
    ["OAUTH2", oauth2, "Accept: application/json, authorization: Bearer abc"],
    ["BASIC", basic, "X-Hosts: a:8080, Authorization:0a1b2c3d"],
  ] as const)("is refused by validation with %s on http.headers", (auth, keys, headers) => {
    expect(errorsOn("http.headers", { ...keys, "http.headers": headers })).toEqual([
      `http.headers sets Authorization, which http.auth.type=${auth} sends as well: the request would carry both as one combined value. Remove it, or set http.auth.type=NONE`,
    ]);
  });

  test("the document's API key header alone, or BASIC alone, is accepted; a stored config still starts", () => {
    expect(errorsOn("http.headers", { "http.headers": "Authorization: Bearer ${secrets:api/token}" })).toEqual([]);
    expect(errorsOn("http.headers", { ...basic, "http.headers": "Accept: application/json" })).toEqual([]);
    const stored = { ...base, ...basic, "http.headers": "Authorization: Bearer abc" };
    expect(checkedConfig(stored)["http.headers"]).toBe("Authorization: Bearer abc");
    expect(httpSource.validate?.(stored)).toEqual([]);
  });
});

describe("http.response.error.codes not in decimal digits", () => {
  test.each(["4e2", "0x190"])("%p is refused by validation; a stored config still starts (read as 400)", (text) => {
    expect(errorsOn("http.response.error.codes", { "http.response.error.codes": `${text},500` })).toEqual([
      `${text} is not an HTTP status code (100-599)`,
    ]);
    const stored = { ...base, "http.response.error.codes": text };
    expect(checkedConfig(stored)["http.response.error.codes"]).toEqual([text]);
  });
});

describe("http.auth.user holding ':' with http.auth.type=BASIC", () => {
  const basic = { "http.auth.type": "BASIC", "http.auth.user": "dev:ops", "http.auth.password": "pw" };

  test("is refused by validation (the server would read user dev); a reference or another auth type is not judged", () => {
    expect(errorsOn("http.auth.user", basic)).toEqual([
      "Cannot contain ':' (RFC 7617: the password starts at the first colon, so the server would read another user)",
    ]);
    expect(errorsOn("http.auth.user", { ...basic, "http.auth.user": "${secrets:api/username}" })).toEqual([]);
    expect(errorsOn("http.auth.user", { ...basic, "http.auth.type": "NONE" })).toEqual([]);
    expect(errorsOn("http.auth.user", { ...basic, "http.auth.user": "dev" })).toEqual([]);
  });

  test("a stored config still starts and sends the user as it did before the rule", async () => {
    expect(checkedConfig({ ...base, ...basic })["http.auth.user"]).toBe("dev:ops");
    expect(httpSource.validate?.({ ...base, ...basic })).toEqual([]);
    await using server = api(() => Response.json({ id: 1 }));
    const h = await startTask({ "http.url": `${server.base}/e`, ...basic });
    try {
      expect(await h.collect(1)).toHaveLength(1);
      const sent = server.seen[0]!.headers.get("authorization")!;
      expect(Buffer.from(sent.slice("Basic ".length), "base64").toString()).toBe("dev:ops:pw");
    } finally {
      await h.task.stop();
    }
  });
});

// explore11 F6: 0 was accepted and retried back to back (a core at ~97 % through an outage).
// explore11 F4: with both keys out of range only one was named.
describe("http.retry.backoff.ms and http.retry.backoff.max.ms of 0", () => {
  const keys = ["http.retry.backoff.ms", "http.retry.backoff.max.ms"] as const;
  const atLeastOne = (key: string, value: string) =>
    `Invalid value ${value} for configuration ${key}: Value must be at least 1`;

  test.each([
    ["0", "0"],
    ["0", "-1"],
    ["-1", "0"],
    ["-5", "5"],
  ])("initial %s and max %s: refused on each key out of range, with the HTTP sink's message", (initial, max) => {
    const config = { [keys[0]]: initial, [keys[1]]: max };
    expect(keys.map((key) => errorsOn(key, config))).toEqual([
      [atLeastOne(keys[0], initial)],
      Number(max) < 1 ? [atLeastOne(keys[1], max)] : [],
    ]);
  });

  test("a stored 0 starts with a WARN saying it runs as 1 ms, and runs as 1 ms", () => {
    const stored = { ...base, [keys[0]]: "0", [keys[1]]: "0" };
    expect(httpSource.validationOnly?.(stored)).toEqual(
      keys.map((key) => ({ key, message: atLeastOne(key, "0"), runsAs: "runs as 1 ms" })),
    );
    const c = checkedConfig(stored);
    expect([c[keys[0]], c[keys[1]]]).toEqual([1, 1]);
  });

  // review-srcback P3-3, as the README says: a stored ceiling 0 runs as 1 ms only beside a backoff
  // unset or at most 1; beside a larger backoff it is a ceiling below the backoff.
  test.each([
    [undefined, "0", "runs as 1 and 1"],
    ["1", "0", "runs as 1 and 1"],
    ["0", undefined, "runs as 1 and 60000"],
    ["0", "5", "runs as 1 and 5"],
    ["5", "0", "http.retry.backoff.max.ms: Must not be smaller than http.retry.backoff.ms"],
  ])("stored initial %p and max %p: %s", (initial, max, expected) => {
    const stored = { ...base, ...(initial ? { [keys[0]]: initial } : {}), ...(max ? { [keys[1]]: max } : {}) };
    const outcome = () => {
      try {
        const c = checkedConfig(stored);
        return `runs as ${c[keys[0]]} and ${c[keys[1]]}`;
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(outcome()).toBe(expected);
  });
});

describe("rate-limit header keys that are no HTTP header name (srcp3)", () => {
  test.each([
    ["http.rate.limit.header", "X RateLimit Remaining"],
    ["http.rate.limit.header", "X-RateLimit-Remaining:"],
    ["http.rate.limit.reset.header", "Reset(s)"],
    ["http.rate.limit.reset.header", "Zurücksetzen"],
  ])("%s=%p is refused by validation in Connect's words; a stored config still starts", (key, name) => {
    expect(errorsOn(key, { [key]: name })).toEqual([
      `Invalid value ${name} for configuration ${key}: Not an HTTP header name: an RFC 9110 token, of letters, digits and ! # $ % & ' * + - . ^ _ \` | ~ (no space or colon)`,
    ]);
    const stored = { ...base, [key]: name };
    expect(checkedConfig(stored)[key as "http.rate.limit.header"]).toBe(name);
    expect(httpSource.validate?.(stored)).toEqual([]);
  });

  test.each(["X-RateLimit-Remaining", "ratelimit-remaining", "X_Quota!", ""])("%p is accepted", (name) => {
    expect(errorsOn("http.rate.limit.header", { "http.rate.limit.header": name })).toEqual([]);
  });
});
