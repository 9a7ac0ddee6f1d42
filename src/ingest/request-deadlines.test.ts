import { describe, expect, test } from "bun:test";
import { IngestQueue } from "../connectors/http-ingest/ingest-queue.ts";
import { toSourceRecord } from "../connectors/http-ingest/task.ts";
import { monotonicView } from "../util/clock.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { CLIENT_WATCH_DELAY_MS, type ClientRequest, RequestDeadlines } from "./request-deadlines.ts";
import { CLIENT_GONE_MESSAGE, timeoutMessage } from "./submission-signal.ts";

/** Lets the promise callbacks of a woken sleep run. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

function reasonOf(signal: { reason: unknown }): string {
  return (signal.reason as Error).message;
}

describe("RequestDeadlines", () => {
  test("a request aborts when the clock reaches its start + timeout, not a millisecond before", async () => {
    const clock = new ManualClock(1000);
    const deadlines = new RequestDeadlines(clock);
    const request = deadlines.start(500);
    const calls: string[] = [];
    request.addEventListener("abort", () => calls.push("first"));
    request.addEventListener("abort", () => calls.push("second"));
    clock.advance(499);
    await settle();
    expect(request.aborted).toBe(false);
    clock.advance(1);
    await settle();
    expect(request.aborted).toBe(true);
    expect(reasonOf(request)).toBe(timeoutMessage(500));
    expect(reasonOf(request)).toBe("Kafka did not acknowledge the records within 500 ms (ingest.request.timeout.ms)");
    expect(calls).toEqual(["first", "second"]);
    expect(deadlines.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  test("a request that ends first never aborts, and with nothing in flight no timer is armed", async () => {
    const clock = new ManualClock();
    const deadlines = new RequestDeadlines(clock);
    const request = deadlines.start(1000);
    let called = false;
    request.addEventListener("abort", () => {
      called = true;
    });
    expect(clock.pending).toBe(1);
    request.end();
    expect(clock.pending).toBe(0);
    clock.advance(1000);
    await settle();
    expect(request.aborted).toBe(false);
    expect(called).toBe(false);
  });

  test("a timer due within CLIENT_WATCH_DELAY_MS stays when the last request ends, fires once and is not re-armed", async () => {
    const clock = new ManualClock();
    const deadlines = new RequestDeadlines(clock);
    deadlines.start(CLIENT_WATCH_DELAY_MS).end();
    expect(clock.pending).toBe(1);
    const next = deadlines.start(CLIENT_WATCH_DELAY_MS); // reuses the armed timer
    expect(clock.pending).toBe(1);
    next.end();
    clock.advance(CLIENT_WATCH_DELAY_MS);
    await settle();
    expect(next.aborted).toBe(false);
    expect(clock.pending).toBe(0);
  });

  test("many requests share one timer; each aborts at its own deadline, in order", async () => {
    const clock = new ManualClock();
    const deadlines = new RequestDeadlines(clock);
    const requests = [];
    for (let i = 0; i < 100; i++) {
      requests.push(deadlines.start(2000));
      clock.advance(10);
    }
    expect(clock.pending).toBe(1);
    // Half of them end (the odd ones), the rest time out one by one as their deadlines pass.
    for (let i = 1; i < 100; i += 2) requests[i]!.end();
    clock.set(2000 + 10 * 49); // the deadline of request 49 (started at 490)
    await settle();
    expect(requests.map((r) => r.aborted)).toEqual(requests.map((_, i) => i % 2 === 0 && i <= 49));
    expect(clock.pending).toBe(1);
    clock.set(2000 + 10 * 99);
    await settle();
    expect(requests.map((r) => r.aborted)).toEqual(requests.map((_, i) => i % 2 === 0));
    expect(deadlines.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  test("thousands of requests ending behind one still in flight: each later one still aborts at its own deadline", async () => {
    const clock = new ManualClock();
    const deadlines = new RequestDeadlines(clock);
    const stuck = deadlines.start(1000);
    const later = [];
    // Enough ended requests behind the stuck one to compact its lane more than once, in and out of order.
    for (let i = 0; i < 20_000; i++) {
      const request = deadlines.start(1000);
      if (i % 1000 === 999) later.push(request);
      else if (i % 2 === 0) request.end();
      else later.push(request);
      if (i % 4 === 3) for (const r of later.splice(0, 2)) r.end();
    }
    const survivors = later.filter((r) => r.open);
    expect(deadlines.size).toBe(1 + survivors.length);
    let throwing = 0;
    stuck.addEventListener("abort", () => {
      throwing++;
      throw new Error("a listener failing");
    });
    stuck.addEventListener("abort", { handleEvent: () => throwing++ });
    clock.advance(1000);
    await settle();
    expect(stuck.aborted).toBe(true);
    expect(throwing).toBe(2); // the second listener ran after the first threw
    expect(survivors.every((r) => r.aborted)).toBe(true);
    expect(deadlines.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  test("a shorter timeout started later aborts first (the timer is re-armed earlier)", async () => {
    const clock = new ManualClock();
    const deadlines = new RequestDeadlines(clock);
    const long = deadlines.start(30_000);
    clock.advance(100);
    const short = deadlines.start(200);
    clock.advance(200);
    await settle();
    expect(short.aborted).toBe(true);
    expect(reasonOf(short)).toBe(timeoutMessage(200));
    expect(long.aborted).toBe(false);
    clock.advance(29_699);
    await settle();
    expect(long.aborted).toBe(false);
    clock.advance(1);
    await settle();
    expect(reasonOf(long)).toBe(timeoutMessage(30_000));
  });

  describe("when the wall clock steps (NTP correcting an edge host)", () => {
    test.each([
      ["forward by an hour", 3_600_000],
      ["back by an hour", -3_600_000],
    ])("stepping %s neither times out nor extends the requests in flight", async (_name, step) => {
      const clock = new ManualClock(1_800_000_000_000);
      // As ingest-handler.ts builds it.
      const deadlines = new RequestDeadlines(monotonicView(clock));
      const early = deadlines.start(1000);
      clock.advance(400);
      const late = deadlines.start(1000);
      clock.stepWallClock(step);
      // A request started after the step still counts from its own start.
      clock.advance(100);
      const afterStep = deadlines.start(1000);
      await settle();
      expect([early.aborted, late.aborted, afterStep.aborted]).toEqual([false, false, false]);
      clock.advance(499); // 999 ms after `early` started
      await settle();
      expect([early.aborted, late.aborted, afterStep.aborted]).toEqual([false, false, false]);
      clock.advance(1); // 1000 ms after `early` started
      await settle();
      expect([early.aborted, late.aborted, afterStep.aborted]).toEqual([true, false, false]);
      clock.advance(400); // 1000 ms after `late` started
      await settle();
      expect([early.aborted, late.aborted, afterStep.aborted]).toEqual([true, true, false]);
      clock.advance(100); // 1000 ms after `afterStep` started
      await settle();
      expect([early.aborted, late.aborted, afterStep.aborted]).toEqual([true, true, true]);
      expect(reasonOf(afterStep)).toBe(timeoutMessage(1000));
      expect(clock.pending).toBe(0);
    });
  });

  test("the client going away aborts the request; after the request ended it does nothing", async () => {
    const deadlines = new RequestDeadlines(new ManualClock());
    const client = new AbortController();
    const request = deadlines.start(1000);
    request.watch(client.signal);
    client.abort();
    expect(request.aborted).toBe(true);
    expect(reasonOf(request)).toBe(CLIENT_GONE_MESSAGE);
    expect(deadlines.size).toBe(0);

    const laterClient = new AbortController();
    const ended = deadlines.start(1000);
    ended.watch(laterClient.signal);
    ended.end();
    laterClient.abort();
    expect(ended.aborted).toBe(false);
  });

  describe("when a request is given its client", () => {
    /** A request whose signal counts how often it is read (Bun makes it when first read). */
    function clientRequest() {
      const controller = new AbortController();
      const client = {
        reads: 0,
        get signal() {
          client.reads++;
          return controller.signal;
        },
      } satisfies ClientRequest & { reads: number };
      return { client, leave: () => controller.abort() };
    }

    test("a client gone before the watch is due aborts the request when it is due, not before", async () => {
      const clock = new ManualClock();
      const deadlines = new RequestDeadlines(clock);
      const { client, leave } = clientRequest();
      const request = deadlines.start(30_000, client);
      clock.advance(10);
      leave();
      clock.advance(CLIENT_WATCH_DELAY_MS - 11);
      await settle();
      expect(request.aborted).toBe(false);
      expect(client.reads).toBe(0);
      clock.advance(1);
      await settle();
      expect(request.aborted).toBe(true);
      expect(reasonOf(request)).toBe(CLIENT_GONE_MESSAGE);
      expect(deadlines.size).toBe(0);
      expect(clock.pending).toBe(0);
    });

    test("a client leaving after the watch began aborts the request at once", async () => {
      const clock = new ManualClock();
      const deadlines = new RequestDeadlines(clock);
      const { client, leave } = clientRequest();
      const request = deadlines.start(30_000, client);
      clock.advance(CLIENT_WATCH_DELAY_MS);
      await settle();
      expect(client.reads).toBe(1);
      expect(request.aborted).toBe(false);
      leave();
      expect(reasonOf(request)).toBe(CLIENT_GONE_MESSAGE);
      expect(clock.pending).toBe(0);
    });

    test("requests answered before their watch is due never read their client's signal", async () => {
      const clock = new ManualClock();
      const deadlines = new RequestDeadlines(clock);
      const quick = Array.from({ length: 50 }, () => clientRequest());
      const slow = clientRequest();
      const slowRequest = deadlines.start(30_000, slow.client);
      for (const { client } of quick) {
        deadlines.start(30_000, client).end();
        clock.advance(1);
      }
      expect(clock.pending).toBe(1); // one timer for the deadlines and the watches
      clock.advance(CLIENT_WATCH_DELAY_MS);
      await settle();
      expect(quick.map(({ client }) => client.reads)).toEqual(quick.map(() => 0));
      expect(slow.client.reads).toBe(1);
      slow.leave();
      expect(slowRequest.aborted).toBe(true);
      expect(clock.pending).toBe(0);
    });
  });

  test("a listener added after the abort is not called (as on an AbortSignal)", async () => {
    const clock = new ManualClock();
    const request = new RequestDeadlines(clock).start(1);
    clock.advance(1);
    await settle();
    let called = false;
    request.addEventListener("abort", () => {
      called = true;
    });
    expect(request.aborted).toBe(true);
    expect(called).toBe(false);
  });

  test("an IngestQueue withdraws the queued records of a request that timed out (not written)", async () => {
    const clock = new ManualClock();
    const deadlines = new RequestDeadlines(clock);
    const q = new IngestQueue({ maxQueued: 10, maxPoll: 10, retryAfterSeconds: 3, toSourceRecord });
    const record = { key: null, value: 1, headers: [], partition: null, timestamp: 7, bytes: 1 };
    const signal = deadlines.start(1500);
    const outcome = q.submit({ topic: "t", records: [record], signal });
    clock.advance(1500);
    expect(await outcome).toEqual([
      { kind: "failed", message: timeoutMessage(1500), retriable: true, maybeWritten: false },
    ]);
    expect(q.pending).toBe(0);
  });
});

describe("RequestAbort.removeEventListener", () => {
  test("a removed listener is not called; the next one added takes its place", async () => {
    const clock = new ManualClock(0);
    const deadlines = new RequestDeadlines(clock);
    const signal = deadlines.start(1000);
    const calls: string[] = [];
    const first = () => calls.push("first");
    signal.addEventListener("abort", first);
    signal.removeEventListener("abort", first);
    signal.addEventListener("abort", () => calls.push("second"));
    signal.addEventListener("abort", () => calls.push("third"));
    clock.advance(1000);
    await settle();
    expect(calls).toEqual(["second", "third"]);
  });
});
