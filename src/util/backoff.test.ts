import { describe, expect, test } from "bun:test";
import { backoffDelay, kafkaClientBackoff, parseRetryAfter, retry } from "./backoff.ts";
import { ManualClock } from "./manual-clock.ts";

class Flaky extends Error {
  override name = "Flaky";
}

/** Fails `times` times with a Flaky error, then answers "ok". */
function failing(times: number) {
  const attempts: number[] = [];
  return {
    attempts,
    op: async (attempt: number) => {
      attempts.push(attempt);
      if (attempts.length <= times) throw new Flaky(`failure ${attempts.length}`);
      return "ok";
    },
  };
}

const always = () => ({ retriable: true });

/** Lets pending promise callbacks run (the retry loop reaches its next sleep). */
const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe("backoffDelay", () => {
  test.each([
    [0, 100],
    [1, 200],
    [2, 400],
    [3, 800],
    [4, 1000],
    [40, 1000],
    [5000, 1000],
  ])("attempt %d without jitter waits %d ms (doubling from 100, capped at 1000)", (attempt, expected) => {
    expect(backoffDelay({ initialMs: 100, maxMs: 1000, jitter: 0 }, attempt)).toBe(expected);
  });

  test("honours the multiplier", () => {
    const policy = { initialMs: 10, maxMs: 10_000, multiplier: 3, jitter: 0 };
    expect([0, 1, 2, 3].map((a) => backoffDelay(policy, a))).toEqual([10, 30, 90, 270]);
  });

  test("jitter (default 0.2) only shortens a delay, by up to its fraction", () => {
    const policy = { initialMs: 1000, maxMs: 1000 };
    expect(backoffDelay(policy, 0, () => 0)).toBe(1000);
    expect(backoffDelay(policy, 0, () => 0.5)).toBe(900);
    expect(backoffDelay(policy, 0, () => 0.999_999)).toBe(800);
    expect(backoffDelay({ ...policy, jitter: 1 }, 0, () => 0.5)).toBe(500);
  });

  test("with Math.random every delay stays within [cap·(1−jitter), cap]", () => {
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay({ initialMs: 50, maxMs: 400, jitter: 0.5 }, 10);
      expect(d).toBeGreaterThanOrEqual(200);
      expect(d).toBeLessThanOrEqual(400);
    }
  });
});

