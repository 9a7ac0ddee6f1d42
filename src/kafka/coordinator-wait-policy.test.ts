import { describe, expect, test } from "bun:test";
import { ManualClock } from "../util/manual-clock.ts";
import { COORDINATOR_WAIT_MIN_PAUSE_MS, waitForCoordinator } from "./coordinator-wait-policy.ts";

describe("waitForCoordinator", () => {
  /** A join refused `times` times (a coordinator loading), then joined; its pauses on a ManualClock that wakes each at once. */
  async function pausesOf(retryBackoffMs: number, times: number) {
    const clock = new ManualClock();
    const sleep = clock.sleep.bind(clock);
    clock.sleep = (ms, signal) => {
      const slept = sleep(ms, signal);
      clock.advance(ms);
      return slept;
    };
    const warnings: string[] = [];
    let joins = 0;
    const joined = await waitForCoordinator(
      async () => {
        if (++joins <= times) throw new Error("COORDINATOR_LOAD_IN_PROGRESS");
        return "member-1";
      },
      {
        retryBackoffMs,
        timeoutMs: 300_000,
        signal: new AbortController().signal,
        warn: (reason, pauseMs) => void warnings.push(`${reason} every ${pauseMs} ms`),
        clock,
      },
      (error) => (error instanceof Error ? error.message : undefined),
    );
    return { joined, joins, sleeps: clock.sleeps, warnings };
  }

  test("joins again every retry.backoff.ms while the coordinator is not ready", async () => {
    expect(await pausesOf(100, 3)).toEqual({
      joined: "member-1",
      joins: 4,
      sleeps: [100, 100, 100],
      warnings: ["COORDINATOR_LOAD_IN_PROGRESS every 100 ms"],
    });
  });

  // review-platjoin P3-4: retry.backoff.ms=0 asked a loading coordinator in a tight loop for max.poll.interval.ms.
  test("retry.backoff.ms=0 pauses the least pause between joins, and says so", async () => {
    const floor = COORDINATOR_WAIT_MIN_PAUSE_MS;
    expect(await pausesOf(0, 3)).toEqual({
      joined: "member-1",
      joins: 4,
      sleeps: [floor, floor, floor],
      warnings: [`COORDINATOR_LOAD_IN_PROGRESS every ${floor} ms`],
    });
  });
});
