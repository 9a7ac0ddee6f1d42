import { describe, expect, test } from "bun:test";
import { httpSourceConfig } from "./config.ts";
import { newTrail, trimTrail } from "./page-guard.ts";
import { api, recordIds as ids, startTask } from "./test-support.ts";

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i }));

describe("HttpSourceTask pagination that does not advance (review P2.5)", () => {
  test("OFFSET against an API that ignores the offset: the second repeated page in a row ends the poll with a warning", async () => {
    using server = api(() => Response.json(items(10)));
    const h = await startTask({
      "http.url": `${server.base}/events?key=secret-k1`,
      "http.response.records.path": "$[*]",
      "http.pagination.type": "OFFSET",
      "http.pagination.limit.value": "10",
      "http.timer.interval.ms": "60000",
    });
    const records = await h.collect(100, 3);
    expect(ids(records)).toEqual(items(10).map((i) => i.id));
    // The first repeat may be a newest-first API shifted by new records: the page after it is read.
    expect(server.seen.map((s) => s.query.offset)).toEqual(["0", "10", "20"]);
    expect(h.logs.filter((l) => l.includes("reading the next page"))).toHaveLength(1);
    const warnings = h.logs.filter((l) => l.includes("the poll ends here"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("the page has the same body as the previous page");
    expect(warnings[0]).toContain("key=***");
    expect(warnings[0]).not.toContain("secret-k1");
    // The poll ended: the next one is due one interval after it started, at the first page again.
    const started = h.clock.now();
    expect(ids(await h.collect(10, 100))).toEqual(items(10).map((i) => i.id));
    expect(await h.collect(1, 2)).toEqual([]);
    expect(h.clock.now() - started).toBeGreaterThanOrEqual(59000);
    expect(server.seen.map((s) => s.query.offset)).toEqual(["0", "10", "20", "0", "10", "20"]);
  });

  test("the same records in a different envelope also end the poll", async () => {
    using server = api((_req, _url, n) => Response.json({ request: n, data: items(5) }));
    const h = await startTask({
      "http.url": `${server.base}/events`,
      "http.response.records.path": "$.data[*]",
      "http.pagination.type": "OFFSET",
      "http.pagination.limit.value": "5",
    });
    expect(ids(await h.collect(100, 3))).toEqual(items(5).map((i) => i.id));
    expect(server.seen.length).toBe(3);
    expect(h.logs.some((l) => l.includes("the page has the same records as the previous page"))).toBe(true);
  });

  test("LINK_HEADER: consecutive empty pages with their own next links are followed to the records after them (re-review P3)", async () => {
    using server = api((_req, url) => {
      const page = Number(url.searchParams.get("page") ?? "1");
      const link = page < 3 ? { link: `</events?page=${page + 1}>; rel="next"` } : {};
      return Response.json(page < 3 ? [] : [{ id: 3 }], { headers: link });
    });
    const h = await startTask({
      "http.url": `${server.base}/events`,
      "http.response.records.path": "$[*]",
      "http.pagination.type": "LINK_HEADER",
    });
    expect(ids(await h.collect(1, 4))).toEqual([3]);
    expect(server.seen.map((s) => s.query.page ?? "1")).toEqual(["1", "2", "3"]);
    expect(h.logs.filter((l) => l.includes("WARN"))).toEqual([]);
  });

  test("CURSOR: consecutive pages with the same records and distinct cursors are all read (re-review P3)", async () => {
    using server = api((_req, url) => {
      const page = Number(url.searchParams.get("cursor") ?? "1");
      const data = page < 3 ? [{ id: 0 }] : [{ id: 3 }];
      return Response.json({ data, next: page < 3 ? String(page + 1) : null });
    });
    const h = await startTask({
      "http.url": `${server.base}/events`,
      "http.response.records.path": "$.data[*]",
      "http.pagination.type": "CURSOR",
      "http.pagination.cursor.path": "$.next",
    });
    expect(ids(await h.collect(4, 4))).toEqual([0, 0, 3]);
    expect(server.seen.map((s) => s.query.cursor ?? "1")).toEqual(["1", "2", "3"]);
    expect(h.logs.filter((l) => l.includes("WARN"))).toEqual([]);
  });

  test("CURSOR: an API that answers the same cursor again ends the poll on the same-cursor check", async () => {
    using server = api(() => Response.json({ data: [{ id: 1 }], next: "c1" }));
    const h = await startTask({
      "http.url": `${server.base}/events`,
      "http.response.records.path": "$.data[*]",
      "http.pagination.type": "CURSOR",
      "http.pagination.cursor.path": "$.next",
    });
    expect(ids(await h.collect(10, 3))).toEqual([1, 1]);
    expect(server.seen.map((s) => s.query.cursor ?? "")).toEqual(["", "c1"]);
    expect(h.logs.filter((l) => l.includes("Pagination does not advance"))).toHaveLength(1);
  });

  test("http.pagination.max.pages ends a poll of endless distinct pages with a warning", async () => {
    using server = api((_req, url) => {
      const page = Number(url.searchParams.get("page") ?? "1");
      return Response.json([{ id: page }], { headers: { link: `</events?page=${page + 1}>; rel="next"` } });
    });
    const h = await startTask({
      "http.url": `${server.base}/events`,
      "http.response.records.path": "$[*]",
      "http.pagination.type": "LINK_HEADER",
      "http.pagination.max.pages": "3",
    });
    const records = await h.collect(100, 3);
    expect(ids(records)).toEqual([1, 2, 3]);
    expect(server.seen.length).toBe(3);
    expect(
      h.logs.filter((l) =>
        l.includes(
          "Pagination reached http.pagination.max.pages (3): the poll ends here; the records on the pages past it are not read in this poll",
        ),
      ),
    ).toHaveLength(1);
    // The poll's last record carries its final offset.
    expect(records.at(-1)!.sourceOffset).toEqual({ offset: "", offset_mode: "NONE", poll_time: expect.any(Number) });
  });

  test("http.pagination.max.pages defaults to 10000 and must be positive", () => {
    const base = { "http.url": "http://127.0.0.1/e", "kafka.topic": "t" };
    expect(httpSourceConfig.parse(base)["http.pagination.max.pages"]).toBe(10000);
    expect(() => httpSourceConfig.parse({ ...base, "http.pagination.max.pages": "0" })).toThrow();
  });
});

describe("OFFSET pagination of a newest-first API into which records arrive between two pages", () => {
  test("exactly a page of new records shifts the next page onto the one just read: the poll reads on, no record lost", async () => {
    // Newest first: position 0 is the newest event. Events 0..29 exist; after the first page is
    // read, events 30..39 arrive, so the page at position 10 is the first page again.
    let newest = 29;
    const event = (id: number) => ({ id, at: new Date(Date.UTC(2026, 0, 1, 0, 0, id)).toISOString() });
    using server = api((_req, url) => {
      const offset = Number(url.searchParams.get("offset"));
      const limit = Number(url.searchParams.get("limit"));
      const page = Array.from({ length: limit }, (_, i) => newest - offset - i)
        .filter((id) => id >= 0)
        .map(event);
      if (offset === 0 && newest === 29) newest = 39;
      return Response.json(page);
    });
    const h = await startTask({
      "http.url": `${server.base}/events`,
      "http.response.records.path": "$[*]",
      "http.pagination.type": "OFFSET",
      "http.pagination.limit.value": "10",
      "http.offset.mode": "TIMESTAMP",
      "http.offset.field": "at",
      "http.initial.offset": "2025-01-01T00:00:00Z",
    });
    const first = ids(await h.collect(100, 3));
    expect(server.seen.map((s) => s.query.offset)).toEqual(["0", "10", "20", "30", "40"]);
    expect(first.toSorted((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    // The next poll delivers the events that arrived, and nothing older is missing.
    const second = ids(await h.collect(10, 100));
    expect(second).toEqual([39, 38, 37, 36, 35, 34, 33, 32, 31, 30]);
    expect(h.logs.filter((l) => l.includes("WARN"))).toEqual([]);
  });
});

describe("trimTrail (a poll held past http.pagination.max.pages for many polls)", () => {
  test("keeps the last max URLs read, in order", () => {
    const trail = newTrail();
    for (const url of ["/1", "/2", "/3", "/4"]) trail.visited.add(url);
    trimTrail(trail, 2);
    expect([...trail.visited]).toEqual(["/3", "/4"]);
    trimTrail(trail, 5);
    expect([...trail.visited]).toEqual(["/3", "/4"]);
  });
});
