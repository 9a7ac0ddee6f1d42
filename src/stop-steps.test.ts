import { describe, expect, test } from "bun:test";
import { waitFor } from "../test/support/wait-for.ts";
import { stopSteps } from "./stop-steps.ts";
import { ManualClock } from "./util/manual-clock.ts";

describe("stopSteps", () => {
  test("a step that fails fails the stop once the later steps ran", async () => {
    const ran: string[] = [];
    const steps = stopSteps(
      [
        {
          name: "a",
          run: () => {
            ran.push("a");
            throw new Error("a broke");
          },
        },
        { name: "b", run: async () => void ran.push("b") },
      ],
      { warn: () => {} },
    );
    await expect(steps.run()).rejects.toThrow("a broke");
    expect(ran).toEqual(["a", "b"]);
  });

  test("run called again (a second App.stop) is the same stop: each step runs once", async () => {
    const ran: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const steps = stopSteps(
      [
        {
          name: "a",
          run: () => {
            ran.push("a");
            return held;
          },
        },
        { name: "b", run: () => void ran.push("b") },
      ],
      { warn: () => {} },
    );
    const first = steps.run();
    const second = steps.run();
    expect(second).toBe(first);
    release();
    await Promise.all([first, second]);
    await steps.run();
    expect(ran).toEqual(["a", "b"]);
  });

  test("a step that settles within its limit is waited for, and its failure fails the stop", async () => {
    const ran: string[] = [];
    const warnings: string[] = [];
    const clock = new ManualClock();
    let releaseQuick: (() => void) | undefined;
    const steps = stopSteps(
      [
        {
          name: "the quick one",
          run: () => new Promise<void>((resolve) => (releaseQuick = resolve)).then(() => void ran.push("quick")),
          limitMs: 60_000,
        },
        { name: "the broken one", run: () => Promise.reject(new Error("broke")), limitMs: 60_000 },
        { name: "the last one", run: () => void ran.push("last") },
      ],
      { warn: (m) => warnings.push(m) },
      clock,
    );
    const stopping = steps.run();
    expect(steps.current()).toBe("the quick one");
    (await waitFor(() => releaseQuick, { what: "the quick step started" }))();
    await expect(stopping).rejects.toThrow("broke");
    expect(ran).toEqual(["quick", "last"]);
    expect(steps.givenUp()).toEqual([]);
    expect(warnings).toEqual([]);
    // Each limit was waited for on the clock, and its wait ended with its step.
    expect(clock.sleeps).toEqual([60_000, 60_000]);
    expect(clock.pending).toBe(0);
  });

  test("names the step in progress, and those given up on at their limit", async () => {
    const warnings: string[] = [];
    const clock = new ManualClock();
    let current: string | undefined;
    const steps = stopSteps(
      [
        { name: "the stuck one", run: () => new Promise<void>(() => {}), limitMs: 5000 },
        {
          name: "the last one",
          run: () => {
            current = steps.current();
          },
        },
      ],
      { warn: (m) => warnings.push(m) },
      clock,
    );
    let stopped = false;
    const stopping = steps.run().then(() => (stopped = true));
    await waitFor(() => clock.pending === 1 || undefined, { what: "the stuck step's limit armed" });
    clock.advance(4999);
    // Every microtask a wake-up would queue runs before the next macrotask.
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    expect(steps.current()).toBe("the stuck one");
    expect(steps.givenUp()).toEqual([]);
    clock.advance(1);
    await stopping;
    expect(current).toBe("the last one");
    expect(steps.current()).toBeUndefined();
    expect(steps.givenUp()).toEqual(["the stuck one"]);
    expect(warnings).toEqual(["Gave up waiting for the stuck one to stop after 5 s; the stop goes on without it"]);
  });
});
