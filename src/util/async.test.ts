import { describe, expect, test } from "bun:test";
import { ABORTED, abortable, deferred, SerialExecutor, Signal } from "./async.ts";

describe("Signal", () => {
  test("wakes every waiter", async () => {
    const signal = new Signal();
    const woken: string[] = [];
    const a = signal.wait().then(() => woken.push("a"));
    const b = signal.wait().then(() => woken.push("b"));
    signal.notify();
    await Promise.all([a, b]);
    expect(woken.sort()).toEqual(["a", "b"]);
  });

  test("remembers a notify that came while nobody waited", async () => {
    const signal = new Signal();
    signal.notify();
    await signal.wait();
  });
});

describe("SerialExecutor", () => {
  test("runs operations one at a time, in order, past failures", async () => {
    const executor = new SerialExecutor();
    const order: number[] = [];
    const gate = deferred<void>();
    const first = executor.run(() => gate.promise.then(() => void order.push(1)));
    const failing = executor.run(() => {
      throw new Error("boom");
    });
    const third = executor.run(() => void order.push(3));
    expect(order).toEqual([]);
    gate.resolve();
    await first;
    await expect(failing).rejects.toThrow("boom");
    await third;
    expect(order).toEqual([1, 3]);
  });
});

describe("abortable", () => {
  test("yields the value, or ABORTED as soon as the signal aborts", async () => {
    expect(await abortable(Promise.resolve(7), new AbortController().signal)).toBe(7);
    const controller = new AbortController();
    const never = new Promise<number>(() => {});
    const result = abortable(never, controller.signal);
    controller.abort();
    expect((await result) === ABORTED).toBe(true);
  });
});
