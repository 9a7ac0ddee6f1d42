// Pages whose failure may pass are retried by the next scheduled poll, never skipped: skipping one
// ends the poll there and moves the offset past its unread pages.
import { describe, expect, test } from "bun:test";
import { createServer } from "node:net";
import { waitFor } from "../../../test/support/wait-for.ts";
import { deferred } from "../../util/async.ts";
import { api, FastForwardClock, recordIds as ids, linkPagedSince, startTask } from "./test-support.ts";

/** A fast-forward clock that aborts `stop` once `afterMs` have passed on it (a task's runtime stopping it). */
function clockStopping(stop: AbortController, afterMs: number): FastForwardClock {
  return new (class extends FastForwardClock {
    override async sleep(ms: number, signal?: AbortSignal): Promise<void> {
      await super.sleep(ms, signal);
      if (this.current >= Date.UTC(2026, 0, 1) + afterMs) stop.abort();
    }
  })();
}

/**
 * The document's complete example: a newest-first events API (GitHub) with Link pages, polled with
 * a TIMESTAMP offset; page 2 answers `failure` once. All four events must arrive, page 2 asked twice.
 */
async function newestFirstWithPage2Failing(failure: () => Response, config: Record<string, string>) {
  let failures = 1;
  const events = [4, 3, 2, 1].map((id) => ({ id, ts: `2024-01-0${id}T00:00:00Z` }));
  using server = api((_req, url) => {
    const since = url.searchParams.get("since") ?? "";
    const newer = events.filter((e) => e.ts > since);
    if (url.searchParams.get("page") === "2") return failures-- > 0 ? failure() : Response.json(newer.slice(2));
    const link = newer.length > 2 ? `</e?page=2&since=${since}>; rel="next"` : "";
    return Response.json(newer.slice(0, 2), { headers: link ? { link } : {} });
  });
  const h = await startTask({
    ...linkPagedSince(server.base),
    ...config,
  });
  expect(ids(await h.collect(4, 150))).toEqual([4, 3, 2, 1]);
  expect(server.seen.slice(0, 3).map((s) => s.query.page ?? "1")).toEqual(["1", "2", "2"]);
  return h.logs;
}

describe("HttpSourceTask after a 429 or 5xx outside http.response.error.codes (sourcehunt P2)", () => {
  // The document's error codes leave out 429 and 504.
  test.each([429, 504])(
    "a %i on page 2 is retried by the next poll: its older records are not lost",
    async (status) => {
      const logs = await newestFirstWithPage2Failing(() => new Response("slow down", { status }), {
        "http.response.error.codes": "400,401,403,404,500,502,503",
        "behavior.on.error": "fail",
        "http.retry.max.attempts": "1",
      });
      expect(logs.some((l) => l.includes(`HTTP ${status}`) && l.includes("retries this page"))).toBe(true);
    },
  );
});

describe("HttpSourceTask after a 401 (the credentials refused, not the page)", () => {
  // A key or token the API refuses for a while (rotated, or an OAuth2 token renewed after a 401 that
  // the API does not know yet) says nothing of the page: ending the poll there moved a newest-first
  // API's TIMESTAMP offset past its unread pages.
  test.each([
    ["log", { "errors.tolerance": "all", "errors.log.enable": "true" }],
    ["ignore", { "behavior.on.error": "ignore" }],
  ])("with %s, a 401 on page 2 is retried by the next poll: its older records are not lost", async (what, config) => {
    const logs = await newestFirstWithPage2Failing(() => new Response("bad credentials", { status: 401 }), config);
    if (what === "log") expect(logs.some((l) => l.includes("HTTP 401") && l.includes("retries this page"))).toBe(true);
  });

  // The API's 401 renews the OAuth2 token; the renewal failing leaves page 2 unsent: as after the
  // 401 itself, the next poll retries that page instead of ending the poll past its older records.
  test.each([
    [
      "text/html",
      () => new Response("<html>signed out</html>", { headers: { "content-type": "text/html" } }),
      "its answer is not a token response",
    ],
    [
      "401 invalid_client",
      () => Response.json({ error: "invalid_client" }, { status: 401 }),
      "HTTP 401 (invalid_client)",
    ],
  ])(
    "with log, a 401 on page 2 whose token renewal answers %s: page 2 is retried by the next poll",
    async (_what, renewal, detail) => {
      let tokenRequests = 0;
      using tokens = api(() =>
        ++tokenRequests === 2 ? renewal() : Response.json({ access_token: `tok-${tokenRequests}`, expires_in: 3600 }),
      );
      const logs = await newestFirstWithPage2Failing(() => new Response("token expired", { status: 401 }), {
        "http.auth.type": "OAUTH2",
        "http.oauth2.token.url": `${tokens.base}/token`,
        "http.oauth2.client.id": "gw",
        "http.oauth2.client.secret": "client-secret-1",
        "behavior.on.error": "log",
      });
      expect(tokens.seen).toHaveLength(3);
      const warned = logs.some((l) => l.includes(" WARN ") && l.includes(detail) && l.includes("retries this page"));
      expect(warned).toBe(true);
    },
  );
});

