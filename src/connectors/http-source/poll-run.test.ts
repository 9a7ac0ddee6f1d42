import { describe, expect, test } from "bun:test";
import { materialized } from "../../api/data/json-text.ts";
import { api, startTask } from "./test-support.ts";

const ids = (records: readonly { value: unknown }[]) =>
  records.map((r) => (materialized(r.value) as { id: number }).id);

describe("HttpSourceTask after a failed page with behavior.on.error=log|ignore (review P3.10)", () => {
  test.each(["log", "ignore"])(
    "%s: the next scheduled poll resumes at the failed page; earlier pages are not delivered again",
    async (behavior) => {
      let failures = 1;
      using server = api((_req, url) => {
        if (url.searchParams.get("page") === "2") {
          if (failures-- > 0) return new Response("boom", { status: 400 });
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
      expect(records.at(-1)!.sourceOffset).toEqual({
        offset: "2024-01-03T00:00:00Z",
        offset_seen: [expect.any(String)],
        poll_time: started + 60000,
      });
      expect(h.logs.some((l) => l.includes("HTTP 400") && l.includes("resumes at this page"))).toBe(behavior === "log");
    },
  );

  test("an unreadable page and a status outside http.response.error.codes are resumed the same way", async () => {
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
    expect(ids(await h.collect(3, 250))).toEqual([0, 1, 2]);
    expect(server.seen.slice(0, 4).map((s) => s.query.offset)).toEqual(["0", "2", "2", "2"]);
  });
});
