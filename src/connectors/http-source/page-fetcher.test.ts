import { describe, expect, test } from "bun:test";
import { ConnectError, isRetriable, traceOf } from "../../errors.ts";
import { api, startTask, type TaskHarness } from "./test-support.ts";

describe("PageFetcher with an OAuth2 token endpoint that stays unusable (review P3.13)", () => {
  const oauth2 = (pageUrl: string, tokenUrl: string) => ({
    "http.url": pageUrl,
    "http.response.records.path": "$[*]",
    "http.auth.type": "OAUTH2",
    "http.oauth2.token.url": tokenUrl,
    "http.oauth2.client.id": "client-1",
    "http.oauth2.client.secret": "client-secret-77",
    "http.oauth2.client.auth.mode": "body",
    "http.retry.max.attempts": "3",
    "http.retry.backoff.ms": "10",
  });

  test.each([
    ["unreachable", "Could not reach the OAuth2 token endpoint"],
    ["answering 503", "answered HTTP 503"],
  ])("%s: fails the task after the retries, as other transport failures do, without the secret", async (how, says) => {
    using server = api(() => Response.json([{ id: 1 }]));
    using tokens = api(() => new Response("down", { status: 503 }));
    let tokenUrl = `${tokens.base}/token?client_secret=query-secret-88`;
    if (how === "unreachable") {
      const gone = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
      tokenUrl = `http://127.0.0.1:${gone.port}/token?client_secret=query-secret-88`;
      gone.stop(true);
    }
    const h = await startTask(oauth2(`${server.base}/e`, tokenUrl));
    const error = await h.task.poll(new AbortController().signal).catch((e) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect(isRetriable(error)).toBe(false);
    expect(error.message).toContain(`GET ${server.base}/e failed after 3 attempts: `);
    expect(error.message).toContain(says);
    expect(server.seen).toEqual([]);
    if (how !== "unreachable") expect(tokens.seen.length).toBe(3);
    expect(h.clock.sleeps.length).toBe(2);
    for (const text of [traceOf(error), h.logs.join("\n")]) {
      expect(text).not.toContain("client-secret-77");
      expect(text).not.toContain("query-secret-88");
    }
    // No request reached the API: none is counted as one, nor as its failure.
    expect([counted(h, "http_source_requests_total"), counted(h, "http_source_errors_total")]).toEqual([0, 0]);
  });

  test("a token request that failed once is no API request in the metrics: one request, no error", async () => {
    using server = api(() => Response.json([{ id: 1 }]));
    using tokens = api((_req, _url, n) =>
      n === 1 ? new Response("down", { status: 503 }) : Response.json({ access_token: "tok-1" }),
    );
    const h = await startTask(oauth2(`${server.base}/e`, `${tokens.base}/token`));
    expect(await h.collect(1)).toHaveLength(1);
    expect([tokens.seen.length, server.seen.length]).toEqual([2, 1]);
    expect([counted(h, "http_source_requests_total"), counted(h, "http_source_errors_total")]).toEqual([1, 0]);
  });
});

describe("an OAuth2 token endpoint answering 429/503 with Retry-After, under a throttle", () => {
  const oauth2 = (pageUrl: string, tokenUrl: string, extra: Record<string, string> = {}) => ({
    "http.url": pageUrl,
    "http.response.records.path": "$[*]",
    "http.auth.type": "OAUTH2",
    "http.oauth2.token.url": tokenUrl,
    "http.oauth2.client.id": "client-1",
    "http.oauth2.client.secret": "client-secret-77",
    "http.retry.max.attempts": "3",
    "http.retry.backoff.ms": "10",
    "http.retry.backoff.max.ms": "60000",
    ...extra,
  });

  test.each([429, 503])(
    "its Retry-After on %i is the least wait before the token request is retried",
    async (status) => {
      using server = api(() => Response.json([{ id: 1 }]));
      using tokens = api((_req, _url, n) =>
        n === 1
          ? new Response("slow down", { status, headers: { "retry-after": "7" } })
          : Response.json({ access_token: "tok-1" }),
      );
      const h = await startTask(oauth2(`${server.base}/e`, `${tokens.base}/token`));
      expect(await h.collect(1)).toHaveLength(1);
      expect([tokens.seen.length, server.seen.length]).toEqual([2, 1]);
      expect(h.clock.sleeps).toEqual([7000]);
      expect(h.logs.some((l) => l.includes("answered HTTP") && l.includes("retrying in 7000 ms"))).toBe(true);
    },
  );

  test("a Retry-After outlasting the retries holds the next poll's token request, capped at http.retry.backoff.max.ms", async () => {
    using server = api(() => Response.json([{ id: 1 }]));
    using tokens = api((_req, _url, n) =>
      n === 1
        ? new Response("slow down", { status: 503, headers: { "retry-after": "86400" } })
        : Response.json({ access_token: "tok-1" }),
    );
    const h = await startTask(
      oauth2(`${server.base}/e`, `${tokens.base}/token`, {
        "http.retry.max.attempts": "1",
        "behavior.on.error": "log",
        "http.timer.interval.ms": "1000",
      }),
    );
    // behavior.on.error=log: the poll that ran out of attempts logs and ends; the next one retries.
    expect(await h.collect(1)).toHaveLength(1);
    expect(tokens.seen.length).toBe(2);
    // The next poll is due after 1 s; its token request waits out the rest of the 60 s cap.
    expect(h.clock.sleeps).toEqual([1000, 59_000]);
  });

  test("a failed token request takes no slot of http.throttle.max.requests (token requests are no API requests)", async () => {
    using server = api(() => Response.json([{ id: 1 }]));
    using tokens = api((_req, _url, n) =>
      n === 1 ? new Response("down", { status: 503 }) : Response.json({ access_token: "tok-1" }),
    );
    const h = await startTask(
      oauth2(`${server.base}/e`, `${tokens.base}/token`, {
        "http.throttle.max.requests": "1",
        "http.throttle.window.ms": "3600000",
      }),
    );
    expect(await h.collect(1)).toHaveLength(1);
    expect([tokens.seen.length, server.seen.length]).toEqual([2, 1]);
    // Only the backoff before the token request's retry: the API request found its slot free.
    expect(h.clock.sleeps.length).toBe(1);
    expect(h.clock.sleeps[0]).toBeLessThanOrEqual(10);
  });
});

function counted(h: TaskHarness, name: string): number | undefined {
  return h.metrics.families({}).find((f) => f.name === name)?.samples[0]?.value;
}

describe("http.retry.backoff.max.ms (the document's Retry Configuration)", () => {
  test("caps the doubling backoff and a server's Retry-After alike", async () => {
    using server = api((_req, _url, n) =>
      n === 1
        ? new Response("busy", { status: 503, headers: { "retry-after": "86400" } })
        : n < 5
          ? new Response("oops", { status: 500 })
          : Response.json([{ id: 1 }]),
    );
    const h = await startTask({
      "http.url": `${server.base}/e`,
      "http.response.records.path": "$[*]",
      "http.retry.max.attempts": "5",
      "http.retry.backoff.ms": "1000",
      "http.retry.backoff.max.ms": "2500",
    });
    expect((await h.collect(1)).length).toBe(1);
    expect(server.seen.length).toBe(5);
    const [retryAfter, ...backoffs] = h.clock.sleeps;
    expect(retryAfter).toBe(2500);
    expect(backoffs.length).toBe(3);
    // 1000 · 2^n with up to 20% jitter taken off: 2000 → [1600, 2000], then 4000 and 8000 capped → [2000, 2500].
    expect(backoffs[0]).toBeGreaterThanOrEqual(1600);
    for (const delay of backoffs.slice(1)) {
      expect(delay).toBeGreaterThanOrEqual(2000);
      expect(delay).toBeLessThanOrEqual(2500);
    }
  });
});