describe("HttpSourceTask after a 403 that says the rate limit is spent (review31 P1)", () => {
  // GitHub answers a spent primary rate limit with 403 and X-RateLimit-Remaining: 0, a secondary one
  // with 403 and Retry-After; the document's example has errors.tolerance=all.
  const limits = {
    remaining: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1" },
    "retry-after": { "retry-after": "1" },
  };
  test.each(Object.keys(limits) as (keyof typeof limits)[])(
    "a 403 with %s on page 2 is retried by the next poll: its older records are not lost",
    async (kind) => {
      const limited = () => new Response("API rate limit exceeded", { status: 403, headers: limits[kind] });
      const logs = await newestFirstWithPage2Failing(limited, {
        "http.rate.limit.header": "X-RateLimit-Remaining",
        "http.rate.limit.reset.header": "X-RateLimit-Reset",
        "errors.tolerance": "all",
        "errors.log.enable": "true",
      });
      expect(logs.some((l) => l.includes("HTTP 403") && l.includes("retries this page"))).toBe(true);
    },
  );

  // A spent rate limit says when to ask again: it is no refusal of the page, so it does not fail the
  // task under behavior.on.error=fail (errors.tolerance=none, the default) either.
  test.each(Object.keys(limits) as (keyof typeof limits)[])(
    "with the default errors.tolerance=none, a 403 with %s on page 2 is retried too: the task does not fail",
    async (kind) => {
      const limited = () => new Response("API rate limit exceeded", { status: 403, headers: limits[kind] });
      const logs = await newestFirstWithPage2Failing(limited, {});
      expect(logs.some((l) => l.includes("HTTP 403") && l.includes("retries this page"))).toBe(true);
    },
  );

  test("without http.rate.limit.header (the document's complete example sets none), GitHub's X-RateLimit-Remaining: 0 is recognised", async () => {
    const clock = new FastForwardClock();
    const reset = Math.floor(clock.now() / 1000) + 120;
    const limited = () =>
      new Response("API rate limit exceeded", {
        status: 403,
        headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) },
      });
    const asked: number[] = [];
    let failures = 1;
    using server = api((_req, url) => {
      asked.push(clock.now());
      if (url.searchParams.get("page") === "2") return failures-- > 0 ? limited() : Response.json([{ id: 2 }]);
      return Response.json([{ id: 1 }], { headers: { link: `</e?page=2>; rel="next"` } });
    });
    const h = await startTask(
      {
        "http.url": `${server.base}/e`,
        "http.response.records.path": "$[*]",
        "http.pagination.type": "LINK_HEADER",
        "http.timer.interval.ms": "60000",
        "errors.tolerance": "all",
        "errors.log.enable": "true",
      },
      { clock },
    );
    expect(ids(await h.collect(2, 100))).toEqual([1, 2]);
    expect(server.seen.map((s) => s.query.page ?? "1")).toEqual(["1", "2", "2"]);
    expect(h.logs.some((l) => l.includes("HTTP 403") && l.includes("retries this page"))).toBe(true);
    // The page is asked again once the limit was reset, not at the next poll a minute later.
    expect(asked[2]!).toBeGreaterThanOrEqual(reset * 1000);
  });

  test("a 200 on the last page with X-RateLimit-Remaining: 0 and a reset hours away: the wait is a WARN with its end, the next poll asks after it", async () => {
    const clock = new FastForwardClock();
    const reset = Math.floor(clock.now() / 1000) + 5 * 3600;
    const asked: number[] = [];
    using server = api(() => {
      asked.push(clock.now());
      const headers = { "x-ratelimit-remaining": asked.length === 1 ? "0" : "59", "x-ratelimit-reset": String(reset) };
      return Response.json([{ id: asked.length }], { headers });
    });
    const h = await startTask(
      { "http.url": `${server.base}/e`, "http.response.records.path": "$[*]", "http.timer.interval.ms": "60000" },
      { clock },
    );
    expect(ids(await h.collect(2, 100))).toEqual([1, 2]);
    expect(asked[1]!).toBeGreaterThanOrEqual(reset * 1000);
    const waits = h.logs.filter((l) => l.includes("rate limit is spent"));
    expect(waits).toHaveLength(1);
    expect(waits[0]).toContain("WARN");
    expect(waits[0]).toContain(
      `X-RateLimit-Remaining: 0 (the rate limit is spent); requests wait 18000 s, until ${new Date(reset * 1000).toISOString()}`,
    );
  });

  test("a wait over a minute for the rate limit's reset is the RUNNING status's trace until it ends (ex28fix: only a log line said so)", async () => {
    const clock = new FastForwardClock();
    const reset = Math.floor(clock.now() / 1000) + 5 * 3600;
    let asked = 0;
    using server = api(() => {
      asked++;
      const headers = { "x-ratelimit-remaining": asked === 1 ? "0" : "59", "x-ratelimit-reset": String(reset) };
      return Response.json([{ id: asked }], { headers });
    });
    const h = await startTask(
      { "http.url": `${server.base}/e`, "http.response.records.path": "$[*]", "http.timer.interval.ms": "60000" },
      { clock },
    );
    expect(h.task.degradedTrace()).toBeNull();
    expect(ids(await h.collect(1))).toEqual([1]);
    expect(h.task.degradedTrace()).toBe(
      `Degraded: requests to the API wait until ${new Date(reset * 1000).toISOString()} (its rate limit is spent, or it asked to retry after that)`,
    );
    expect(ids(await h.collect(1, 100))).toEqual([2]);
    expect(h.task.degradedTrace()).toBeNull();
  });

  test("an API spending its limit at every request with 1 s resets: one WARN a minute, a DEBUG for each wait", async () => {
    const clock = new FastForwardClock();
    const asked: number[] = [];
    using server = api((_req, url) => {
      asked.push(clock.monotonic());
      const offset = Number(url.searchParams.get("offset"));
      const headers = { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1" };
      return Response.json(offset < 70 ? [{ id: offset }] : [], { headers });
    });
    const h = await startTask(
      {
        "http.url": `${server.base}/e`,
        "http.response.records.path": "$[*]",
        "http.pagination.type": "OFFSET",
        "http.pagination.limit.value": "1",
        "http.timer.interval.ms": "600000",
      },
      { clock },
    );
    expect(await h.collect(70, 3)).toHaveLength(70);
    // Each request waited its second: the limit is kept, only the logging is quieter.
    expect(asked.slice(1).every((at, i) => at - asked[i]! >= 1000)).toBe(true);
    const waits = h.logs.filter((l) => l.includes("rate limit is spent"));
    expect(waits).toHaveLength(asked.length);
    const warns = waits.filter((l) => l.includes("WARN"));
    // At 0 s and 60 s of the 70 s the requests took; the second says how many it left to DEBUG.
    expect(warns).toHaveLength(2);
    expect(warns[1]).toContain("(59 more waits since the last warning, logged at DEBUG)");
    const debugs = waits.filter((l) => !l.includes("WARN"));
    expect(debugs).toHaveLength(asked.length - 2);
    expect(debugs.every((l) => l.includes("DEBUG"))).toBe(true);
  });

  test("http.rate.limit.header set empty turns the recognition off: that 403 ends the poll as any 403", async () => {
    using server = api((_req, url) =>
      url.searchParams.get("page") === "2"
        ? new Response("API rate limit exceeded", { status: 403, headers: { "x-ratelimit-remaining": "0" } })
        : Response.json([{ id: 1 }], { headers: { link: `</e?page=2>; rel="next"` } }),
    );
    const h = await startTask({
      "http.url": `${server.base}/e`,
      "http.response.records.path": "$[*]",
      "http.pagination.type": "LINK_HEADER",
      "http.rate.limit.header": "",
      "behavior.on.error": "log",
    });
    expect(ids(await h.collect(2, 3))).toEqual([1]);
    expect(h.logs.some((l) => l.includes("HTTP 403") && l.includes("the poll ends here"))).toBe(true);
  });

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

/** A loopback server answering each GET with `answer(url)`: a raw status line (Bun's Response refuses 999, 099). */
async function rawApi(answer: (url: URL) => { line: string; body: string; headers?: string }) {
  const paths: string[] = [];
  const server = createServer((socket) => {
    let data = "";
    socket.on("error", () => {});
    socket.on("data", (chunk) => {
      data += chunk.toString();
      if (!data.includes("\r\n\r\n")) return;
      const url = new URL(data.split(" ")[1]!, "http://x");
      paths.push(`${url.pathname}${url.search}`);
      const { line, body, headers } = answer(url);
      socket.end(
        `HTTP/1.1 ${line}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${headers ?? ""}Connection: close\r\n\r\n${body}`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { paths, base: `http://127.0.0.1:${port}`, [Symbol.dispose]: () => server.close() };
}

describe("HttpSourceTask after a status outside 100..599 (review60)", () => {
  // RFC 9110 §15: an invalid status is processed as a 5xx. A 099 ended the poll as a 4xx outside the
  // error codes does, moving a newest-first API's offset past its unread pages; a 999 was not retried
  // within the poll as a 5xx is.
  test.each([
    ["099 Low", { "behavior.on.error": "ignore" }],
    ["099 Low", { "http.response.error.codes": "500,503", "behavior.on.error": "log" }],
    ["999 Request denied", { "behavior.on.error": "ignore", "http.retry.max.attempts": "1" }],
  ])("a %p on page 2 is retried by the next poll: its older records are not lost", async (line, config) => {
    let failures = 1;
    const events = [4, 3, 2, 1].map((id) => ({ id, ts: `2024-01-0${id}T00:00:00Z` }));
    using server = await rawApi((url) => {
      const since = url.searchParams.get("since") ?? "";
      const newer = events.filter((e) => e.ts > since);
      if (url.searchParams.get("page") === "2")
        return failures-- > 0 ? { line, body: "{}" } : { line: "200 OK", body: JSON.stringify(newer.slice(2)) };
      const link = newer.length > 2 ? `Link: </e?page=2&since=${since}>; rel="next"\r\n` : "";
      return { line: "200 OK", body: JSON.stringify(newer.slice(0, 2)), headers: link };
    });
    const h = await startTask({
      ...linkPagedSince(server.base),
      ...config,
    });
    expect(ids(await h.collect(4, 150))).toEqual([4, 3, 2, 1]);
    expect(server.paths.slice(0, 3).map((p) => (p.includes("page=2") ? "2" : "1"))).toEqual(["1", "2", "2"]);
  });

  test("a 999 is retried within the poll as a 5xx is (http.retry.max.attempts)", async () => {
    let n = 0;
    using server = await rawApi(() =>
      n++ === 0 ? { line: "999 Request denied", body: "{}" } : { line: "200 OK", body: '[{"id":1}]' },
    );
    const h = await startTask({
      "http.url": `${server.base}/e`,
      "http.response.records.path": "$[*]",
      "behavior.on.error": "fail",
      "http.retry.max.attempts": "2",
      "http.retry.backoff.ms": "1",
    });
    expect(ids(await h.collect(1, 5))).toEqual([1]);
    expect(server.paths).toHaveLength(2);
  });
});

// explore5 E4: with behavior.on.error=log an unreachable API logged every retry and every skipped
// poll (~24 WARN lines a minute, ~10 MB a day per connector on a host whose link is down for days).
describe("an API unreachable for minutes, behavior.on.error=log", () => {
  test("each kind of WARN (a retry, the page retried at the next poll) at once, then at most once a minute with the count not logged", async () => {
    const gone = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
    const url = `http://127.0.0.1:${gone.port}/items`;
    gone.stop(true);
    // The task's runtime stops it once 150 s have passed on its clock (one poll spans many pages).
    const stop = new AbortController();
    const clock = clockStopping(stop, 150_000);
    const h = await startTask(
      {
        "http.url": url,
        "http.response.records.path": "$.items[*]",
        "http.timer.interval.ms": "1000",
        "http.retry.max.attempts": "5",
        "http.retry.backoff.ms": "100",
        "http.retry.backoff.max.ms": "100",
        "behavior.on.error": "log",
      },
      { clock },
    );
    while (!stop.signal.aborted) expect(await h.task.poll(stop.signal)).toBeNull();
    const warns = h.logs.filter((l) => l.includes(" WARN "));
    const retries = warns.filter((l) => l.includes("; retrying in "));
    const skipped = warns.filter((l) => l.includes("skipped (behavior.on.error=log)"));
    // 150 pages asked a second apart, four retries each: at 0, 60 and 120 s, the later two with their count.
    expect([retries.length, skipped.length, warns.length]).toEqual([3, 3, 6]);
    expect(retries[0]).toContain(`GET ${url} attempt 1 of 5 failed (`);
    expect(retries[0]).not.toContain("not logged");
    expect(skipped[0]).not.toContain("not logged");
    for (const later of [...retries.slice(1), ...skipped.slice(1)])
      expect(later).toMatch(/\(and \d+ more like it in the last 6\d s, not logged\)/);
    expect(Number(/and (\d+) more/.exec(retries[1]!)![1])).toBeGreaterThan(200);
  });
});

// explore11 F6: a source retrying its API read RUNNING without a trace (the HTTP sink shows "Degraded: …").
describe("HttpSourceTask while its API's attempts are retried", () => {
  test("the RUNNING status has a Degraded trace naming the request and the last failure, gone once answered", async () => {
    let n = 0;
    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: () => (n++ < 2 ? new Response("down", { status: 503 }) : Response.json([{ id: 1 }])),
    });
    try {
      const traces: (string | null)[] = [];
      let task: { degradedTrace(): string | null } | undefined;
      const clock = new (class extends FastForwardClock {
        override async sleep(ms: number, signal?: AbortSignal): Promise<void> {
          traces.push(task?.degradedTrace() ?? null);
          await super.sleep(ms, signal);
        }
      })();
      const url = `http://127.0.0.1:${server.port}/e`;
      const h = await startTask(
        {
          "http.url": url,
          "http.response.records.path": "$[*]",
          "http.retry.max.attempts": "5",
          "http.retry.backoff.ms": "100",
        },
        { clock },
      );
      task = h.task;
      expect(ids(await h.collect(1, 5))).toEqual([1]);
      expect(traces.slice(0, 2)).toEqual(
        [1, 2].map((attempts) =>
          expect.stringMatching(
            new RegExp(
              `^Degraded: GET ${url} has failed ${attempts} attempt\\(s\\) since \\S+ \\(the last: HTTP 503\\) and waits out a (\\d+) ms backoff \\(\\1 ms left\\) before attempt ${attempts + 1} of 5; the request is retried \\(http\\.retry\\.max\\.attempts\\), then the task fails \\(behavior\\.on\\.error=fail\\)\\.$`,
            ),
          ),
        ),
      );
      expect(h.task.degradedTrace()).toBeNull();
    } finally {
      server.stop(true);
    }
  });
});

// p3sink-b 2: the trace's backoff part is cleared when the next attempt starts; nothing read it while one was on the wire.
test("while attempt 2 is on the wire the Degraded trace names no backoff, only the failure before it", async () => {
  const hold = deferred<void>();
  let asked = 0;
  using server = api(async () => {
    asked++;
    if (asked === 1) return new Response("down", { status: 503 });
    await hold.promise;
    return Response.json([{ id: 1 }]);
  });
  const url = `${server.base}/e`;
  const h = await startTask(
    {
      "http.url": url,
      "http.response.records.path": "$[*]",
      "http.retry.max.attempts": "3",
      "http.retry.backoff.ms": "100",
    },
    { clock: new FastForwardClock() },
  );
  const collected = h.collect(1, 5);
  await waitFor(() => asked === 2, { what: "attempt 2 on the wire" });
  expect(h.task.degradedTrace()).toMatch(
    new RegExp(
      `^Degraded: GET ${url} has failed 1 attempt\\(s\\) since \\S+ \\(the last: HTTP 503\\); the request is retried \\(http\\.retry\\.max\\.attempts\\), then the task fails \\(behavior\\.on\\.error=fail\\)\\.$`,
    ),
  );
  hold.resolve();
  expect(ids(await collected)).toEqual([1]);
  expect(h.task.degradedTrace()).toBeNull();
});

/**
 * The Degraded traces of one poll of a task whose API at `url` never answers with success, three
 * attempts a request, and how that poll ended (its error, or null).
 */
async function tracesOfFailingRequest(url: string, config: Record<string, string>) {
  const traces: string[] = [];
  let task: { degradedTrace(): string | null } | undefined;
  const clock = new (class extends FastForwardClock {
    override async sleep(ms: number, signal?: AbortSignal): Promise<void> {
      const trace = task?.degradedTrace();
      if (trace) traces.push(trace);
      await super.sleep(ms, signal);
    }
  })();
  const h = await startTask(
    { "http.url": url, "http.response.records.path": "$[*]", "http.retry.max.attempts": "3", ...config },
    { clock },
  );
  task = h.task;
  const failure = await h.task.poll(new AbortController().signal).then(
    () => null,
    (error: Error) => error.message,
  );
  return { traces, failure, logs: h.logs };
}

// p3sink 2: each trace, read at a backoff's start, names the wait and the next attempt.
// review-srcback P2-1: the trace said "then the next scheduled poll tries again" also under the
// default behavior.on.error (fail), where the task goes FAILED once the attempts run out.
describe("the HTTP source's Degraded trace names what follows the retries, as behavior.on.error says", () => {
  const NEXT_POLL = "the request is retried (http.retry.max.attempts), then the next scheduled poll tries again.";
  const FAILS = "the request is retried (http.retry.max.attempts), then the task fails (behavior.on.error=fail).";
  const cases: [string, Record<string, string>, string][] = [
    ["unset (errors.tolerance=none: fail)", {}, FAILS],
    ["fail", { "behavior.on.error": "fail" }, FAILS],
    ["log", { "behavior.on.error": "log" }, NEXT_POLL],
    ["ignore", { "behavior.on.error": "ignore" }, NEXT_POLL],
    // A 503 outside the error codes is no error behavior.on.error handles: the next poll retries the page.
    [
      "fail, 503 outside http.response.error.codes",
      { "behavior.on.error": "fail", "http.response.error.codes": "500" },
      NEXT_POLL,
    ],
  ];

  test.each(cases)("an API always answering 503, behavior.on.error %s", async (_what, config, after) => {
    using server = api(() => new Response("down", { status: 503 }));
    const url = `${server.base}/e`;
    const { traces, failure } = await tracesOfFailingRequest(url, config);
    expect(traces.slice(0, 2)).toEqual(
      [1, 2].map((n) =>
        expect.stringMatching(
          new RegExp(
            `^Degraded: GET ${url} has failed ${n} attempt\\(s\\) since \\S+ \\(the last: HTTP 503\\) and waits out a (\\d+) ms backoff \\(\\1 ms left\\) before attempt ${n + 1} of 3; `,
          ),
        ),
      ),
    );
    for (const trace of traces.slice(0, 2)) expect(trace.endsWith(`; ${after}`)).toBe(true);
    expect(failure === null).toBe(after === NEXT_POLL);
  });

  test.each(cases.slice(0, 4))("a refused connection, behavior.on.error %s", async (_what, config, after) => {
    const gone = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
    const url = `http://127.0.0.1:${gone.port}/e`;
    gone.stop(true);
    const { traces, failure, logs } = await tracesOfFailingRequest(url, config);
    expect(traces.slice(0, 2)).toEqual(
      [1, 2].map((n) =>
        expect.stringMatching(
          new RegExp(
            `^Degraded: GET ${url} has failed ${n} attempt\\(s\\) since \\S+ \\(the last: java\\.net\\.ConnectException: ECONNREFUSED: Unable to connect\\) and waits out a (\\d+) ms backoff \\(\\1 ms left\\) before attempt ${n + 1} of 3; `,
          ),
        ),
      ),
    );
    for (const trace of traces.slice(0, 2)) expect(trace.endsWith(`; ${after}`)).toBe(true);
    expect(failure === null).toBe(after === NEXT_POLL);
    // The retry WARN names the JDK exception, the URL once, and no runtime hint.
    const retry = logs.find((l) => l.includes(" WARN ") && l.includes("attempt 1 of 3 failed"));
    expect(retry).toContain(
      `GET ${url} attempt 1 of 3 failed (java.net.ConnectException: ECONNREFUSED: Unable to connect); retrying in `,
    );
    expect(retry!.split(url)).toHaveLength(2);
    expect(retry).not.toContain("Is the computer");
  });
});

// auditsrc F4: the WARN of a page retried at every poll was limited per text, its error body included,
// so an API whose error body carries a request id or a time (most clouds' do) logged one at every poll.
describe("an API answering 503 with a request id in its error body, behavior.on.error=log", () => {
  test("the page's WARN is one kind: at once, then at most once a minute with the count not logged", async () => {
    let n = 0;
    using server = api(() => new Response(`{"error":"unavailable","request_id":"req-${++n}"}`, { status: 503 }));
    const stop = new AbortController();
    const clock = clockStopping(stop, 90_000);
    const h = await startTask(
      {
        "http.url": `${server.base}/items`,
        "http.timer.interval.ms": "5000",
        "http.retry.max.attempts": "1",
        "behavior.on.error": "log",
      },
      { clock },
    );
    while (!stop.signal.aborted) expect(await h.task.poll(stop.signal)).toBeNull();
    const skipped = h.logs.filter((l) => l.includes(" WARN ") && l.includes("skipped (behavior.on.error=log)"));
    // 18 polls 5 s apart: at 0 and 60 s, the second with the count of those not logged.
    expect(server.seen.length).toBe(18);
    expect(skipped.length).toBe(2);
    expect(skipped[0]).toContain(
      "HTTP 503 from GET " + server.base + '/items: {"error":"unavailable","request_id":"req-1"}',
    );
    expect(skipped[1]).toMatch(/\(and 11 more like it in the last 6\d s, not logged\)/);
  });
});

describe("an OAuth2 token endpoint refusing the client with a trace id in its error_description, behavior.on.error=log", () => {
  test("the page's WARN is one kind: at once, then at most once a minute", async () => {
    let n = 0;
    using server = api((_req, url) =>
      url.pathname === "/token"
        ? Response.json(
            { error: "invalid_client", error_description: `AADSTS7000215: Invalid client secret. Trace ID: t-${++n}` },
            { status: 401 },
          )
        : Response.json([]),
    );
    const stop = new AbortController();
    const clock = clockStopping(stop, 90_000);
    const h = await startTask(
      {
        "http.url": `${server.base}/items`,
        "http.auth.type": "OAUTH2",
        "http.oauth2.token.url": `${server.base}/token`,
        "http.oauth2.client.id": "gateway",
        "http.oauth2.client.secret": "rotated-away",
        "http.timer.interval.ms": "5000",
        "behavior.on.error": "log",
      },
      { clock },
    );
    while (!stop.signal.aborted) expect(await h.task.poll(stop.signal)).toBeNull();
    const skipped = h.logs.filter((l) => l.includes(" WARN ") && l.includes("skipped (behavior.on.error=log)"));
    expect(n).toBe(18);
    expect(skipped.length).toBe(2);
    expect(skipped[0]).toContain(
      "answered HTTP 401 (invalid_client: AADSTS7000215: Invalid client secret. Trace ID: t-1)",
    );
    expect(skipped[1]).toMatch(/\(and 11 more like it in the last 6\d s, not logged\)/);
  });
});

describe("an API answering 404 at every poll, behavior.on.error=log", () => {
  test("the WARN that ends each poll: at once, then at most once a minute", async () => {
    using server = api(
      () => new Response(`{"error":"not found","request_id":"${crypto.randomUUID()}"}`, { status: 404 }),
    );
    const stop = new AbortController();
    const clock = clockStopping(stop, 90_000);
    const h = await startTask(
      { "http.url": `${server.base}/items`, "http.timer.interval.ms": "5000", "behavior.on.error": "log" },
      { clock },
    );
    while (!stop.signal.aborted) expect(await h.task.poll(stop.signal)).toBeNull();
    const ended = h.logs.filter((l) => l.includes(" WARN ") && l.includes("the poll ends here"));
    expect(server.seen.length).toBe(18);
    expect(ended.length).toBe(2);
    expect(ended[1]).toMatch(/\(and 11 more like it in the last 6\d s, not logged\)/);
  });
});
