import { describe, expect, test } from "bun:test";
import type { SourceMap } from "../../api/record.ts";
import { migrationEntries, storedOffset } from "./offset-key-migration.ts";
import { offsetKeyV0 } from "./offset-key-v0.ts";
import { offsetKeyV1 } from "./offset-key-v1.ts";
import { offsetKeyV2 } from "./offset-key-v2.ts";
import { offsetKeyV3 } from "./offset-key-v3.ts";
import { sourcePartition } from "./offsets.ts";
import { api, startTask } from "./test-support.ts";

// Keyed differently by each version: v2 shows a percent-encoded URL's token, v1 also `code`, v0 also
// took the `@` for a user info's end.
const NEXT = "next=http%3A%2F%2Fh%2F%3Ftoken%3D";
const URL3 = `https://api.example/x?email=a@b.c&code=s3cret&${NEXT}s3cret`;
const V3 = { url: `https://api.example/x?email=a@b.c&code=***&${NEXT}***` };
const V2 = { url: `https://api.example/x?email=a@b.c&code=***&${NEXT}s3cret` };
const V1 = { url: `https://api.example/x?email=a@b.c&code=s3cret&${NEXT}s3cret` };
const V0 = { url: `https://***@b.c&code=s3cret&${NEXT}s3cret` };

const reader = (entries: ReadonlyArray<readonly [SourceMap, SourceMap]>) => {
  const stored = new Map(entries.map(([p, o]) => [JSON.stringify(p), o]));
  const asked: SourceMap[] = [];
  return {
    asked,
    offset: async (partition: SourceMap) => {
      asked.push(partition);
      return stored.get(JSON.stringify(partition)) ?? null;
    },
  };
};

describe("storedOffset (the lookup chain over key versions)", () => {
  test("the keys of the example are the four versions'", () => {
    expect([
      sourcePartition(URL3),
      { url: offsetKeyV2(URL3) },
      { url: offsetKeyV1(URL3) },
      { url: offsetKeyV0(URL3) },
    ]).toEqual([V3, V2, V1, V0]);
  });

  test("none: nothing to continue from (http.initial.offset), nothing to migrate; each key looked up newest first", async () => {
    const r = reader([]);
    expect(await storedOffset(r, V3, URL3)).toEqual({ stored: null });
    expect(r.asked).toEqual([V3, V2, V1, V0]);
  });

  test("found under v2: continued from, written under the current key and v2's removed", async () => {
    const found = await storedOffset(reader([[V2, { offset: "v2" }]]), V3, URL3);
    expect(found).toEqual({
      stored: { offset: "v2" },
      version: "v2",
      migration: { offset: { offset: "v2" }, removed: [V2] },
    });
    expect(migrationEntries(V3, found.migration!, false)).toEqual([
      { partition: V3, offset: { offset: "v2" } },
      { partition: V2, offset: null },
    ]);
  });

  test("found under v1: continued from, written under the current key and v1's removed", async () => {
    const r = reader([[V1, { offset: "v1" }]]);
    const found = await storedOffset(r, V3, URL3);
    expect(found).toEqual({
      stored: { offset: "v1" },
      version: "v1",
      migration: { offset: { offset: "v1" }, removed: [V1] },
    });
    expect(migrationEntries(V3, found.migration!, false)).toEqual([
      { partition: V3, offset: { offset: "v1" } },
      { partition: V1, offset: null },
    ]);
  });

  test("found under v0: continued from, written under the current key and v0's removed", async () => {
    const found = await storedOffset(reader([[V0, { offset: "v0" }]]), V3, URL3);
    expect(found).toEqual({
      stored: { offset: "v0" },
      version: "v0",
      migration: { offset: { offset: "v0" }, removed: [V0] },
    });
    expect(migrationEntries(V3, found.migration!, false)).toEqual([
      { partition: V3, offset: { offset: "v0" } },
      { partition: V0, offset: null },
    ]);
  });

  test("found under both: the newest (v1) wins and both old keys are removed", async () => {
    const found = await storedOffset(
      reader([
        [V0, { offset: "v0" }],
        [V1, { offset: "v1" }],
      ]),
      V3,
      URL3,
    );
    expect(found).toEqual({
      stored: { offset: "v1" },
      version: "v1",
      migration: { offset: { offset: "v1" }, removed: [V1, V0] },
    });
    expect(migrationEntries(V3, found.migration!, false)).toEqual([
      { partition: V3, offset: { offset: "v1" } },
      { partition: V1, offset: null },
      { partition: V0, offset: null },
    ]);
  });

  test("the current key has one: continued from; old entries left by an earlier migration are removed", async () => {
    const found = await storedOffset(
      reader([
        [V3, { offset: "v3" }],
        [V2, { offset: "v2" }],
        [V0, { offset: "v0" }],
      ]),
      V3,
      URL3,
    );
    expect(found).toEqual({ stored: { offset: "v3" }, migration: { removed: [V2, V0] } });
    expect(migrationEntries(V3, found.migration!, false)).toEqual([
      { partition: V2, offset: null },
      { partition: V0, offset: null },
    ]);
  });

  test("a newer offset written in the same commit: only the tombstones", () => {
    expect(migrationEntries(V3, { offset: { offset: "v1" }, removed: [V1] }, true)).toEqual([
      { partition: V1, offset: null },
    ]);
  });

  test("an earlier key equal to the current one, or to a newer earlier one, is looked up once and never removed", async () => {
    const url = "https://h/e?page=1";
    const same = reader([[{ url }, { offset: "now" }]]);
    expect(await storedOffset(same, sourcePartition(url), url)).toEqual({ stored: { offset: "now" } });
    expect(same.asked).toEqual([{ url }]);
    const atUrl = "https://api.example/x?code=s3cret";
    const r = reader([[{ url: "https://api.example/x?code=s3cret" }, { offset: "v1" }]]);
    expect(await storedOffset(r, sourcePartition(atUrl), atUrl)).toEqual({
      stored: { offset: "v1" },
      version: "v1",
      migration: { offset: { offset: "v1" }, removed: [{ url: "https://api.example/x?code=s3cret" }] },
    });
    expect(r.asked).toEqual([{ url: "https://api.example/x?code=***" }, { url: "https://api.example/x?code=s3cret" }]);
  });
});

