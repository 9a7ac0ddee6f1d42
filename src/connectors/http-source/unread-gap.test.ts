import { describe, expect, test } from "bun:test";
import { epochNanos } from "./instant.ts";
import { api, commit, recordIds as ids, startTask } from "./test-support.ts";
import { leavesUnreadGap } from "./unread-gap.ts";

const at = (second: number) => `2026-01-01T00:00:${String(second).padStart(2, "0")}Z`;
/** A page's instants in Kafka order, of records at these seconds (null: no timestamp). */
const page = (seconds: (number | null)[], reversed = false) => ({
  instants: seconds.map((s) => (s === null ? null : epochNanos(at(s)))),
  ...(reversed ? { reversed: true as const } : {}),
});

describe("leavesUnreadGap", () => {
  test.each([
    ["a page older than the newest delivered, after the floor", at(10), at(40), page([30, 29, 28]), true],
    [
      "a page listed newest first (reversed for Kafka), on the poll's first page",
      at(10),
      at(10),
      page([28, 29, 30], true),
      true,
    ],
    ["a page listed newest first, not reversed", at(10), at(10), page([30, 29, 28]), true],
    ["no floor: every record is after it", null, at(40), page([30, 29]), true],
    ["a page that reaches the floor", at(10), at(40), page([12, 11, 10]), false],
    ["a page past the floor", at(10), at(40), page([12, 9]), false],
    ["oldest first: newer than the newest delivered", at(10), at(20), page([21, 22, 23]), false],
    ["oldest first, reversed as listed", at(10), at(20), page([23, 22, 21], true), false],
    ["records without timestamps only", at(10), at(40), page([null, null]), false],
    ["a page without instants (not TIMESTAMP)", at(10), at(40), {}, false],
  ])("%s: %p", (_, floor, before, content, expected) => {
    expect(leavesUnreadGap(floor, before, content)).toBe(expected);
  });
});

