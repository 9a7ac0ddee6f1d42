import { expect, test } from "bun:test";
import { StateRatios } from "./state-ratios.ts";

test("running-ratio and pause-ratio: the fractions of the time since the first state change (Connect's StateTracker)", () => {
  let now = 5_000;
  const ratios = new StateRatios(() => now);
  expect([ratios.ratio("RUNNING"), ratios.ratio("PAUSED")]).toEqual([0, 0]);
  ratios.change("RUNNING");
  expect(ratios.ratio("RUNNING")).toBe(1);
  now += 30_000;
  ratios.change("PAUSED");
  ratios.change("PAUSED"); // the same state again changes nothing
  now += 10_000;
  expect([ratios.ratio("RUNNING"), ratios.ratio("PAUSED")]).toEqual([0.75, 0.25]);
  ratios.change("RUNNING");
  now += 40_000;
  expect([ratios.ratio("RUNNING"), ratios.ratio("PAUSED")]).toEqual([70 / 80, 10 / 80]);
  ratios.change("FAILED");
  now += 20_000;
  expect([ratios.ratio("RUNNING"), ratios.ratio("PAUSED"), ratios.ratio("FAILED")]).toEqual([0.7, 0.1, 0.2]);
});
