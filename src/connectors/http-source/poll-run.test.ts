import { describe, expect, test } from "bun:test";
import { api, FastForwardClock, recordIds as ids, linkPagedSince, startTask } from "./test-support.ts";

describe("HttpSourceTask after a failed page with behavior.on.error=log|ignore (review P3.10)", () => {
  test.each(["log", "ignore"])(
    "%s: after a 503 the next scheduled poll resumes at the failed page; earlier pages are not delivered again",
    async (behavior) => {
      let failures = 1;
      using server = api((_req, url) => {
        if (url.searchParams.get("page") === "2") {
          if (failures-- > 0) return new Response("boom", { status: 503 });
          return Response.json([{ id: 3, ts: "2024-01-03T00:00:00Z" }]);
        }
        return Response.json(
          [
            { id: 1, ts: "2024-01-01T00:00:00Z" },
            { id: 2, ts: "2024-01-02T00:00:00Z" },
          ],
          { headers: { link: `</e?page=2&since=${url.searchParams.get("since")}>; rel="next"` } },
        );
      });
      const h = await startTask({
        ...linkPagedSince(server.base),
        "behavior.on.error": behavior,
        "http.retry.max.attempts": "1",
      });
      const started = h.clock.now();
      const records = await h.collect(3, 150);
      expect(ids(records)).toEqual([1, 2, 3]);
      expect(await h.collect(1, 70)).toEqual([]);
      expect(server.seen.slice(0, 4).map((s) => [s.query.page ?? "1", s.query.since])).toEqual([
        ["1", "2023-12-31T00:00:00Z"],
        ["2", "2023-12-31T00:00:00Z"],
        ["2", "2023-12-31T00:00:00Z"],
        // The poll after the resumed one starts anew from the offset it reached.
        ["1", "2024-01-03T00:00:00Z"],
      ]);
      expect(records.at(-1)!.sourceOffset).toEqual({
        offset: "2024-01-03T00:00:00Z",
        offset_mode: "TIMESTAMP",
        poll_time: started + 60000,
      });
      expect(h.logs.some((l) => l.includes("HTTP 503") && l.includes("retries this page"))).toBe(behavior === "log");
    },
  );

  test("an unreadable page is retried; then a status outside the error codes ends the poll (mode NONE: the next delivers all again)", async () => {
    let n = 0;
    using server = api((_req, url) => {
      const offset = Number(url.searchParams.get("offset"));
      if (offset === 2) {
        n++;
        if (n === 1) return new Response("<html>", { status: 200 });
        if (n === 2) return new Response("gone", { status: 404 });
        return Response.json([{ id: 2 }]);
      }
      return Response.json([{ id: 0 }, { id: 1 }]);
    });
    const h = await startTask({
      "http.url": `${server.base}/e`,
      "http.response.records.path": "$[*]",
      "http.pagination.type": "OFFSET",
      "http.pagination.limit.value": "2",
      "http.response.error.codes": "500",
      "behavior.on.error": "ignore",
      "http.timer.interval.ms": "60000",
    });
    expect(ids(await h.collect(5, 250))).toEqual([0, 1, 0, 1, 2]);
    expect(server.seen.slice(0, 5).map((s) => s.query.offset)).toEqual(["0", "2", "2", "0", "2"]);
  });
});

