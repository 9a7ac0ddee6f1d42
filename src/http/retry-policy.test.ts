import { describe, expect, test } from "bun:test";
import type { Clock } from "../util/clock.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { HttpClient, HttpTransportError } from "./http-client.ts";
import { classifyResponse, isRetriableStatus, sendWithRetry } from "./retry-policy.ts";

/** Real time unless `now` is given; sleeps return at once and are recorded. */
function recordingClock(now: () => number = () => Date.now()): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, now, sleep: async (ms) => void sleeps.push(ms) };
}

function scripted(responses: (() => Response)[]) {
  let i = 0;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: () => responses[Math.min(i++, responses.length - 1)]!(),
  });
  return Object.assign(server, { calls: () => i });
}

const policy = { initialMs: 100, maxMs: 1000, jitter: 0 };

describe("retry policy", () => {
  test.each([
    [408, true],
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [504, true],
    [501, false],
    [505, false],
    [400, false],
    [401, false],
    [404, false],
  ])("status %d retriable: %p", (status, retriable) => {
    expect(isRetriableStatus(status)).toBe(retriable);
  });

  test("Retry-After on 503 counts, on 500 it does not", () => {
    const res = (status: number) => ({
      status,
      headers: new Headers({ "retry-after": "7" }),
      body: new Uint8Array(),
      durationMs: 0,
    });
    expect(classifyResponse(res(503), 0)).toEqual({ retriable: true, delayMs: 7000 });
    expect(classifyResponse(res(500), 0)).toEqual({ retriable: true, delayMs: undefined });
  });

  describe("sendWithRetry", () => {
    test("retries 5xx with exponential backoff until a success", async () => {
      using server = scripted([
        () => new Response("a", { status: 500 }),
        () => new Response("b", { status: 502 }),
        () => new Response("ok"),
      ]);
      const clock = recordingClock();
      const res = await sendWithRetry(new HttpClient(), () => ({ method: "GET", url: server.url.href }), {
        policy,
        maxAttempts: 5,
        clock,
      });
      expect(res.status).toBe(200);
      expect(server.calls()).toBe(3);
      expect(clock.sleeps).toEqual([100, 200]);
    });

    test("honours Retry-After in seconds and as an HTTP-date on 429", async () => {
      // The clock stands still on a whole second, so the HTTP-date is exactly 30 s ahead.
      const now = Date.UTC(2026, 0, 1, 12, 0, 0);
      const date = new Date(now + 30_000).toUTCString();
      using server = scripted([
        () => new Response("slow down", { status: 429, headers: { "retry-after": "2" } }),
        () => new Response("slow down", { status: 429, headers: { "retry-after": date } }),
        () => new Response("ok"),
      ]);
      const clock = recordingClock(() => now);
      await sendWithRetry(new HttpClient(), () => ({ method: "GET", url: server.url.href }), {
        policy: { ...policy, maxMs: 60_000 },
        maxAttempts: 5,
        clock,
      });
      expect(clock.sleeps).toEqual([2000, 30_000]);
    });

    test("a Retry-After of 0 or a date already past is a least wait: the backoff still applies", async () => {
      using server = scripted([
        () => new Response("busy", { status: 503, headers: { "retry-after": "0" } }),
        () => new Response("busy", { status: 503, headers: { "retry-after": "Thu, 01 Jan 1970 00:00:00 GMT" } }),
        () => new Response("ok"),
      ]);
      const clock = recordingClock();
      const res = await sendWithRetry(new HttpClient(), () => ({ method: "GET", url: server.url.href }), {
        policy,
        maxAttempts: 5,
        clock,
      });
      expect(res.status).toBe(200);
      expect(clock.sleeps).toEqual([100, 200]);
    });

    // Review finding P3.12: Retry-After: 86400 idled a running source task for a day.
    test("caps Retry-After at the policy's longest wait", async () => {
      using server = scripted([
        () => new Response("later", { status: 503, headers: { "retry-after": "86400" } }),
        () => new Response("ok"),
      ]);
      const clock = recordingClock();
      const res = await sendWithRetry(new HttpClient(), () => ({ method: "GET", url: server.url.href }), {
        policy,
        maxAttempts: 3,
        clock,
      });
      expect(res.status).toBe(200);
      expect(clock.sleeps).toEqual([1000]);
    });

    test("returns the last error response when attempts run out, and does not retry a 404", async () => {
      using failing = scripted([() => new Response("down", { status: 503 })]);
      const clock = recordingClock();
      const res = await sendWithRetry(new HttpClient(), () => ({ method: "GET", url: failing.url.href }), {
        policy,
        maxAttempts: 3,
        clock,
      });
      expect(res.status).toBe(503);
      expect(failing.calls()).toBe(3);
      using missing = scripted([() => new Response("no", { status: 404 })]);
      expect(
        (
          await sendWithRetry(new HttpClient(), () => ({ method: "GET", url: missing.url.href }), {
            policy,
            maxAttempts: 3,
            clock,
          })
        ).status,
      ).toBe(404);
      expect(missing.calls()).toBe(1);
    });

    test("retries a refused connection, then throws the transport error", async () => {
      const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
      const url = server.url.href;
      server.stop(true);
      const clock = recordingClock();
      const attempts: number[] = [];
      const error = await sendWithRetry(
        new HttpClient(),
        (a) => {
          attempts.push(a);
          return { method: "GET", url };
        },
        {
          policy,
          maxAttempts: 3,
          clock,
        },
      ).catch((e) => e);
      expect(error).toBeInstanceOf(HttpTransportError);
      expect(attempts).toEqual([0, 1, 2]);
    });

    test("an abort during the backoff rejects at once with the reason", async () => {
      using server = scripted([() => new Response("down", { status: 503, headers: { "retry-after": "3600" } })]);
      const controller = new AbortController();
      const reason = new Error("paused");
      const pending = sendWithRetry(new HttpClient(), () => ({ method: "GET", url: server.url.href }), {
        policy,
        maxAttempts: 5,
        clock: new ManualClock(),
        signal: controller.signal,
        onRetry: () => controller.abort(reason),
      });
      expect(await pending.catch((e) => e)).toBe(reason);
    });
  });
});