// Task mask4: v3 showed a scheme-less user:password@host in a parameter's value, v4 (current) hides it.
const PROXY = "https://api.example/x?proxy=alice:s3cret@proxy:3128&url=svc%3As3cret%40proxy%3A3128";
const P4 = { url: "https://api.example/x?proxy=***@proxy:3128&url=***%40proxy%3A3128" };
const P3 = { url: PROXY };

describe("storedOffset, from v3 to v4", () => {
  test("the current key hides the password v3's shows", () => {
    expect([sourcePartition(PROXY), { url: offsetKeyV3(PROXY) }]).toEqual([P4, P3]);
  });

  test("found under v3: continued from, written under the current key and v3's removed", async () => {
    const r = reader([[P3, { offset: "v3" }]]);
    const found = await storedOffset(r, P4, PROXY);
    expect(found).toEqual({
      stored: { offset: "v3" },
      version: "v3",
      migration: { offset: { offset: "v3" }, removed: [P3] },
    });
    expect(migrationEntries(P4, found.migration!, false)).toEqual([
      { partition: P4, offset: { offset: "v3" } },
      { partition: P3, offset: null },
    ]);
    // v2 and v1 keyed this URL as v3 did: looked up once; v0 (an `@` in the query ended a user info) apart.
    expect(r.asked).toEqual([P4, P3, { url: offsetKeyV0(PROXY) }]);
  });
});

