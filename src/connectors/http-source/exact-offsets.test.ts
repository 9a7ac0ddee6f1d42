import { describe, expect, test } from "bun:test";
import type { SourceRecord } from "../../api/record.ts";
import { api, startTask } from "./test-support.ts";

const texts = (records: readonly SourceRecord[]) => records.map((r) => String(r.value));

describe("an offset field in decimal epoch seconds to the nanosecond", () => {
  test.each([
    ["1700000000.123456789", "1700000000.123456790"],
    ["1700000000.000000001", "1700000000.000000002"],
  ])(
    "TIMESTAMP %p: the offset keeps every digit, and a record a nanosecond later is delivered",
    async (first, later) => {
      let polls = 0;
      using server = api(() => {
        polls++;
        const records = [`{"id":1,"ts":${first}}`, ...(polls > 1 ? [`{"id":2,"ts":${later}}`] : [])];
        return new Response(`[${records.join(",")}]`);
      });
      const h = await startTask({
        "http.url": `${server.base}/e?since=\${offset}`,
        "http.response.records.path": "$[*]",
        "http.offset.mode": "TIMESTAMP",
        "http.offset.field": "ts",
        "http.timer.interval.ms": "1000",
      });
      expect(texts(await h.collect(1))).toEqual([`{"id":1,"ts":${first}}`]);
      expect(texts(await h.collect(1, 3))).toEqual([`{"id":2,"ts":${later}}`]);
      expect(server.seen.map((s) => s.query.since)).toEqual(["", first]);
    },
  );

  test("CURSOR: a long decimal cursor goes into ${offset} as the API wrote it; short decimals and integers as before", async () => {
    const pages = ['[{"c":12.5}]', '[{"c":1700000000.123456789}]', '[{"c":1700000000123}]', "[]"];
    using server = api((_req, _url, n) => new Response(pages[Math.min(n, pages.length) - 1]));
    const h = await startTask({
      "http.url": `${server.base}/e?after=\${offset}`,
      "http.response.records.path": "$[*]",
      "http.offset.mode": "CURSOR",
      "http.offset.field": "c",
      "http.timer.interval.ms": "1000",
    });
    expect(await h.collect(3, 6)).toHaveLength(3);
    await h.collect(1, 1);
    expect(server.seen.map((s) => s.query.after)).toEqual(["", "12.5", "1700000000.123456789", "1700000000123"]);
  });

  test("CURSOR pagination: a long decimal next cursor goes into the cursor parameter as the API wrote it", async () => {
    using server = api((_req, url) =>
      url.searchParams.get("cursor")
        ? Response.json({ data: [{ id: 2 }] })
        : new Response('{"data":[{"id":1}],"next":1700000000.123456789}'),
    );
    const h = await startTask({
      "http.url": `${server.base}/e`,
      "http.response.records.path": "$.data[*]",
      "http.pagination.type": "CURSOR",
      "http.pagination.cursor.path": "$.next",
    });
    expect(await h.collect(2)).toHaveLength(2);
    expect(server.seen.map((s) => s.query.cursor)).toEqual([undefined, "1700000000.123456789"]);
  });
});

describe("http.record.key.field holding a long decimal", () => {
  test("each record's key is the number as the API wrote it: keys differing past a double's digits stay apart", async () => {
    // No run of 16 digits: the page takes the fast parse, which rounds these decimals to doubles.
    const keys = ["1700000000.123456789", "1700000000.123456790", "1700000000.000000001", "1700000000", "12.5", "7"];
    using server = api(() => new Response(`[${keys.map((k) => `{"k":${k}}`).join(",")}]`));
    const { task } = await startTask({
      "http.url": `${server.base}/e`,
      "http.response.records.path": "$[*]",
      "http.record.key.field": "k",
    });
    const records = await task.poll(new AbortController().signal);
    expect(records?.map((r) => r.key)).toEqual(keys);
  });

  test("a decimal a double holds (1.50, 0.10) keeps one key whatever its page holds: the double's text, as on a page without a long decimal", async () => {
    const pages = ['[{"k":1.50},{"k":0.10}]', '[{"k":1.50},{"k":0.10},{"k":1700000000.123456789}]'];
    using server = api((_req, _url, n) => new Response(pages[Math.min(n, pages.length) - 1]));
    const h = await startTask({
      "http.url": `${server.base}/e`,
      "http.response.records.path": "$[*]",
      "http.record.key.field": "k",
      "http.timer.interval.ms": "1000",
    });
    expect((await h.collect(2)).map((r) => r.key)).toEqual(["1.5", "0.1"]);
    expect((await h.collect(3)).map((r) => r.key)).toEqual(["1.5", "0.1", "1700000000.123456789"]);
  });

  test("TIMESTAMP: a record at the offset's instant whose key differs only past a double's digits is new, not skipped", async () => {
    const T = "2024-06-01T10:00:01Z";
    const events = ['{"k":1700000000.123456789,"ts":"2024-06-01T10:00:01Z"}'];
    using server = api(() => new Response(`[${events.join(",")}]`));
    const h = await startTask({
      "http.url": `${server.base}/e?since=\${offset}`,
      "http.response.records.path": "$[*]",
      "http.offset.mode": "TIMESTAMP",
      "http.offset.field": "ts",
      "http.record.key.field": "k",
      "http.timer.interval.ms": "60000",
    });
    expect(texts(await h.collect(1))).toEqual([events[0]!]);
    events.push('{"k":1700000000.123456790,"ts":"2024-06-01T10:00:01Z"}');
    expect(texts(await h.collect(1, 100))).toEqual([events[1]!]);
    expect(server.seen.at(-1)!.query.since).toBe(T);
  });
});
