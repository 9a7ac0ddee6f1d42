import { describe, expect, test } from "bun:test";
import { ManualClock } from "../../util/manual-clock.ts";
import { LoginThrottle, throttledAddress } from "./login-throttle.ts";

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

  // adminauth hunt 2026-12-03: counted per IPv6 address, a host holding a /64 (the usual
  // assignment) had 2^64 fresh counts, so the limit never bound it.
  test("IPv6 addresses of one /64 share a count; an IPv4-mapped address counts as its IPv4 address", () => {
    const throttle = new LoginThrottle({ maxFailures: 2, lockoutMs: 10_000, clock: new ManualClock(0) });
    expect(throttle.failure("2001:db8:0:1::1")).toBe(false);
    expect(throttle.failure("2001:db8:0:1:ffff:1:2:3")).toBe(true);
    expect(throttle.retryAfterMs("2001:db8:0:1::abcd")).toBe(10_000);
    expect(throttle.retryAfterMs("2001:db8:0:2::1")).toBe(0);
    expect(throttle.failure("::ffff:192.0.2.7")).toBe(false);
    expect(throttle.failure("192.0.2.7")).toBe(true);
    expect(throttle.retryAfterMs("::FFFF:192.0.2.7")).toBe(10_000);
    expect(throttle.retryAfterMs("192.0.2.8")).toBe(0);
  });

  test.each([
    ["192.0.2.1", "192.0.2.1"],
    ["::ffff:192.0.2.1", "192.0.2.1"],
    ["2001:db8:0:1::1", "2001:db8:0:1::/64"],
    ["2001:DB8:0000:0001:1:2:3:4", "2001:db8:0:1::/64"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["64:ff9b::192.0.2.1", "64:ff9b:0:0::/64"],
    ["unknown", "unknown"],
  ])("throttledAddress(%s) is %s", (address, key) => {
    expect(throttledAddress(address)).toBe(key);
  });
});
