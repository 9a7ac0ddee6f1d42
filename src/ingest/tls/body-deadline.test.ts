import { describe, expect, test } from "bun:test";
import { MAX_TIMER_MS } from "../../util/clock.ts";
import { BODY_DEADLINE_MARGIN_MS, bodyDeadlineMs } from "./body-deadline.ts";

describe("bodyDeadlineMs", () => {
  test.each([
    ["the key when no route is open", 1_000, null, 1_000],
    ["none when the key is 0, whatever the routes", 0, 30_000, 0],
    ["the largest route timeout plus the margin over a lower key", 10_000, 30_000, 30_000 + BODY_DEADLINE_MARGIN_MS],
    ["the key over a lower route timeout plus the margin", 60_000, 30_000, 60_000],
    // ingestp4-b 2: past a timer's range it was 0 (no deadline at all).
    ["a timer's largest delay when the route timeout plus the margin is past it", 1_000, MAX_TIMER_MS, MAX_TIMER_MS],
  ])("is %s", (_, keyMs, largestRouteTimeoutMs, expected) => {
    expect(bodyDeadlineMs(keyMs, largestRouteTimeoutMs)).toBe(expected);
  });
});