describe("HttpSourceTask with an offset under an earlier key", () => {
  const config = (base: string) => ({
    "http.url": `${base}/events?email=ops@example.com&code=s3cret&${NEXT}s3cret&since=\${offset}`,
    "http.response.records.path": "$[*]",
    "http.offset.mode": "TIMESTAMP",
    "http.offset.field": "at",
    "http.initial.offset": "2024-01-01T00:00:00Z",
    "http.timer.interval.ms": "60000",
  });
  const oldEntries = (url: string) =>
    new Map([
      [JSON.stringify({ url: offsetKeyV2(url) }), { offset: "2024-05-01T00:00:00Z" }],
      [JSON.stringify({ url: offsetKeyV1(url) }), { offset: "2024-04-15T00:00:00Z" }],
      [JSON.stringify({ url: offsetKeyV0(url) }), { offset: "2024-04-01T00:00:00Z" }],
    ]);

  test("continues from the newest, and its first commit writes it under the current key and removes both", async () => {
    using server = api(() => Response.json([]));
    const c = config(server.base);
    const h = await startTask(c, { offsets: oldEntries(c["http.url"]) });
    const current = sourcePartition(c["http.url"]);
    expect(h.task.updateOffsets([])).toEqual([
      { partition: current, offset: { offset: "2024-05-01T00:00:00Z" } },
      { partition: { url: offsetKeyV2(c["http.url"]) }, offset: null },
      { partition: { url: offsetKeyV1(c["http.url"]) }, offset: null },
      { partition: { url: offsetKeyV0(c["http.url"]) }, offset: null },
    ]);
    expect(h.task.updateOffsets([])).toBeNull();
    await h.collect(1, 1);
    expect(server.seen.map((s) => s.query.since)).toEqual(["2024-05-01T00:00:00Z"]);
    expect(
      h.logs.some((l) =>
        l.includes("Continuing from the offset stored under the partition key of an earlier version (v2)"),
      ),
    ).toBe(true);
    expect(h.logs.some((l) => l.includes("s3cret"))).toBe(false);
  });

  test("a poll's final offset is newer: it is written instead, with the tombstones", async () => {
    using server = api(() => Response.json([]));
    const c = config(server.base);
    const h = await startTask(c, { offsets: oldEntries(c["http.url"]) });
    await h.collect(1, 1);
    expect(h.task.updateOffsets([])).toEqual([
      {
        partition: sourcePartition(c["http.url"]),
        offset: { offset: "2024-05-01T00:00:00Z", offset_mode: "TIMESTAMP", poll_time: Date.UTC(2026, 0, 1) },
      },
      { partition: { url: offsetKeyV2(c["http.url"]) }, offset: null },
      { partition: { url: offsetKeyV1(c["http.url"]) }, offset: null },
      { partition: { url: offsetKeyV0(c["http.url"]) }, offset: null },
    ]);
    expect(h.task.updateOffsets([])).toBeNull();
  });

  test("an offset under v3 for a URL whose v3 key shows a password: continued from, moved to v4's key", async () => {
    using server = api(() => Response.json([]));
    const c = {
      ...config(server.base),
      "http.url": `${server.base}/events?proxy=alice:s3cret@proxy:3128&since=\${offset}`,
    };
    const v3Key = offsetKeyV3(c["http.url"]);
    expect(v3Key).toContain("alice:s3cret");
    const h = await startTask(c, {
      offsets: new Map([[JSON.stringify({ url: v3Key }), { offset: "2024-05-01T00:00:00Z" }]]),
    });
    const current = sourcePartition(c["http.url"]);
    expect(current).toEqual({ url: `${server.base}/events?proxy=***@proxy:3128&since=\${offset}` });
    expect(h.task.updateOffsets([])).toEqual([
      { partition: current, offset: { offset: "2024-05-01T00:00:00Z" } },
      { partition: { url: v3Key }, offset: null },
    ]);
    await h.collect(1, 1);
    expect(server.seen.map((s) => s.query.since)).toEqual(["2024-05-01T00:00:00Z"]);
    expect(h.logs.some((l) => l.includes("an earlier version (v3)"))).toBe(true);
    expect(h.logs.some((l) => l.includes("s3cret"))).toBe(false);
  });

  test("a record's offset staged for the current key is newer: only the tombstones are added", async () => {
    using server = api(() => Response.json([]));
    const c = config(server.base);
    const h = await startTask(c, { offsets: oldEntries(c["http.url"]) });
    const current = sourcePartition(c["http.url"]);
    const staged = [{ partition: current, offset: { offset: "2024-06-01T00:00:00Z" } }];
    expect(h.task.updateOffsets(staged)).toEqual([
      { partition: { url: offsetKeyV2(c["http.url"]) }, offset: null },
      { partition: { url: offsetKeyV1(c["http.url"]) }, offset: null },
      { partition: { url: offsetKeyV0(c["http.url"]) }, offset: null },
    ]);
    expect(h.task.updateOffsets([])).toBeNull();
  });
});
