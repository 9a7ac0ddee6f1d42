// Only a 429 or 403 says the rate limit is spent (a wait, whatever behavior.on.error); another
// status's Retry-After or rate-limit header at 0 leaves it to behavior.on.error.
import { describe, expect, test } from "bun:test";
import { ConnectError, isRetriable } from "../../errors.ts";
import { api, recordIds as ids, startTask } from "./test-support.ts";

/** A task polling `base`/e every 8 s, failing on errors (behavior.on.error=fail), with `extra` keys. */
const failingTask = (base: string, extra: Record<string, string> = {}) =>
  startTask({
    "http.url": `${base}/e`,
    "http.response.records.path": "$[*]",
    "http.timer.interval.ms": "8000",
    "behavior.on.error": "fail",
    ...extra,
  });

describe("HttpSourceTask after an error status with Retry-After or the rate-limit header at 0 that is no 429 or 403 (explore29 F1)", () => {
  // A 503's Retry-After sets the wait before its retry; it said the rate limit was spent, so with
  // behavior.on.error=fail the page was retried at every poll for ever, the task RUNNING.
  test.each([503, 404])(
    "a %i with Retry-After under behavior.on.error=fail fails the task once the attempts ran out",
    async (status) => {
      using server = api(() => new Response("unavailable", { status, headers: { "retry-after": "1" } }));
      const h = await failingTask(server.base, {
        "http.retry.max.attempts": "2",
        "http.retry.backoff.ms": "100",
        "http.response.error.codes": "400,401,403,404,500,502,503",
      });
      const outcome = await h.task.poll(new AbortController().signal).catch((e: unknown) => e);
      expect(outcome).toBeInstanceOf(ConnectError);
      expect(isRetriable(outcome)).toBe(false);
      const tries = status === 503 ? " after 2 attempts" : "";
      expect((outcome as Error).message).toBe(
        `HTTP ${status} from GET ${server.base}/e${tries}: unavailable (behavior.on.error=fail)`,
      );
      // The 503's Retry-After was its retry's wait, not the backoff.
      if (status === 503) expect(h.clock.sleeps[0]).toBe(1000);
    },
  );

  test("a 404 with X-RateLimit-Remaining: 0 under behavior.on.error=fail fails the task", async () => {
    // The header at 0 said the rate limit was spent whatever the status, so this 404 waited for ever too.
    using server = api(() => new Response("no such page", { status: 404, headers: { "x-ratelimit-remaining": "0" } }));
    const h = await failingTask(server.base);
    const outcome = await h.task.poll(new AbortController().signal).catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(ConnectError);
    expect(isRetriable(outcome)).toBe(false);
    expect((outcome as Error).message).toBe(
      `HTTP 404 from GET ${server.base}/e: no such page (behavior.on.error=fail)`,
    );
  });

  test("a 429 with Retry-After under behavior.on.error=fail is still a spent rate limit: the next poll retries the page", async () => {
    let answered = 0;
    using server = api(() =>
      answered++ < 2
        ? new Response("slow down", { status: 429, headers: { "retry-after": "1" } })
        : Response.json([{ id: 1 }]),
    );
    const h = await failingTask(server.base, { "http.retry.max.attempts": "2", "http.retry.backoff.ms": "100" });
    expect(ids(await h.collect(1, 20))).toEqual([1]);
    expect(h.logs.some((l) => l.includes("HTTP 429") && l.includes("retries this page"))).toBe(true);
  });
});
