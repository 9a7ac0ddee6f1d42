import { describe, expect, test } from "bun:test";
import { epochNanos } from "./instant.ts";
import { api, commit, FastForwardClock, recordIds as ids, startTask } from "./test-support.ts";
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
  /** Events 0..count-1, newest first, 5 a page by LINK_HEADER; `instant(id)` is event id's timestamp. */
  const newestFirst = (count: () => number, instant = at) =>
    api((_req, url) => {
      const n = Number(url.searchParams.get("page") ?? "1");
      const page = [0, 1, 2, 3, 4].map((i) => count() - 1 - 5 * (n - 1) - i).filter((id) => id >= 0);
      const link = 5 * n < count() ? { link: `</events?page=${n + 1}>; rel="next"` } : undefined;
      return Response.json(
        page.map((id) => ({ id, at: instant(id) })),
        link ? { headers: link } : {},
      );
    });
  /** A LINK_HEADER API that answers its 5 newest of events 0..count-1 whatever the page asked for (and links a next one). */
  const ignoringPage = (count: () => number) =>
    api((_req, url) => {
      const n = Number(url.searchParams.get("page") ?? "1");
      const events = [0, 1, 2, 3, 4].map((i) => count() - 1 - i).map((id) => ({ id, at: at(id) }));
      return Response.json(events, { headers: { link: `</events?page=${n + 1}>; rel="next"` } });
    });
  const cursorConfig = (base: string) => ({
    ...config(base),
    "http.response.records.path": "$.data[*]",
    "http.pagination.type": "CURSOR",
    "http.pagination.cursor.path": "$.next",
  });
  /** Events 19..0, newest first, 5 a page by cursor `c<position>`. */
  const cursorPages = () =>
    api((_req, url) => {
      const c = url.searchParams.get("cursor");
      const from = c === null ? 0 : Number(c.slice(1));
      const events = [0, 1, 2, 3, 4].map((i) => 19 - from - i).filter((id) => id >= 0);
      return Response.json({
        data: events.map((id) => ({ id, at: at(id) })),
        next: from + 5 < 20 ? `c${from + 5}` : null,
      });
    });
  const config = (base: string) => ({
    "http.url": `${base}/events`,
    "http.response.records.path": "$[*]",
    "http.pagination.type": "LINK_HEADER",
    "http.pagination.max.pages": "2",
    "http.offset.mode": "TIMESTAMP",
    "http.offset.field": "at",
    "http.initial.offset": T0,
    "http.timer.interval.ms": "60000",
  });
  const offsetConfig = (base: string) => ({
    ...config(base),
    "http.pagination.type": "OFFSET",
    "http.pagination.limit.value": "5",
  });

  test("the next poll reads on from the next page; the offset moves to the newest once the gap is read", async () => {
    let count = 20;
    using server = newestFirst(() => count);
    const h = await startTask(config(server.base));
    const first = await h.collect(10, 1);
    expect(ids(first)).toEqual([19, 18, 17, 16, 15, 14, 13, 12, 11, 10]);
    // Held: the floor stays, the newest delivered is next_offset, the page after the cap is resumed,
    // the oldest delivered is gap_oldest.
    expect(first.at(-1)!.sourceOffset).toEqual({
      offset: T0,
      offset_mode: "TIMESTAMP",
      poll_time: expect.any(Number),
      next_offset: at(19),
      page_link: "?page=3",
      skip: 0,
      page_offset: T0,
      gap_oldest: at(10),
    });
    expect(
      h.logs.filter((l) => l.includes("the next poll at") && l.includes("reads on from the next page")),
    ).toHaveLength(1);
    // Held: the INFO alone, not the cap's WARN that the poll ends there.
    expect(h.logs.filter((l) => l.includes("Pagination reached http.pagination.max.pages"))).toEqual([]);
    // The second poll reads two pages more, still after the floor: held again; the third ends at the empty page.
    const rest = await h.collect(10, 100);
    expect(ids(rest)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(await h.collect(1, 100)).toEqual([]);
    expect(server.seen.map((s) => s.query.page)).toEqual([undefined, "2", "3", "4", undefined, "2"]);
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
    expect(server.seen[6]!.query.page).toBeUndefined();
  });

  test("a restart resumes the gap from the offset of the last record delivered", async () => {
    using server = newestFirst(() => 20);
    const before = await startTask(config(server.base));
    const first = await before.collect(10, 1);
    commit(before, first);
    before.task.stop();
    const after = await startTask(config(server.base), { offsets: before.offsets });
    expect(ids(await after.collect(10, 100))).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(server.seen.slice(2).map((s) => s.query.page)).toEqual(["3", "4"]);
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
    expect(first.at(-1)!.sourceOffset).toMatchObject({
      offset: T0,
      next_offset: at(8),
      page_link: "?page=2",
      skip: 0,
      gap_oldest: at(6),
    });
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
    const h = await startTask({ ...offsetConfig(server.base), "http.url": `${server.base}/events?since=\${offset}` });
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

  /** A poll's records at `second`s of `at` counted from 2026-01-01, past a minute too. */
  const late = (second: number) => new Date(Date.UTC(2026, 0, 1) + second * 1000).toISOString();
  /** Enough empty polls for a few scheduled polls (each waits ~1 s of the 60 s interval). */
  const intervals = (n: number) => 61 * n;

  test("OFFSET pagination is never held (its positions shift with every arrival): under a steady inflow each poll ends at the cap, as without holds", async () => {
    const clock = new FastForwardClock(Date.UTC(2026, 0, 1));
    const start = clock.current;
    // 10 new events per interval, a poll reads 2 pages of 5: a page held an interval later would be the one just read.
    const count = () => 20 + 10 * Math.floor((clock.current - start) / 60000);
    using server = api((_req, url) => {
      const offset = Number(url.searchParams.get("offset"));
      const page = Array.from({ length: 5 }, (_, i) => count() - 1 - offset - i).filter((id) => id >= 0);
      return Response.json(page.map((id) => ({ id, at: late(id) })));
    });
    const h = await startTask(offsetConfig(server.base), { clock });
    const got = await h.collect(60, intervals(7));
    // Each poll delivers the 10 newest, all arrived since the one before: only the first poll's older 20 - 10 are missed.
    const polls = Array.from({ length: 6 }, (_, k) => Array.from({ length: 10 }, (_, i) => 19 + 10 * k - i));
    expect(ids(got)).toEqual(polls.flat());
    expect(got.filter((r) => "gap_oldest" in r.sourceOffset!)).toEqual([]);
    expect(got.at(-1)!.sourceOffset).toEqual({
      offset: late(69),
      offset_mode: "TIMESTAMP",
      poll_time: expect.any(Number),
    });
    expect(h.logs.filter((l) => l.includes("reads on from the next page"))).toEqual([]);
    const capWarnings = h.logs.filter(
      (l) => l.includes("WARN") && l.includes("Pagination reached http.pagination.max.pages"),
    );
    expect(capWarnings).toHaveLength(6);
    // Not held: the records past the cap are never read, as the warning says.
    for (const line of capWarnings) expect(line).toContain("and, with a TIMESTAMP offset, may never be");
    expect(server.seen.map((s) => s.query.offset)).toEqual(polls.flatMap(() => ["0", "5"]));
  });

  test("a held page with records newer than the oldest delivered (an API ignoring the page asked for): the hold ends, the same poll starts from the first page, no poll is held again", async () => {
    let count = 20;
    using server = ignoringPage(() => count);
    const h = await startTask(config(server.base));
    // Both pages of the first poll carry the same records (no content comparison under LINK_HEADER).
    expect(ids(await h.collect(10, 1))).toEqual([19, 18, 17, 16, 15, 19, 18, 17, 16, 15]);
    expect(server.seen.map((s) => s.query.page ?? "1")).toEqual(["1", "2"]);
    // 20 and 21 arrive while the poll is held; the held page shows them and 19..16, all newer than
    // 15: the hold ends at the newest delivered, 19, and the same poll asks the first page again.
    count = 22;
    // Both pages of the poll from the first page carry 21 and 20 again (the API's pages, as before).
    const more = await h.collect(4, intervals(1));
    expect(ids(more)).toEqual([21, 20, 21, 20]);
    expect(server.seen.map((s) => s.query.page ?? "1")).toEqual(["1", "2", "3", "1", "2"]);
    expect(more.at(-1)!.sourceOffset).toEqual({
      offset: at(21),
      offset_mode: "TIMESTAMP",
      poll_time: expect.any(Number),
    });
    const shifted = h.logs.filter((l) => l.includes("the API's pages shift with new records"));
    expect(shifted).toHaveLength(1);
    expect(shifted[0]).toContain(`newer than ${JSON.stringify(at(15))}`);
    expect(shifted[0]).toContain("WARN");
    // Later polls end at the cap as without holds.
    count = 24;
    expect(ids(await h.collect(4, intervals(1)))).toEqual([23, 22, 23, 22]);
    expect(server.seen.map((s) => s.query.page ?? "1").slice(5)).toEqual(["1", "2"]);
    expect(h.logs.filter((l) => l.includes("the API's pages shift"))).toHaveLength(1);
    expect(h.logs.filter((l) => l.includes("reads on from the next page"))).toHaveLength(1);
  });

  test("LINK_HEADER ?page=N under a steady inflow (GitHub's events): each interval's newest delivered, as without holds", async () => {
    const clock = new FastForwardClock(Date.UTC(2026, 0, 1));
    const start = clock.current;
    // 10 new events per interval, a poll reads 2 pages of 5: the held page an interval later is the one just read.
    const count = () => 40 + 10 * Math.floor((clock.current - start) / 60000);
    using server = newestFirst(count, late);
    const h = await startTask(config(server.base), { clock });
    const got = await h.collect(70, intervals(7));
    // The first poll delivers 39..30 and is held; the held page (the first poll's 2nd, shifted) holds
    // 39..35: the hold ends, the same poll reads 49..40 from the first page, and so on, nothing missed.
    const polls = Array.from({ length: 7 }, (_, k) => Array.from({ length: 10 }, (_, i) => 39 + 10 * k - i));
    expect(ids(got)).toEqual(polls.flat());
    expect(h.logs.filter((l) => l.includes("the API's pages shift with new records"))).toHaveLength(1);
  });

  /** Events 0..count-1 newest first, 5 a page by a cursor naming a position (shifts with arrivals) or the page's newest record. */
  const cursorInflow = (count: () => number, names: "position" | "record") =>
    api((_req, url) => {
      const c = url.searchParams.get("cursor");
      const top = c === null ? count() - 1 : names === "record" ? Number(c) : count() - 1 - Number(c);
      const events = [0, 1, 2, 3, 4].map((i) => top - i).filter((id) => id >= 0);
      const next = top - 5 < 0 ? null : names === "record" ? String(top - 5) : String(count() - top + 4);
      return Response.json({ data: events.map((id) => ({ id, at: late(id) })), next });
    });
  test.each([
    ["?page=N links", 10, 2, 30, "page"],
    ["?page=N links", 14, 3, 25, "page"],
    ["position cursors", 10, 2, 30, "position"],
    ["position cursors", 14, 3, 25, "position"],
    ["cursors naming a record", 10, 2, 0, "record"],
    ["cursors naming a record", 14, 2, 0, "record"],
  ] as const)(
    "%s, 40 events then %i new per interval, max.pages %i: only the first poll's %i oldest missed",
    async (_, per, maxPages, missed, names) => {
      const clock = new FastForwardClock(Date.UTC(2026, 0, 1));
      const start = clock.current;
      let frozen: number | undefined;
      const count = () => frozen ?? 40 + per * Math.floor((clock.current - start) / 60000);
      using server = names === "page" ? newestFirst(count, late) : cursorInflow(count, names);
      const h = await startTask(
        {
          ...(names === "page" ? config(server.base) : cursorConfig(server.base)),
          "http.pagination.max.pages": `${maxPages}`,
        },
        { clock },
      );
      const got = await h.collect(Number.MAX_SAFE_INTEGER, intervals(12));
      frozen = count();
      got.push(...(await h.collect(Number.MAX_SAFE_INTEGER, intervals(12))));
      const delivered = new Set(ids(got));
      const missing = Array.from({ length: frozen }, (_, id) => id).filter((id) => !delivered.has(id));
      expect(missing).toEqual(Array.from({ length: missed }, (_, id) => id));
    },
  );

  test("two records at one instant split across the cap: both delivered", async () => {
    // Newest first, pages of 5: event 14 has event 15's timestamp and opens the page past the cap.
    const instant = (id: number) => at(id === 14 ? 15 : id);
    using server = newestFirst(() => 20, instant);
    const h = await startTask({ ...config(server.base), "http.pagination.max.pages": "1" });
    const first = await h.collect(5, 1);
    expect(first.at(-1)!.sourceOffset).toMatchObject({ gap_oldest: at(15) });
    expect(ids(await h.collect(15, intervals(4)))).toEqual(Array.from({ length: 15 }, (_, i) => 14 - i));
  });

  test("held pages all at the instant of the oldest delivered: delivered again, no progress, the hold ends", async () => {
    // Page 1 holds events 19..15; every later page (the API never ends) five more events at 15's instant.
    using server = api((_req, url) => {
      const n = Number(url.searchParams.get("page") ?? "1");
      const events = [0, 1, 2, 3, 4].map((i) =>
        n === 1 ? { id: 19 - i, at: at(19 - i) } : { id: 100 * n + i, at: at(15) },
      );
      return Response.json(events, { headers: { link: `</events?page=${n + 1}>; rel="next"` } });
    });
    const h = await startTask({ ...config(server.base), "http.pagination.type": "LINK_HEADER" });
    expect(ids(await h.collect(10, 1))).toEqual([19, 18, 17, 16, 15, 200, 201, 202, 203, 204]);
    expect(ids(await h.collect(10, intervals(1)))).toEqual([300, 301, 302, 303, 304, 400, 401, 402, 403, 404]);
    expect(await h.collect(1, intervals(1))).toEqual([]);
    expect(h.logs.filter((l) => l.includes("without a record older than"))).toHaveLength(1);
    expect(server.seen.map((s) => s.query.page)).toEqual([undefined, "2", "3", "4", undefined, "2"]);
  });

  test("CURSOR, one page per poll: every record once, the offset the newest at the end", async () => {
    using server = cursorPages();
    const h = await startTask({ ...cursorConfig(server.base), "http.pagination.max.pages": "1" });
    const got = await h.collect(20, intervals(5));
    expect(ids(got)).toEqual(Array.from({ length: 20 }, (_, i) => 19 - i));
    expect(got.at(-1)!.sourceOffset).toEqual({
      offset: at(19),
      offset_mode: "TIMESTAMP",
      poll_time: expect.any(Number),
    });
    expect(server.seen.map((s) => s.query.cursor)).toEqual([undefined, "c5", "c10", "c15"]);
  });

  test.each([
    [410, "fail"],
    [404, "fail"],
    [500, "fail"],
    [500, "log"],
    [403, "ignore"],
  ])(
    "a held cursor that expired (HTTP %p) ends the hold with behavior.on.error=%s, also after a restart: no task failure, new records delivered",
    async (status, behavior) => {
      // Cursors "<generation>-<position>": those of an earlier generation have expired.
      let generation = 1;
      let head = 19;
      using server = api((_req, url) => {
        const c = url.searchParams.get("cursor");
        const [issued, position] = c === null ? [generation, 0] : c.split("-").map(Number);
        if (issued !== generation) return Response.json({ error: "cursor expired" }, { status });
        const from = position!;
        const events = [0, 1, 2, 3, 4].map((i) => head - from - i).filter((id) => id >= 0);
        return Response.json({
          data: events.map((id) => ({ id, at: at(id) })),
          next: from + 5 <= head ? `${generation}-${from + 5}` : null,
        });
      });
      const settings = { ...cursorConfig(server.base), "behavior.on.error": behavior };
      const h = await startTask(settings);
      const first = await h.collect(10, 1);
      expect(first.at(-1)!.sourceOffset).toMatchObject({ page_cursor: "1-10", gap_oldest: at(10) });
      commit(h, first);
      h.task.commitRecords(first);
      generation = 2;
      const restarted = await startTask(settings, { offsets: h.offsets });
      for (const task of [h, restarted]) {
        expect(await task.collect(1, intervals(2))).toEqual([]);
        expect(
          task.logs.filter(
            (l) =>
              l.includes("WARN") &&
              l.includes(`HTTP ${status}`) &&
              l.includes("held past http.pagination.max.pages ends here"),
          ),
        ).toHaveLength(1);
        // The offset moved to the newest delivered: later polls start at the first page and fail no more.
        expect(task.task.updateOffsets()![0]!.offset).toEqual({
          offset: at(19),
          offset_mode: "TIMESTAMP",
          poll_time: expect.any(Number),
        });
      }
      // Each then polled from the first page with the new cursors.
      expect(server.seen.slice(2).map((s) => s.query.cursor)).toEqual(
        expect.arrayContaining(["1-10", undefined, "2-5"]),
      );
      head = 24;
      for (const task of [h, restarted]) expect(ids(await task.collect(5, intervals(2)))).toEqual([24, 23, 22, 21, 20]);
    },
  );

  test("a held page whose server is gone ends the hold with behavior.on.error=fail: no task failure", async () => {
    using server = cursorPages();
    const h = await startTask({ ...cursorConfig(server.base), "behavior.on.error": "fail" });
    const first = await h.collect(10, 1);
    expect(first.at(-1)!.sourceOffset).toMatchObject({ page_cursor: "c10", gap_oldest: at(10) });
    h.task.commitRecords(first);
    server.stop(true);
    // Polls until the held page failed (after its retries): the task did not fail there. The next
    // poll's first page failing too would fail it, as on any poll.
    const ended = () =>
      h.logs.filter((l) => l.includes("WARN") && l.includes("held past http.pagination.max.pages ends here"));
    for (let i = 0; ended().length === 0; i++) {
      expect(i).toBeLessThan(intervals(2));
      expect(await h.task.poll(new AbortController().signal)).toBeNull();
    }
    expect(ended()[0]).toContain("connection refused");
    expect(h.task.updateOffsets()![0]!.offset).toEqual({
      offset: at(19),
      offset_mode: "TIMESTAMP",
      poll_time: expect.any(Number),
    });
  });

  test("CURSOR, one page per poll, cursors looping back across held polls: the loop still ends the poll", async () => {
    using server = api((_req, url) => {
      const c = url.searchParams.get("cursor");
      const from = c === null ? 0 : c === "a" ? 5 : 10;
      const events = [0, 1, 2, 3, 4].map((i) => 19 - from - i).map((id) => ({ id, at: at(id) }));
      return Response.json({ data: events, next: c === null ? "a" : c === "a" ? "b" : "a" });
    });
    const h = await startTask({ ...cursorConfig(server.base), "http.pagination.max.pages": "1" });
    const got = await h.collect(15, intervals(4));
    expect(ids(got)).toEqual(Array.from({ length: 15 }, (_, i) => 19 - i));
    expect(await h.collect(1, intervals(2))).toEqual([]);
    expect(h.logs.filter((l) => l.includes("Pagination does not advance"))).toHaveLength(1);
    expect(server.seen.slice(0, 3).map((s) => s.query.cursor)).toEqual([undefined, "a", "b"]);
  });
});