describe("HttpSourceTask: http.pagination.max.pages before a newest-first API's pages reach the offset", () => {
  const T0 = "2025-01-01T00:00:00Z";
  /** Events 0..count-1, newest first, paged by OFFSET; `at(id)` is event id's timestamp. */
  const newestFirst = (count: () => number) =>
    api((_req, url) => {
      const offset = Number(url.searchParams.get("offset"));
      const limit = Number(url.searchParams.get("limit"));
      const page = Array.from({ length: limit }, (_, i) => count() - 1 - offset - i).filter((id) => id >= 0);
      return Response.json(page.map((id) => ({ id, at: at(id) })));
    });
  const config = (base: string) => ({
    "http.url": `${base}/events`,
    "http.response.records.path": "$[*]",
    "http.pagination.type": "OFFSET",
    "http.pagination.limit.value": "5",
    "http.pagination.max.pages": "2",
    "http.offset.mode": "TIMESTAMP",
    "http.offset.field": "at",
    "http.initial.offset": T0,
    "http.timer.interval.ms": "60000",
  });

  test("the next poll reads on from the next page; the offset moves to the newest once the gap is read", async () => {
    let count = 20;
    using server = newestFirst(() => count);
    const h = await startTask(config(server.base));
    const first = await h.collect(10, 1);
    expect(ids(first)).toEqual([19, 18, 17, 16, 15, 14, 13, 12, 11, 10]);
    // Held: the floor stays, the newest delivered is next_offset, the page after the cap is resumed.
    expect(first.at(-1)!.sourceOffset).toEqual({
      offset: T0,
      offset_mode: "TIMESTAMP",
      poll_time: expect.any(Number),
      next_offset: at(19),
      page_position: 5,
      skip: 5,
      page_offset: T0,
    });
    expect(
      h.logs.filter((l) => l.includes("the next poll at") && l.includes("reads on from the next page")),
    ).toHaveLength(1);
    // The second poll reads two pages more, still after the floor: held again; the third ends at the empty page.
    const rest = await h.collect(10, 100);
    expect(ids(rest)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(await h.collect(1, 100)).toEqual([]);
    expect(server.seen.map((s) => s.query.offset)).toEqual(["0", "5", "10", "15", "20"]);
    // The gap read, the offset is the newest: the next poll starts at the first page from it.
    expect(h.task.updateOffsets()).toBeNull();
    h.task.commitRecords(rest);
    expect(h.task.updateOffsets()).toEqual([
      {
        partition: rest[0]!.sourcePartition!,
        offset: { offset: at(19), offset_mode: "TIMESTAMP", poll_time: expect.any(Number) },
      },
    ]);
    count = 23;
    expect(ids(await h.collect(3, 100))).toEqual([22, 21, 20]);
    expect(server.seen[5]!.query.offset).toBe("0");
  });

  test("a restart resumes the gap from the offset of the last record delivered", async () => {
    using server = newestFirst(() => 20);
    const before = await startTask(config(server.base));
    const first = await before.collect(10, 1);
    commit(before, first);
    before.task.stop();
    const after = await startTask(config(server.base), { offsets: before.offsets });
    expect(ids(await after.collect(10, 100))).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(server.seen.slice(2).map((s) => s.query.offset)).toEqual(["5", "10", "15"]);
  });

  test("LINK_HEADER, one page per poll, each listed newest first (reversed for Kafka): every record, the offset the newest at the end", async () => {
    // Pages of 3 events, newest first: page 1 holds 8, 7, 6; page 3 holds 2, 1, 0 and no next link.
    using server = api((_req, url) => {
      const n = Number(url.searchParams.get("page") ?? "1");
      const events = [0, 1, 2].map((i) => 8 - 3 * (n - 1) - i).map((id) => ({ id, at: at(id) }));
      const link = n < 3 ? { link: `</events?page=${n + 1}>; rel="next"` } : undefined;
      return Response.json(events, link ? { headers: link } : {});
    });
    const h = await startTask({
      ...config(server.base),
      "http.pagination.type": "LINK_HEADER",
      "http.pagination.max.pages": "1",
      "http.response.record.timestamp.pointer": "/at",
    });
    const first = await h.collect(3, 1);
    expect(ids(first)).toEqual([6, 7, 8]);
    expect(first.at(-1)!.sourceOffset).toMatchObject({ offset: T0, next_offset: at(8), skip: 3 });
    const rest = await h.collect(6, 200);
    expect(ids(rest)).toEqual([3, 4, 5, 0, 1, 2]);
    expect(rest.at(-1)!.sourceOffset).toEqual({
      offset: at(8),
      offset_mode: "TIMESTAMP",
      poll_time: expect.any(Number),
    });
    expect(server.seen.map((s) => s.query.page)).toEqual([undefined, "2", "3"]);
  });

  test("an oldest-first API: the poll ends at the cap as before, the next one starts at the first page", async () => {
    using server = api((_req, url) => {
      const offset = Number(url.searchParams.get("offset"));
      const since = Date.parse(url.searchParams.get("since")!);
      const all = Array.from({ length: 20 }, (_, id) => id).filter((id) => Date.parse(at(id)) > since);
      return Response.json(all.slice(offset, offset + 5).map((id) => ({ id, at: at(id) })));
    });
    const h = await startTask({ ...config(server.base), "http.url": `${server.base}/events?since=\${offset}` });
    const first = await h.collect(10, 1);
    expect(ids(first)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(first.at(-1)!.sourceOffset).toEqual({
      offset: at(9),
      offset_mode: "TIMESTAMP",
      poll_time: expect.any(Number),
    });
    expect(ids(await h.collect(10, 100))).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(server.seen.map((s) => [s.query.offset, s.query.since])).toEqual([
      ["0", T0],
      ["5", T0],
      ["0", at(9)],
      ["5", at(9)],
    ]);
    expect(h.logs.filter((l) => l.includes("reads on from the next page"))).toEqual([]);
  });
});
