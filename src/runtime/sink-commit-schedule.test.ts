import { describe, expect, test } from "bun:test";
import { ManualClock } from "../util/manual-clock.ts";
import { SinkCommitSchedule } from "./sink-commit-schedule.ts";

/** A schedule of offset.flush.interval.ms 60 s from 0 whose commit may run while `can.run`. */
function schedule() {
  const clock = new ManualClock(0);
  const can = { run: true };
  return { clock, can, commits: new SinkCommitSchedule(clock, 60_000, () => can.run) };
}

describe("SinkCommitSchedule", () => {
  test("due every interval from the last commit started, and at once on request", () => {
    const { clock, commits } = schedule();
    clock.set(59_999);
    expect([commits.due, commits.nextInMs()]).toEqual([false, 1]);
    commits.request();
    expect(commits.due).toBe(true);
    commits.started();
    clock.set(60_000);
    expect([commits.due, commits.nextInMs()]).toEqual([false, 59_999]);
    clock.set(119_999);
    expect([commits.due, commits.nextInMs()]).toEqual([true, 0]);
  });

  describe("while the commit cannot run (a given-up commit still settling, no live consumer)", () => {
    test("it is not due however late, and due again, still late, as soon as it can run: the interval did not restart", () => {
      const { can, clock, commits } = schedule();
      can.run = false;
      clock.set(90_000);
      expect(commits.due).toBe(false);
      can.run = true;
      expect([commits.due, commits.nextInMs()]).toEqual([true, -30_000]);
    });

    test("a request stays pending until a commit starts", () => {
      const { can, commits } = schedule();
      can.run = false;
      commits.request();
      expect(commits.due).toBe(false);
      can.run = true;
      expect(commits.due).toBe(true);
      commits.started();
      expect(commits.due).toBe(false);
    });

    test("late, the loop's turn still comes every interval (skipped: no commit, and it stays late); not late, its time is kept", () => {
      const { can, clock, commits } = schedule();
      can.run = false;
      clock.set(10_000);
      expect([commits.turnDue, commits.nextInMs()]).toEqual([false, 50_000]);
      clock.set(60_000);
      expect([commits.turnDue, commits.due, commits.nextInMs()]).toEqual([true, false, 0]);
      commits.skipped();
      clock.set(119_999);
      expect([commits.turnDue, commits.nextInMs()]).toEqual([false, 1]);
      clock.set(120_000);
      expect(commits.turnDue).toBe(true);
      can.run = true; // still late from the last commit: due at once, the skipped turns aside
      expect([commits.due, commits.nextInMs()]).toEqual([true, -60_000]);
    });
  });
});