describe("kafkaClientBackoff (Java's ExponentialBackoff of retry.backoff.ms and retry.backoff.max.ms)", () => {
  const middle = () => 0.5; // the jitter's factor 1
  test.each([
    [0, 100],
    [1, 200],
    [2, 400],
    [3, 800],
    [4, 1000],
    [40, 1000],
  ])(
    "after %d failures, the jitter's middle drawn, it waits %d ms (doubling from 100 up to 1000)",
    (attempts, expected) => {
      expect(kafkaClientBackoff(100, 1000, attempts, middle)).toBe(expected);
    },
  );

  test("the jitter is ±20 %, truncated, never past the most", () => {
    expect(kafkaClientBackoff(100, 1000, 0, () => 0)).toBe(80);
    expect(kafkaClientBackoff(100, 1000, 0, () => 0.999_999)).toBe(119);
    expect(kafkaClientBackoff(100, 1000, 4, () => 0)).toBe(800);
    expect(kafkaClientBackoff(100, 1000, 4, () => 0.999_999)).toBe(1000);
  });

  test("a first wait above the most is the most, constant and without jitter; 0 stays 0", () => {
    expect([0, 1, 5].map((a) => kafkaClientBackoff(60_000, 1000, a, () => 0))).toEqual([1000, 1000, 1000]);
    expect(kafkaClientBackoff(100, 100, 3, () => 0)).toBe(100);
    expect(kafkaClientBackoff(0, 1000, 3, () => 0)).toBe(0);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  test.each([
    ["120", 120_000],
    [" 0 ", 0],
    ["Thu, 01 Jan 2026 12:00:30 GMT", 30_000],
    ["Thursday, 01-Jan-26 12:01:00 GMT", 60_000],
    ["Thu Jan  1 12:00:05 2026", 5_000],
    ["Thu, 01 Jan 2026 11:00:00 GMT", 0],
  ])("%p → %p ms", (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });

  test.each([[null], [""], ["-5"], ["1.5"], ["soon"], ["Thu, 99 Foo 2026 GMT"], ["2026-01-01T12:00:30Z"]])(
    "%p → null",
    (value) => {
      expect(parseRetryAfter(value, now)).toBeNull();
    },
  );
});

describe("retry", () => {
  describe("when the operation succeeds after retriable failures", () => {
    test("waits the policy's delays on the injected clock and returns the result", async () => {
      const clock = new ManualClock();
      const flaky = failing(3);
      const retries: [string, number, number][] = [];
      const result = retry(flaky.op, {
        policy: { initialMs: 100, maxMs: 250, jitter: 0 },
        maxAttempts: Number.POSITIVE_INFINITY,
        clock,
        classify: always,
        onRetry: (error, attempt, delay) => retries.push([(error as Error).message, attempt, delay]),
      });
      while (clock.advanceToNext() || flaky.attempts.length < 4) await settle();
      expect(await result).toBe("ok");
      expect(flaky.attempts).toEqual([0, 1, 2, 3]);
      expect(clock.sleeps).toEqual([100, 200, 250]);
      expect(retries).toEqual([
        ["failure 1", 0, 100],
        ["failure 2", 1, 200],
        ["failure 3", 2, 250],
      ]);
    });
  });

  describe("when the policy is a function of the attempt (kafkaClientBackoff's)", () => {
    test("waits the delay it gives for each retry", async () => {
      const clock = new ManualClock();
      const flaky = failing(3);
      const result = retry(flaky.op, {
        policy: (attempt) => kafkaClientBackoff(100, 1_000, attempt, () => 0.75),
        maxAttempts: Number.POSITIVE_INFINITY,
        clock,
        classify: always,
      });
      while (clock.advanceToNext() || flaky.attempts.length < 4) await settle();
      expect(await result).toBe("ok");
      expect(clock.sleeps).toEqual([110, 220, 440]); // longer (a factor 1.1 drawn): Java's jitter goes both ways
    });
  });

  describe("when attempts run out", () => {
    test("rejects with the last error itself after maxAttempts", async () => {
      const clock = new ManualClock();
      const flaky = failing(10);
      const result = retry(flaky.op, {
        policy: { initialMs: 1, maxMs: 1, jitter: 0 },
        maxAttempts: 3,
        clock,
        classify: always,
      });
      const done = result.catch((e) => e);
      while (clock.advanceToNext() || flaky.attempts.length < 3) await settle();
      const error = await done;
      expect(error).toBeInstanceOf(Flaky);
      expect(error.message).toBe("failure 3");
      expect(flaky.attempts).toEqual([0, 1, 2]);
    });
  });

  describe("when the error is not retriable", () => {
    test("rejects at once with that error, without sleeping", async () => {
      const clock = new ManualClock();
      const flaky = failing(1);
      const rejected = retry(flaky.op, {
        policy: { initialMs: 1, maxMs: 1 },
        maxAttempts: 5,
        clock,
        classify: () => ({ retriable: false }),
      });
      await expect(rejected).rejects.toThrow("failure 1");
      expect(clock.sleeps).toEqual([]);
    });
  });

  describe("when classify gives a delay (Retry-After)", () => {
    test("waits that delay instead of the policy's", async () => {
      const clock = new ManualClock();
      const flaky = failing(2);
      const result = retry(flaky.op, {
        policy: { initialMs: 100, maxMs: 1000, jitter: 0 },
        maxAttempts: 5,
        clock,
        classify: (e) => ((e as Error).message === "failure 1" ? { retriable: true, delayMs: 7000 } : always()),
      });
      while (clock.advanceToNext() || flaky.attempts.length < 3) await settle();
      expect(await result).toBe("ok");
      expect(clock.sleeps).toEqual([7000, 200]);
    });
  });

  describe("with a time budget (timeoutMs)", () => {
    test("shortens the last delay to the budget and gives up when it is spent", async () => {
      const clock = new ManualClock();
      const flaky = failing(100);
      const done = retry(flaky.op, {
        policy: { initialMs: 300, maxMs: 60_000, jitter: 0 },
        maxAttempts: Number.POSITIVE_INFINITY,
        timeoutMs: 1000,
        clock,
        classify: always,
      }).catch((e) => e);
      while (clock.advanceToNext() || flaky.attempts.length < 4) await settle();
      expect((await done).message).toBe("failure 4");
      expect(clock.sleeps).toEqual([300, 600, 100]);
    });

    test("a step of the wall clock neither spends the budget nor extends it", async () => {
      const clock = new ManualClock(1_800_000_000_000);
      const flaky = failing(100);
      const done = retry(flaky.op, {
        policy: { initialMs: 300, maxMs: 60_000, jitter: 0 },
        maxAttempts: Number.POSITIVE_INFINITY,
        timeoutMs: 1000,
        clock,
        classify: always,
      }).catch((e) => e);
      await settle();
      clock.stepWallClock(3_600_000); // forward an hour: the budget is not spent
      while (clock.advanceToNext() || flaky.attempts.length < 4) await settle();
      expect((await done).message).toBe("failure 4");
      expect(clock.sleeps).toEqual([300, 600, 100]);
    });

    test("a budget of 0 means no retry", async () => {
      const flaky = failing(1);
      const clock = new ManualClock();
      const rejected = retry(flaky.op, {
        policy: { initialMs: 1, maxMs: 1 },
        maxAttempts: 9,
        timeoutMs: 0,
        clock,
        classify: always,
      });
      await expect(rejected).rejects.toThrow("failure 1");
      expect(clock.sleeps).toEqual([]);
    });
  });

  describe("when the signal aborts", () => {
    test("during a delay: rejects with the abort reason at once, no further attempt", async () => {
      const clock = new ManualClock();
      const flaky = failing(100);
      const controller = new AbortController();
      const done = retry(flaky.op, {
        policy: { initialMs: 60_000, maxMs: 60_000 },
        maxAttempts: Number.POSITIVE_INFINITY,
        clock,
        signal: controller.signal,
        classify: always,
      }).catch((e) => e);
      while (clock.pending === 0) await settle();
      const reason = new Error("task stopping");
      controller.abort(reason);
      expect(await done).toBe(reason);
      expect(flaky.attempts).toEqual([0]);
      expect(clock.now()).toBe(0);
    });

    test("without a reason: rejects with an AbortError", async () => {
      const controller = new AbortController();
      const done = retry(
        async () => {
          controller.abort();
          throw new Flaky("while aborting");
        },
        { policy: { initialMs: 1, maxMs: 1 }, maxAttempts: 5, signal: controller.signal, classify: always },
      ).catch((e) => e);
      const error = await done;
      expect(error).toBeInstanceOf(DOMException);
      expect(error.name).toBe("AbortError");
    });

    test("an operation that succeeds is returned even if the signal aborted meanwhile", async () => {
      const controller = new AbortController();
      controller.abort();
      const result = await retry(async () => "done", {
        policy: { initialMs: 1, maxMs: 1 },
        maxAttempts: 1,
        signal: controller.signal,
        classify: always,
      });
      expect(result).toBe("done");
    });
  });
});