describe("HttpSourceTask after a page that fails again (re-review P2-a, review P2: earlier pages re-sent)", () => {
  // A cursor API whose cursors expire: page 2 answers 503 once; by the next poll its cursor is
  // expired (400) until a new page 1 hands out a new one.
  function expiringCursors() {
    let generation = 0;
    let busy = true;
    return api((_req, url) => {
      const cursor = url.searchParams.get("cursor");
      if (cursor === null) {
        generation++;
        return Response.json({ data: [{ id: 1 }], next: `c${generation}` });
      }
      if (cursor !== `c${generation}`) return new Response("cursor expired", { status: 400 });
      if (busy) {
        busy = false;
        generation++;
        return new Response("busy", { status: 503 });
      }
      return Response.json({ data: [{ id: 2 }], next: null });
    });
  }
  const cursorConfig = (base: string, behavior: string) => ({
    "http.url": `${base}/events`,
    "http.response.records.path": "$.data[*]",
    "http.pagination.type": "CURSOR",
    "http.pagination.cursor.path": "$.next",
    "http.retry.max.attempts": "1",
    "behavior.on.error": behavior,
    "http.timer.interval.ms": "1000",
  });

  test("a retried page whose cursor expired (400) ends the poll; the next poll gets a new cursor", async () => {
    using server = expiringCursors();
    const h = await startTask(cursorConfig(server.base, "log"));
    // With http.offset.mode=NONE every poll delivers page 1 again, then page 2.
    expect(ids(await h.collect(3, 10))).toEqual([1, 1, 2]);
    expect(server.seen.map((s) => s.query.cursor ?? "-")).toEqual(["-", "c1", "c1", "-", "c3"]);
    const warnings = h.logs.filter((l) => l.includes("WARN"));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain("HTTP 503");
    expect(warnings[0]).toContain("retries this page");
    expect(warnings[1]).toContain("HTTP 400");
    expect(warnings[1]).toContain("the poll ends here, the next poll at");
  });

  // A 401 is retried instead: the credentials refused, not the page (page-retry.test.ts).
  test.each([400, 404, 410])("a %i ends the poll at once, without retrying the page", async (status) => {
    let failures = 1;
    using server = api((_req, url) => {
      if (url.searchParams.get("cursor") !== "c1") return Response.json({ data: [{ id: 1 }], next: "c1" });
      if (failures-- > 0) return new Response("no", { status });
      return Response.json({ data: [{ id: 2 }], next: null });
    });
    const h = await startTask(cursorConfig(server.base, "ignore"));
    expect(ids(await h.collect(3, 10))).toEqual([1, 1, 2]);
    expect(server.seen.map((s) => s.query.cursor ?? "-")).toEqual(["-", "c1", "-", "c1"]);
  });

  test("behavior.on.error=fail: a status outside http.response.error.codes ends the poll", async () => {
    let failures = 1;
    using server = api((_req, url) => {
      if (url.searchParams.get("cursor") !== "c1") return Response.json({ data: [{ id: 1 }], next: "c1" });
      if (failures-- > 0) return new Response("no", { status: 410 });
      return Response.json({ data: [{ id: 2 }], next: null });
    });
    const h = await startTask({ ...cursorConfig(server.base, "fail"), "http.response.error.codes": "500" });
    expect(ids(await h.collect(3, 10))).toEqual([1, 1, 2]);
    expect(server.seen.map((s) => s.query.cursor ?? "-")).toEqual(["-", "c1", "-", "c1"]);
    expect(
      h.logs.some(
        (l) =>
          l.includes("HTTP 410") && l.includes("starts from the offset it reached; the pages after it are not read"),
      ),
    ).toBe(true);
  });

  test("a lasting 503 (log): page 1 is delivered once and every scheduled poll retries page 2 until it answers", async () => {
    let failures = 5;
    using server = api((_req, url) => {
      if (url.searchParams.get("cursor") !== "c1") return Response.json({ data: [{ id: 1 }], next: "c1" });
      if (failures-- > 0) return new Response("busy", { status: 503 });
      return Response.json({ data: [{ id: 2 }], next: null });
    });
    const h = await startTask(cursorConfig(server.base, "log"));
    // Up to 30 empty polls (the interval is 1 s, a poll waits up to ~1 s) cover the five failed polls.
    const records = await h.collect(2, 30);
    expect(ids(records)).toEqual([1, 2]);
    expect(server.seen.map((s) => s.query.cursor ?? "-")).toEqual(["-", "c1", "c1", "c1", "c1", "c1", "c1"]);
    // One WARN for the five retried polls: the others within its minute are only counted (explore5 E4).
    const retries = h.logs.filter((l) => l.includes("HTTP 503") && l.includes("retries this page"));
    expect(retries).toHaveLength(1);
  });

  test.each(["log", "ignore"])(
    "a lasting 400 (%s): each poll ends at page 2 and the next starts from the offset reached, page 1 delivered once",
    async (behavior) => {
      using server = api((_req, url) => {
        if (url.searchParams.get("cursor") === "c1") return new Response("bad cursor", { status: 400 });
        // The API ignores `since`: the records' offsets keep page 1 from being delivered again.
        return Response.json({
          data: [
            { id: 1, ts: "2024-01-01T00:00:00Z" },
            { id: 2, ts: "2024-01-02T00:00:00Z" },
          ],
          next: "c1",
        });
      });
      const h = await startTask({
        ...cursorConfig(server.base, behavior),
        "http.url": `${server.base}/events?since=\${offset}`,
        "http.offset.mode": "TIMESTAMP",
        "http.offset.field": "ts",
        "http.initial.offset": "2023-12-31T00:00:00Z",
      });
      expect(ids(await h.collect(10, 12))).toEqual([1, 2]);
      const requests = server.seen.map((s) => `${s.query.cursor ?? "-"} ${s.query.since}`);
      expect(requests.slice(0, 6)).toEqual([
        "- 2023-12-31T00:00:00Z",
        "c1 2023-12-31T00:00:00Z",
        "- 2024-01-02T00:00:00Z",
        "c1 2024-01-02T00:00:00Z",
        "- 2024-01-02T00:00:00Z",
        "c1 2024-01-02T00:00:00Z",
      ]);
      expect(h.logs.some((l) => l.includes("HTTP 400") && l.includes("the poll ends here"))).toBe(behavior === "log");
    },
  );

  test.each([400, 503])(
    "behavior.on.error=fail: a %i on page 2 fails the task once page 1 is delivered",
    async (status) => {
      using server = api((_req, url) =>
        url.searchParams.get("cursor") === "c1"
          ? new Response("no", { status })
          : Response.json({ data: [{ id: 1 }], next: "c1" }),
      );
      const h = await startTask(cursorConfig(server.base, "fail"));
      const signal = new AbortController().signal;
      expect(ids((await h.task.poll(signal)) ?? [])).toEqual([1]);
      expect(await h.task.poll(signal).catch((e) => e.message)).toContain(`HTTP ${status}`);
    },
  );
});

