import { afterEach, describe, expect, setSystemTime, spyOn, test } from "bun:test";
import RequestQueue from "kafkajs/src/network/requestQueue";
import "./protocol.ts";

const HOUR = 3_600_000;
const REQUEST_TIMEOUT_MS = 30_000;

const restore: (() => void)[] = [];
afterEach(() => {
  for (const undo of restore.splice(0)) undo();
});

/**
 * A connection's request queue whose monotonic reading (`performance.now()`) the test sets; its
 * timeout check interval is recorded, never armed: `check()` runs it once.
 */
function timedQueue({ enforce = true, connected = (): boolean => true } = {}) {
  let monotonic = 1000;
  const now = spyOn(performance, "now").mockImplementation(() => monotonic);
  const intervals: { fire: () => void; ms: number }[] = [];
  const cleared: unknown[] = [];
  const arm = spyOn(globalThis, "setInterval").mockImplementation(((fire: () => void, ms: number) => {
    intervals.push({ fire, ms });
    return intervals.length as unknown as ReturnType<typeof setInterval>;
  }) as typeof setInterval);
  const disarm = spyOn(globalThis, "clearInterval").mockImplementation(((id: unknown) => {
    cleared.push(id);
  }) as typeof clearInterval);
  const queue = new RequestQueue({
    maxInFlightRequests: null,
    requestTimeout: REQUEST_TIMEOUT_MS,
    enforceRequestTimeout: enforce,
    clientId: "t",
    broker: "b",
    logger: { debug() {} },
    isConnected: connected,
  });
  restore.push(() => {
    now.mockRestore();
    arm.mockRestore();
    disarm.mockRestore();
    setSystemTime();
  });
  queue.scheduleRequestTimeoutCheck();
  /** Sends a request (on the wire at once); the result says how it ended, if it did. */
  const request = (correlationId: number, sendRequest = () => {}) => {
    const outcome: { error?: Error; response?: unknown; thrown?: unknown } = {};
    const entry = {
      apiKey: 0,
      apiName: "Produce",
      apiVersion: 7,
      correlationId,
      resolve: (response: unknown) => {
        outcome.response = response;
      },
      reject: (error: Error) => {
        outcome.error = error;
      },
    };
    try {
      (queue as unknown as { push(r: object): void }).push({ entry, expectResponse: true, sendRequest });
    } catch (error) {
      outcome.thrown = error;
    }
    return outcome;
  };
  return {
    queue,
    intervals,
    cleared,
    request,
    check: () => intervals.at(-1)?.fire(),
    advance(ms: number) {
      monotonic += ms;
    },
  };
}

describe("kafkajs request timeouts (monotonic-request-timeout.ts)", () => {
  test.each([
    ["forward", HOUR],
    ["back", -HOUR],
  ])(
    "a request times out after request.timeout.ms on the monotonic clock when the wall clock steps %s an hour",
    (_, step) => {
      const q = timedQueue();
      const sent = q.request(1);
      setSystemTime(new Date(Date.now() + step));
      q.check();
      expect(sent).toEqual({});
      q.advance(REQUEST_TIMEOUT_MS);
      q.check();
      expect(sent).toEqual({});
      q.advance(1);
      q.check();
      expect(sent.error?.name).toBe("KafkaJSRequestTimeoutError");
      expect(sent.error?.message).toBe("Request Produce(key: 0, version: 7) timed out");
      expect(q.queue.inflight.size).toBe(0);
    },
  );

  test("each request has its own deadline; an answered one is not timed out", () => {
    const q = timedQueue();
    const first = q.request(1);
    q.advance(20_000);
    const second = q.request(2);
    const answered = q.request(3);
    (q.queue as unknown as { fulfillRequest(r: object): void }).fulfillRequest({
      correlationId: 3,
      payload: Buffer.alloc(0),
      size: 0,
    });
    q.advance(10_001);
    q.check();
    expect([first.error?.name, second, answered.error]).toEqual(["KafkaJSRequestTimeoutError", {}, undefined]);
    expect(answered.response).toMatchObject({ correlationId: 3, size: 0 });
    q.advance(20_000);
    q.check();
    expect(second.error?.name).toBe("KafkaJSRequestTimeoutError");
  });

  test("as in kafkajs: checked every min(request timeout, 100) ms, only when enforced, stopped once disconnected", () => {
    expect(timedQueue({ enforce: false }).intervals).toEqual([]);
    let connected = true;
    const q = timedQueue({ connected: () => connected });
    expect(q.intervals.map((i) => i.ms)).toEqual([100]);
    q.check();
    expect(q.cleared).toEqual([undefined]);
    connected = false;
    q.check();
    expect(q.cleared).toEqual([undefined, 1]);
  });

  test("as in kafkajs: a request whose send threw is timed out at the next check", () => {
    const q = timedQueue();
    const sent = q.request(1, () => {
      throw new Error("socket gone");
    });
    expect([(sent.thrown as Error).message, sent.error, q.queue.inflight.size]).toEqual(["socket gone", undefined, 1]);
    q.check();
    expect([sent.error?.name, q.queue.inflight.size]).toEqual(["KafkaJSRequestTimeoutError", 0]);
  });
});
