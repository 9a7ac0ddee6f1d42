/**
 * Small concurrency primitives used by the runtime: a serial executor (the herder's "thread"),
 * a latch that wakes a waiting loop, waits bounded by an abort signal or a time, and `isPromise`.
 */
import { type Clock, systemClock, timerMs } from "./clock.ts";

/** A result that may or may not be a promise: awaited only when it is one (most stages are synchronous). */
export function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return value instanceof Promise;
}

/** Runs submitted operations one at a time, in submission order. */
export class SerialExecutor {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(operation: () => Promise<T> | T): Promise<T> {
    const result = this.tail.then(operation, operation);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

/**
 * A wake-up signal: `wait()` resolves at the next `notify()` (or at once if a notify came while
 * nobody waited). Every waiter is woken; several loops may wait on one signal.
 */
export class Signal {
  private pending = false;
  private readonly waiters = new Set<() => void>();

  notify(): void {
    if (this.waiters.size === 0) {
      this.pending = true;
      return;
    }
    const woken = [...this.waiters];
    this.waiters.clear();
    for (const wake of woken) wake();
  }

  wait(timeoutMs?: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const wake = () => {
        if (timer) clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      this.waiters.add(wake);
      if (timeoutMs !== undefined) timer = setTimeout(wake, timerMs(timeoutMs));
    });
  }
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export const ABORTED: unique symbol = Symbol("aborted");

/** `promise`'s value, or ABORTED as soon as `signal` aborts (the promise keeps running). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | typeof ABORTED> {
  if (signal.aborted) return Promise.resolve(ABORTED);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(ABORTED);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** The promise's value if it settles within `ms` on `clock`, else undefined (the promise goes on). */
export async function within<T>(promise: Promise<T>, ms: number, clock: Clock = systemClock): Promise<T | undefined> {
  const settled = new AbortController();
  const timeout = clock.sleep(ms, settled.signal).then(() => undefined);
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    settled.abort();
  }
}
