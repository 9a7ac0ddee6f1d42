import { describe, expect, test } from "bun:test";
import { deferred } from "../util/async.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { HEALTH_CHECK_TIMEOUT_MS, workerHealth } from "./worker-health.ts";

const settle = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe("workerHealth", () => {
  test("starting before the herder started its connectors; healthy when it answers at once", async () => {
    const clock = new ManualClock();
    expect(await workerHealth({ ready: false, healthCheck: async () => {} }, clock)).toBe("starting");
    expect(await workerHealth({ ready: true, healthCheck: async () => {} }, clock)).toBe("healthy");
    expect(clock.pending).toBe(0); // the timeout's timer does not outlive the check
  });

  test("unhealthy when the herder is stuck for the health check timeout (10 s, as Connect), not a millisecond before", async () => {
    const clock = new ManualClock();
    const stuck = deferred<void>();
    let answer: string | undefined;
    void workerHealth({ ready: true, healthCheck: () => stuck.promise }, clock).then((h) => {
      answer = h;
    });
    await settle();
    clock.advance(HEALTH_CHECK_TIMEOUT_MS - 1);
    await settle();
    expect(answer).toBeUndefined();
    clock.advance(1);
    await settle();
    expect(answer).toBe("unhealthy");
    expect(HEALTH_CHECK_TIMEOUT_MS).toBe(10_000);
  });

  test("a herder that gets unstuck within the timeout is healthy", async () => {
    const clock = new ManualClock();
    const busy = deferred<void>();
    const checking = workerHealth({ ready: true, healthCheck: () => busy.promise }, clock);
    clock.advance(9_000);
    busy.resolve();
    expect(await checking).toBe("healthy");
  });
});
