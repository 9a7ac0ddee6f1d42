import { describe, expect, test } from "bun:test";
import { RetryWarnings } from "./retry-warnings.ts";

/** RetryWarnings at 5 s, what it logged and when it asked to be woken. */
function budget(logger = true) {
  const logged: string[] = [];
  const wakes: number[] = [];
  const warnings = new RetryWarnings(5_000, logger ? (m) => logged.push(m) : undefined, (at) => wakes.push(at));
  return { warnings, logged, wakes };
}

describe("RetryWarnings", () => {
  test("logs one WARN per interval; one held back is logged once the interval allows, as of then", () => {
    const { warnings, logged, wakes } = budget();
    warnings.warn(0, () => "first");
    warnings.warn(1_000, (at) => `held at 1000, written at ${at}`);
    expect([logged, wakes]).toEqual([["first"], [5_000]]);
    warnings.writeHeld(4_999);
    expect([logged, wakes]).toEqual([["first"], [5_000, 5_000]]);
    warnings.writeHeld(5_000);
    warnings.writeHeld(20_000);
    expect(logged).toEqual(["first", "held at 1000, written at 5000"]);
  });

  test("a batch retried again replaces its own held WARN; within the interval nothing held is looked at", () => {
    const { warnings, logged } = budget();
    let checks = 0;
    const holds = () => {
      checks += 1;
      return true;
    };
    const batch = {};
    warnings.warn(0, () => "first");
    for (let retry = 1; retry <= 1_000; retry += 1) warnings.warn(retry, () => `retry ${retry}`, holds, "retry", batch);
    for (let turn = 1_000; turn < 5_000; turn += 1) warnings.writeHeld(turn);
    expect(checks).toBe(0); // one entry per batch, none looked at before the interval allows a WARN
    warnings.writeHeld(5_000);
    expect([logged, checks]).toEqual([["first", "retry 1000"], 1]);
  });

  test("keeps only the latest WARN held back", () => {
    const { warnings, logged } = budget();
    warnings.warn(0, () => "first");
    warnings.warn(1_000, () => "second");
    warnings.warn(2_000, () => "third");
    warnings.writeHeld(5_000);
    expect(logged).toEqual(["first", "third"]);
  });

  test("a WARN logged at once drops the one held back before", () => {
    const { warnings, logged } = budget();
    warnings.warn(0, () => "first");
    warnings.warn(1_000, () => "held");
    warnings.warn(5_000, () => "on time");
    warnings.writeHeld(10_000);
    expect(logged).toEqual(["first", "on time"]);
  });

  test("a WARN held back that no longer holds when the interval allows is dropped, the budget not spent on it", () => {
    const { warnings, logged } = budget();
    let retried = true;
    warnings.warn(0, () => "first");
    warnings.warn(
      1_000,
      () => "batch retried",
      () => retried,
    );
    retried = false; // the batch was written meanwhile
    warnings.writeHeld(5_000);
    warnings.warn(6_000, () => "later");
    expect(logged).toEqual(["first", "later"]);
  });

  test("each source holds its own: a retry does not replace a silent broker's WARN held back; the oldest goes first", () => {
    const { warnings, logged, wakes } = budget();
    warnings.warn(0, () => "first");
    warnings.warn(1_000, () => "silent broker", undefined, "unanswered");
    warnings.warn(2_000, () => "retry");
    warnings.writeHeld(5_000);
    expect([logged, wakes]).toEqual([
      ["first", "silent broker"],
      [5_000, 5_000, 10_000],
    ]);
    warnings.writeHeld(10_000);
    expect(logged).toEqual(["first", "silent broker", "retry"]);
  });

  test("a failed metadata ask's WARN held back replaces the one held before it: its slot is as old as the latest", () => {
    const { warnings, logged } = budget();
    warnings.warn(0, () => "first");
    warnings.warn(1_000, () => "metadata asked at 1000", undefined, "metadata");
    warnings.warn(2_000, () => "retry");
    warnings.warn(3_000, () => "metadata asked at 3000", undefined, "metadata");
    warnings.writeHeld(5_000);
    warnings.writeHeld(10_000);
    expect(logged).toEqual(["first", "retry", "metadata asked at 3000"]);
  });

  test("a WARN logged at once drops only its own source's WARN held back", () => {
    const { warnings, logged } = budget();
    warnings.warn(0, () => "first");
    warnings.warn(1_000, () => "silent broker", undefined, "unanswered");
    warnings.warn(5_000, () => "retry on time");
    warnings.writeHeld(10_000);
    expect(logged).toEqual(["first", "retry on time", "silent broker"]);
  });

  test("a batch still retried keeps its WARN held back when a later batch's, held in its place, settles first", () => {
    const { warnings, logged } = budget();
    let secondSettled = false;
    warnings.warn(0, () => "first");
    warnings.warn(1_000, () => "batch 1 retried");
    warnings.warn(
      2_000,
      () => "batch 2 retried",
      () => !secondSettled,
    );
    secondSettled = true;
    warnings.writeHeld(5_000);
    warnings.writeHeld(20_000);
    expect(logged).toEqual(["first", "batch 1 retried"]);
  });

  test("of the batches whose WARNs were held back and still retried, the latest is written, once", () => {
    const { warnings, logged } = budget();
    warnings.warn(0, () => "first");
    warnings.warn(1_000, () => "batch 1 retried");
    warnings.warn(2_000, () => "batch 2 retried");
    warnings.writeHeld(5_000);
    warnings.writeHeld(20_000);
    expect(logged).toEqual(["first", "batch 2 retried"]);
  });

  test("without a logger nothing is held nor woken for", () => {
    const { warnings, wakes } = budget(false);
    warnings.warn(0, () => "first");
    warnings.warn(1_000, () => "second");
    warnings.writeHeld(5_000);
    expect(wakes).toEqual([]);
  });
});
