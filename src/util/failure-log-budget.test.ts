import { describe, expect, test } from "bun:test";
import { FailureLogBudget, notLoggedNote } from "./failure-log-budget.ts";
import { ManualClock } from "./manual-clock.ts";

describe("FailureLogBudget", () => {
  test("lets the first five through, then one a minute with the count it did not; a reset starts over", () => {
    const clock = new ManualClock();
    const budget = new FailureLogBudget(clock);
    const admitted = [];
    for (let s = 0; s < 130; s += 10) {
      clock.set(s * 1000);
      admitted.push([s, budget.admit()]);
    }
    expect(admitted.filter(([, a]) => a !== undefined)).toEqual([
      [0, { logged: 0, unlogged: 0, thinned: false }],
      [10, { logged: 1, unlogged: 0, thinned: false }],
      [20, { logged: 2, unlogged: 0, thinned: false }],
      [30, { logged: 3, unlogged: 0, thinned: false }],
      [40, { logged: 4, unlogged: 0, thinned: false }],
      [100, { logged: 5, unlogged: 5, thinned: true }],
    ]);
    expect(budget.notLogged).toBe(2);
    expect(budget.reset()).toBe(2);
    expect(budget.admit()).toEqual({ logged: 0, unlogged: 0, thinned: false });
  });

  test("the note names the count, singular or plural, and is empty for none", () => {
    expect([notLoggedNote(0, "commit"), notLoggedNote(1, "commit"), notLoggedNote(3, "attempt")]).toEqual([
      "",
      " (1 failed commit not logged)",
      " (3 failed attempts not logged)",
    ]);
  });
});
