import { describe, expect, test } from "bun:test";
import { ManualClock } from "../../util/manual-clock.ts";
import { LoginThrottle } from "./login-throttle.ts";

describe("LoginThrottle", () => {
  test("blocks an address after maxFailures within lockoutMs, for lockoutMs", () => {
    const clock = new ManualClock(0);
    const throttle = new LoginThrottle({ maxFailures: 3, lockoutMs: 10_000, clock });
    expect([throttle.failure("a"), throttle.failure("a")]).toEqual([false, false]);
    expect(throttle.retryAfterMs("a")).toBe(0);
    expect(throttle.failure("a")).toBe(true);
    expect(throttle.retryAfterMs("a")).toBe(10_000);
    expect(throttle.retryAfterMs("b")).toBe(0);
    clock.advance(4_000);
    expect(throttle.retryAfterMs("a")).toBe(6_000);
    clock.advance(6_000);
    expect(throttle.retryAfterMs("a")).toBe(0);
  });

  test("failures older than the window do not count", () => {
    const clock = new ManualClock(0);
    const throttle = new LoginThrottle({ maxFailures: 2, lockoutMs: 1_000, clock });
    throttle.failure("a");
    clock.advance(1_000);
    expect(throttle.failure("a")).toBe(false);
    expect(throttle.failure("a")).toBe(true);
  });

  test("tracks at most maxClients addresses, dropping the oldest", () => {
    const throttle = new LoginThrottle({ maxFailures: 2, lockoutMs: 1_000, maxClients: 2, clock: new ManualClock(0) });
    throttle.failure("a");
    throttle.failure("b");
    throttle.failure("c");
    expect(throttle.failure("a")).toBe(false);
    expect(throttle.failure("c")).toBe(true);
  });

  test.each([
    ["back", -3_600_000],
    ["forward", 3_600_000],
  ])("a step %s of the host's wall clock neither lifts nor prolongs a block", (_dir, step) => {
    const clock = new ManualClock(0);
    const throttle = new LoginThrottle({ maxFailures: 1, lockoutMs: 10_000, clock });
    expect(throttle.failure("a")).toBe(true);
    clock.stepWallClock(step);
    clock.advance(4_000);
    expect(throttle.retryAfterMs("a")).toBe(6_000);
    clock.advance(6_000);
    expect(throttle.retryAfterMs("a")).toBe(0);
  });

  test("maxFailures 0 disables it", () => {
    const throttle = new LoginThrottle({ maxFailures: 0, lockoutMs: 1_000 });
    expect(throttle.failure("a")).toBe(false);
    expect(throttle.retryAfterMs("a")).toBe(0);
  });
});
