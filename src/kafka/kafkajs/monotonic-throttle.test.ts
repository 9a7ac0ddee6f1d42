import { afterEach, describe, expect, setSystemTime, spyOn, test } from "bun:test";
import RequestQueue from "kafkajs/src/network/requestQueue";
import "./protocol.ts";

const HOUR = 3_600_000;

/** A queue whose monotonic reading (`performance.now()`) the test sets; its check timers are recorded, never armed. */
function throttledQueue() {
  let monotonic = 1000;
  const now = spyOn(performance, "now").mockImplementation(() => monotonic);
  const delays: number[] = [];
  const timer = spyOn(globalThis, "setTimeout").mockImplementation(((_fire: () => void, ms: number) => {
    delays.push(ms);
    return 1 as unknown as ReturnType<typeof setTimeout>;
  }) as typeof setTimeout);
  const queue = new RequestQueue({
    maxInFlightRequests: null,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: "t",
    broker: "b",
    logger: { debug() {} },
  });
  restore.push(() => {
    now.mockRestore();
    timer.mockRestore();
    setSystemTime();
  });
  return {
    queue,
    delays,
    advance(ms: number) {
      monotonic += ms;
    },
  };
}

const restore: (() => void)[] = [];
afterEach(() => {
  for (const undo of restore.splice(0)) undo();
});

describe("kafkajs client-side throttling (monotonic-throttle.ts)", () => {
  test.each([
    ["back", -HOUR],
    ["forward", HOUR],
  ])("a broker's throttle time runs on the monotonic clock when the wall clock steps %s an hour", (_, step) => {
    const { queue, delays, advance } = throttledQueue();
    queue.maybeThrottle(500);
    setSystemTime(new Date(Date.now() + step));
    expect(queue.canSendSocketRequestImmediately()).toBe(false);
    queue.pending.push({});
    queue.scheduleCheckPendingRequests();
    expect(delays).toEqual([500]);
    advance(499);
    expect(queue.canSendSocketRequestImmediately()).toBe(false);
    advance(1);
    expect(queue.canSendSocketRequestImmediately()).toBe(true);
  });

  test("nothing pending and nothing throttled: no check is scheduled (kafkajs armed a negative delay)", () => {
    const { queue, delays } = throttledQueue();
    queue.scheduleCheckPendingRequests();
    expect(delays).toEqual([]);
    queue.pending.push({});
    queue.scheduleCheckPendingRequests();
    expect(delays).toEqual([10]);
  });
});