describe("HttpSourceTask whose retries outlast http.timer.interval.ms (staticsub P3)", () => {
  test("the warning names the time the next poll really happens: now, not the past time it was due", async () => {
    using server = api(() => new Response("down", { status: 503 }));
    const h = await startTask({
      "http.url": `${server.base}/e`,
      "http.response.records.path": "$[*]",
      "http.timer.interval.ms": "1000",
      "http.retry.max.attempts": "2",
      "http.retry.backoff.ms": "5000",
      "behavior.on.error": "log",
    });
    const due = h.clock.now();
    expect(await h.task.poll(new AbortController().signal)).toBeNull();
    // The first poll, due at start, waited out one backoff between its attempts: the page is overdue.
    const retried = new Date(due + (h.clock.sleeps[0] ?? 0)).toISOString();
    const warning = h.logs.find((l) => l.includes("retries this page"));
    expect(warning).toContain(`the next poll at ${retried} retries this page`);
  });
});

describe("HttpSourceTask with a stored resume point it cannot use (review P3)", () => {
  const rows = [
    { ts: "2024-01-01T00:00:00Z", id: 1 },
    { ts: "2024-01-02T00:00:00Z", id: 2 },
    { ts: "2024-01-03T00:00:00Z", id: 3 },
  ];
  test.each([
    ["TIMESTAMP", "ts", "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z"],
    ["CURSOR", "id", 1, 2],
  ] as const)(
    "%s: the next poll starts from next_offset at the stored poll time",
    async (mode, field, offset, next) => {
      const clock = new FastForwardClock();
      const at: number[] = [];
      // An API that answers the records from `from` on (a TIMESTAMP API includes the instant itself).
      using server = api((_req, url) => {
        at.push(clock.now());
        const from = url.searchParams.get("from") ?? "";
        return Response.json(rows.filter((r) => (mode === "CURSOR" ? r.id > Number(from) : r.ts >= from)));
      });
      using other = api(() => Response.json([]));
      const pollTime = clock.now() - 10_000;
      const stored = { offset, poll_time: pollTime, next_offset: next, page_url: `${other.base}/e?page=2`, skip: 1 };
      const offsets = new Map([[JSON.stringify({ url: `${server.base}/e?from=\${offset}` }), stored]]);
      const config = {
        "http.url": `${server.base}/e?from=\${offset}`,
        "http.response.records.path": "$[*]",
        "http.offset.mode": mode,
        "http.offset.field": field,
        "http.timer.interval.ms": "60000",
        // The page of an earlier version's Link pagination (page_url), on another origin.
        "http.pagination.type": "LINK_HEADER",
      };
      const h = await startTask(config, { clock, offsets });
      const records = await h.collect(1, 70);
      expect(ids(records)).toEqual([3]);
      expect(other.seen).toEqual([]);
      expect(server.seen[0]!.query).toEqual({ from: String(next) });
      expect(at[0]).toBe(pollTime + 60_000);
      expect(
        h.logs.some((l) => l.includes("Not resuming the interrupted poll") && l.includes("after its records")),
      ).toBe(true);
    },
  );
});

