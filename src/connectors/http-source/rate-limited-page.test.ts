import { describe, expect, test } from "bun:test";
import { materialized } from "../../api/data/json-text.ts";
import type { SourceRecord } from "../../api/record.ts";
import { api, FastForwardClock, startTask } from "./test-support.ts";

const ids = (records: SourceRecord[]) => records.map((r) => (materialized(r.value) as { id: number }).id);

describe("HttpSourceTask after a 403 that says the rate limit is spent (review31 P1)", () => {
  // GitHub answers a spent primary rate limit with 403 and X-RateLimit-Remaining: 0, a secondary one
  // with 403 and Retry-After. The document's complete example: its newest-first events API, Link
  // pages, a TIMESTAMP offset, errors.tolerance=all. Ending the poll at such a 403 moved the offset
  // past page 2, whose older records were then never read.
  const limits = {
    remaining: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1" },
    "retry-after": { "retry-after": "1" },
  };
  test.each(Object.keys(limits) as (keyof typeof limits)[])(
    "a 403 with %s on page 2 is retried by the next poll: its older records are not lost",
    async (kind) => {
      let failures = 1;
      const events = [4, 3, 2, 1].map((id) => ({ id, ts: `2024-01-0${id}T00:00:00Z` }));
      using server = api((_req, url) => {
        const since = url.searchParams.get("since") ?? "";
        const newer = events.filter((e) => e.ts > since);
        if (url.searchParams.get("page") === "2") {
          if (failures-- > 0) return new Response("API rate limit exceeded", { status: 403, headers: limits[kind] });
          return Response.json(newer.slice(2));
        }
        const link = newer.length > 2 ? `</e?page=2&since=${since}>; rel="next"` : "";
        return Response.json(newer.slice(0, 2), { headers: link ? { link } : {} });
      });
      const h = await startTask({
        "http.url": `${server.base}/e?since=\${offset}`,
        "http.response.records.path": "$[*]",
        "http.pagination.type": "LINK_HEADER",
        "http.offset.mode": "TIMESTAMP",
        "http.offset.field": "ts",
        "http.initial.offset": "2023-12-31T00:00:00Z",
        "http.timer.interval.ms": "60000",
        "http.rate.limit.header": "X-RateLimit-Remaining",
        "http.rate.limit.reset.header": "X-RateLimit-Reset",
        "errors.tolerance": "all",
        "errors.log.enable": "true",
      });
      expect(ids(await h.collect(4, 150))).toEqual([4, 3, 2, 1]);
      expect(server.seen.slice(0, 3).map((s) => s.query.page ?? "1")).toEqual(["1", "2", "2"]);
      expect(h.logs.some((l) => l.includes("HTTP 403") && l.includes("retries this page"))).toBe(true);
    },
  );

  test("a 403's Retry-After holds the polls that come sooner: the page is asked again once it passed", async () => {
    const clock = new FastForwardClock();
    const asked: number[] = [];
    using server = api(() => {
      asked.push(clock.monotonic());
      return asked.length === 1
        ? new Response("secondary rate limit", { status: 403, headers: { "retry-after": "30" } })
        : Response.json([{ id: 1 }]);
    });
    const h = await startTask(
      {
        "http.url": `${server.base}/e`,
        "http.response.records.path": "$[*]",
        "http.timer.interval.ms": "1000",
        "behavior.on.error": "log",
      },
      { clock },
    );
    expect(ids(await h.collect(1, 10))).toEqual([1]);
    expect(asked.length).toBe(2);
    expect(asked[1]! - asked[0]!).toBeGreaterThanOrEqual(30_000);
  });

  test("a 403 without a rate-limit signal still ends the poll there (a refusal for good)", async () => {
    using server = api((_req, url) =>
      url.searchParams.get("page") === "2"
        ? new Response("forbidden", { status: 403 })
        : Response.json([{ id: 1 }], { headers: { link: `</e?page=2>; rel="next"` } }),
    );
    const h = await startTask({
      "http.url": `${server.base}/e`,
      "http.response.records.path": "$[*]",
      "http.pagination.type": "LINK_HEADER",
      "http.timer.interval.ms": "60000",
      "http.rate.limit.header": "X-RateLimit-Remaining",
      "behavior.on.error": "log",
    });
    expect(ids(await h.collect(1, 5))).toEqual([1]);
    await h.collect(1, 3);
    expect(h.logs.some((l) => l.includes("HTTP 403") && l.includes("the poll ends here"))).toBe(true);
  });
});
