import { describe, expect, test } from "bun:test";
import { legacyOffsetKey, offsetOrLegacy } from "./legacy-offset-key.ts";
import { sourcePartition } from "./offsets.ts";
import { api, startTask } from "./test-support.ts";

describe("legacyOffsetKey", () => {
  test.each([
    // What the earlier masking wrote: an `@` after the authority hid the host and path.
    ["https://api.example/x?email=a@b.c&since=${offset}", "https://***@b.c&since=${offset}"],
    ["https://h/users/@me/events", "https://***@me/events"],
    // A `;`-separated secret parameter was not hidden.
    ["https://h/e?a=1;token=s3cret", "https://h/e?a=1;token=s3cret"],
    // Beside a secret parameter, the others were form-encoded again.
    ["https://h/e?q=a%20b&api_key=k&x=(1)", "https://h/e?q=a+b&api_key=***&x=%281%29"],
    // Where it agrees with the current key.
    ["https://u:p@h/e?api_key=k&page=2", "https://***@h/e?api_key=***&page=2"],
    ["https://h/e?since=${offset}", "https://h/e?since=${offset}"],
  ])("%s was keyed %s", (url, key) => expect(legacyOffsetKey(url)).toBe(key));
});

describe("offsetOrLegacy", () => {
  const URL_WITH_AT = "https://api.example/x?email=a@b.c";
  const current = sourcePartition(URL_WITH_AT);
  const legacy = { url: "https://***@b.c" };
  const reader = (stored: Map<string, Record<string, unknown>>) => {
    const asked: unknown[] = [];
    return {
      asked,
      offset: async (partition: Record<string, unknown>) => {
        asked.push(partition);
        return stored.get(JSON.stringify(partition)) ?? null;
      },
    };
  };

  test("the current key's offset when there is one", async () => {
    const r = reader(
      new Map([
        [JSON.stringify(current), { offset: "new" }],
        [JSON.stringify(legacy), { offset: "old" }],
      ]),
    );
    expect(await offsetOrLegacy(r, current, URL_WITH_AT)).toEqual({ stored: { offset: "new" } });
  });

  test("else the legacy key's, to commit under the current key", async () => {
    const r = reader(new Map([[JSON.stringify(legacy), { offset: "old" }]]));
    expect(current).toEqual({ url: URL_WITH_AT });
    expect(await offsetOrLegacy(r, current, URL_WITH_AT)).toEqual({
      stored: { offset: "old" },
      migrated: { partition: current, offset: { offset: "old" } },
    });
  });

  test("neither: nothing, and a URL whose key did not change is looked up once", async () => {
    expect(await offsetOrLegacy(reader(new Map()), current, URL_WITH_AT)).toEqual({ stored: null });
    const same = reader(new Map());
    const url = "https://h/e?page=1";
    expect(await offsetOrLegacy(same, sourcePartition(url), url)).toEqual({ stored: null });
    expect(same.asked).toEqual([{ url }]);
  });
});

describe("HttpSourceTask with an offset under the legacy key", () => {
  const config = (base: string) => ({
    "http.url": `${base}/events?email=ops@example.com&since=\${offset}`,
    "http.response.records.path": "$[*]",
    "http.offset.mode": "TIMESTAMP",
    "http.offset.field": "at",
    "http.initial.offset": "2024-01-01T00:00:00Z",
    "http.timer.interval.ms": "60000",
  });

  test("continues from it, and its first commit writes it under the current key", async () => {
    using server = api(() => Response.json([]));
    const c = config(server.base);
    const offsets = new Map([
      [JSON.stringify({ url: legacyOffsetKey(c["http.url"]) }), { offset: "2024-05-01T00:00:00Z" }],
    ]);
    const h = await startTask(c, { offsets });
    expect(h.task.updateOffsets([])).toEqual([
      { partition: { url: c["http.url"] }, offset: { offset: "2024-05-01T00:00:00Z" } },
    ]);
    expect(h.task.updateOffsets([])).toBeNull();
    await h.collect(1, 1);
    expect(server.seen.map((s) => s.query.since)).toEqual(["2024-05-01T00:00:00Z"]);
    expect(
      h.logs.some((l) => l.includes("Continuing from the offset stored under the partition key of an earlier version")),
    ).toBe(true);
  });

  test("a poll's final offset is newer: it is written instead", async () => {
    using server = api(() => Response.json([]));
    const c = config(server.base);
    const offsets = new Map([
      [JSON.stringify({ url: legacyOffsetKey(c["http.url"]) }), { offset: "2024-05-01T00:00:00Z" }],
    ]);
    const h = await startTask(c, { offsets });
    await h.collect(1, 1);
    expect(h.task.updateOffsets([])).toEqual([
      {
        partition: { url: c["http.url"] },
        offset: { offset: "2024-05-01T00:00:00Z", poll_time: Date.UTC(2026, 0, 1) },
      },
    ]);
    expect(h.task.updateOffsets([])).toBeNull();
  });

  test("a record's offset staged for the current key is newer: the legacy one is not written", async () => {
    using server = api(() => Response.json([]));
    const c = config(server.base);
    const offsets = new Map([
      [JSON.stringify({ url: legacyOffsetKey(c["http.url"]) }), { offset: "2024-05-01T00:00:00Z" }],
    ]);
    const h = await startTask(c, { offsets });
    const staged = [{ partition: { url: c["http.url"] }, offset: { offset: "2024-06-01T00:00:00Z" } }];
    expect(h.task.updateOffsets(staged)).toBeNull();
    expect(h.task.updateOffsets([])).toBeNull();
  });
});
