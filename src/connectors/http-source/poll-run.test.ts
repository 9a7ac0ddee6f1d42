import { describe, expect, test } from "bun:test";
import { materialized } from "../../api/data/json-text.ts";
import { api, startTask } from "./test-support.ts";

const ids = (records: readonly { value: unknown }[]) =>
  records.map((r) => (materialized(r.value) as { id: number }).id);

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
        "http.url": `${server.base}/e?since=\${offset}`,
        "http.response.records.path": "$[*]",
        "http.pagination.type": "LINK_HEADER",
        "http.offset.mode": "TIMESTAMP",
        "http.offset.field": "ts",
        "http.initial.offset": "2023-12-31T00:00:00Z",
        "http.timer.interval.ms": "60000",
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
      expect(records.at(-1)!.sourceOffset).toEqual({ offset: "2024-01-03T00:00:00Z", poll_time: started + 60000 });
      expect(h.logs.some((l) => l.includes("HTTP 503") && l.includes("resumes at this page"))).toBe(behavior === "log");
    },
  );

  test("an unreadable page is resumed once; failing again (a status outside the error codes) the poll starts anew", async () => {
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

describe("HttpSourceTask never asks for the same failed page forever (re-review P2-a)", () => {
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

  test("a resumed page that fails again (its cursor expired) makes the next poll start anew from the offset", async () => {
    using server = expiringCursors();
    const h = await startTask(cursorConfig(server.base, "log"));
    // Page 1 is delivered again by the poll that starts anew (documented duplicates), then page 2.
    expect(ids(await h.collect(3, 10))).toEqual([1, 1, 2]);
    expect(server.seen.map((s) => s.query.cursor ?? "-")).toEqual(["-", "c1", "c1", "-", "c3"]);
    const warnings = h.logs.filter((l) => l.includes("WARN"));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain("HTTP 503");
    expect(warnings[0]).toContain("resumes at this page");
    expect(warnings[1]).toContain("HTTP 400");
    expect(warnings[1]).toContain("starts anew from the stored offset");
  });

  test.each([400, 401, 404, 410])(
    "a %i starts the next poll anew at once, without resuming the page",
    async (status) => {
      let failures = 1;
      using server = api((_req, url) => {
        if (url.searchParams.get("cursor") !== "c1") return Response.json({ data: [{ id: 1 }], next: "c1" });
        if (failures-- > 0) return new Response("no", { status });
        return Response.json({ data: [{ id: 2 }], next: null });
      });
      const h = await startTask(cursorConfig(server.base, "ignore"));
      expect(ids(await h.collect(3, 10))).toEqual([1, 1, 2]);
      expect(server.seen.map((s) => s.query.cursor ?? "-")).toEqual(["-", "c1", "-", "c1"]);
    },
  );

  test("behavior.on.error=fail: a status outside http.response.error.codes starts the next poll anew", async () => {
    let failures = 1;
    using server = api((_req, url) => {
      if (url.searchParams.get("cursor") !== "c1") return Response.json({ data: [{ id: 1 }], next: "c1" });
      if (failures-- > 0) return new Response("no", { status: 410 });
      return Response.json({ data: [{ id: 2 }], next: null });
    });
    const h = await startTask({ ...cursorConfig(server.base, "fail"), "http.response.error.codes": "500" });
    expect(ids(await h.collect(3, 10))).toEqual([1, 1, 2]);
    expect(server.seen.map((s) => s.query.cursor ?? "-")).toEqual(["-", "c1", "-", "c1"]);
    expect(h.logs.some((l) => l.includes("HTTP 410") && l.includes("starts anew from the stored offset"))).toBe(true);
  });
});