describe("HttpSourceTask restarted mid-poll with another http.pagination.type", () => {
  // The stored page is of the pagination the poll ran with: an OFFSET position sent to a LINK_HEADER
  // API (or a cursor to an OFFSET one) would ask a page that does not exist, skipping records in it.
  test.each([
    ["OFFSET", "LINK_HEADER", { page_position: 2 }],
    ["OFFSET", "NONE", { page_position: 2 }],
    ["CURSOR", "OFFSET", { page_cursor: "c2" }],
    ["LINK_HEADER", "CURSOR", { page_link: "?page=2" }],
  ] as const)("a page stored by %s pagination is not resumed under %s", async (_was, now, page) => {
    using server = api(() => Response.json([{ id: 3 }]));
    const stored = { offset: "a", poll_time: Date.UTC(2026, 0, 1), next_offset: "b", ...page, skip: 1 };
    const offsets = new Map([[JSON.stringify({ url: `${server.base}/e?from=\${offset}` }), stored]]);
    const h = await startTask(
      {
        "http.url": `${server.base}/e?from=\${offset}`,
        "http.response.records.path": "$[*]",
        "http.offset.mode": "CURSOR",
        "http.offset.field": "id",
        "http.pagination.type": now,
        "http.pagination.limit.value": "2",
        "http.pagination.cursor.path": "$.next",
      },
      { offsets },
    );
    expect(ids(await h.collect(1, 70))).toEqual([3]);
    // The first page of a poll from the interrupted poll's start offset: its records are delivered again.
    const first: Record<string, string> = now === "OFFSET" ? { from: "a", offset: "0", limit: "2" } : { from: "a" };
    expect(server.seen[0]!.query).toEqual(first);
    expect(h.logs.some((l) => l.includes("Not resuming the interrupted poll") && l.includes(now))).toBe(true);
  });

  test("a newest-first TIMESTAMP API: the interrupted poll's unread older pages are read, not skipped past", async () => {
    // Page 1 (ids 4, 3) was delivered, next_offset its newest instant; ids 2 and 1 were on unread pages.
    const events = [4, 3, 2, 1].map((id) => ({ id, ts: `2024-01-0${id}T00:00:00Z` }));
    using server = api((_req, url) => {
      const newer = events.filter((e) => e.ts > (url.searchParams.get("since") ?? ""));
      if (url.searchParams.get("page") === "2") return Response.json(newer.slice(2));
      const link = newer.length > 2 ? `</e?page=2&since=${url.searchParams.get("since")}>; rel="next"` : "";
      return Response.json(newer.slice(0, 2), { headers: link ? { link } : {} });
    });
    const start = "2023-12-31T00:00:00Z";
    const stored = {
      offset: start,
      poll_time: Date.UTC(2026, 0, 1),
      next_offset: events[0]!.ts,
      page_position: 2,
      skip: 0,
    };
    const offsets = new Map([[JSON.stringify({ url: `${server.base}/e?since=\${offset}` }), stored]]);
    const h = await startTask(
      {
        "http.url": `${server.base}/e?since=\${offset}`,
        "http.response.records.path": "$[*]",
        "http.offset.mode": "TIMESTAMP",
        "http.offset.field": "ts",
        "http.pagination.type": "LINK_HEADER",
      },
      { offsets },
    );
    // At least once: ids 4 and 3 again, and 2 and 1, which next_offset would have skipped.
    expect(ids(await h.collect(4, 70))).toEqual([4, 3, 2, 1]);
    expect(server.seen[0]!.query).toEqual({ since: start });
  });
});

describe("HttpSourceTask when the API is unreachable through the retries (sourcehunt P2)", () => {
  // An edge device's link drops for a while: the API's port refuses connections, then answers.
  function downThenUp() {
    const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
    const port = probe.port!;
    probe.stop(true);
    let server: ReturnType<typeof Bun.serve> | undefined;
    return {
      url: `http://127.0.0.1:${port}/e`,
      up: () => {
        server = Bun.serve({ port, hostname: "127.0.0.1", fetch: () => Response.json([{ id: 1 }, { id: 2 }]) });
      },
      [Symbol.dispose]: () => server?.stop(true),
    };
  }
  const config = (url: string, behavior: string) => ({
    "http.url": url,
    "http.response.records.path": "$[*]",
    "http.timer.interval.ms": "60000",
    "http.retry.max.attempts": "2",
    "http.retry.backoff.ms": "10",
    "behavior.on.error": behavior,
  });

  test.each(["log", "ignore"])(
    "%s: the task keeps running and the next scheduled poll fetches the page once the API is back",
    async (behavior) => {
      using api = downThenUp();
      const h = await startTask(config(api.url, behavior));
      const signal = new AbortController().signal;
      expect(await h.task.poll(signal)).toBeNull();
      api.up();
      expect(ids(await h.collect(2, 70))).toEqual([1, 2]);
      const warned = h.logs.some((l) => l.includes("failed after 2 attempts") && l.includes("retries this page"));
      expect(warned).toBe(behavior === "log");
    },
  );

  test("fail: the task fails, as before", async () => {
    using api = downThenUp();
    const h = await startTask(config(api.url, "fail"));
    const error = await h.task.poll(new AbortController().signal).catch((e) => e);
    expect(error.message).toContain("failed after 2 attempts: connection refused");
  });
});
