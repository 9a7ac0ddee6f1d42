import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { ProducedMetadata, ProducerRecord } from "../kafka/kafka-port.ts";
import { type Deferred, deferred } from "../util/async.ts";
import { LogManager } from "../util/logger.ts";
import { type BatchResult, recordBytes, SendCoalescer, type Sender, type SendOutcome } from "./send-coalescer.ts";

interface Item {
  readonly name: string;
  readonly produced: ProducerRecord;
}

const item = (name: string, valueBytes = 10): Item => ({
  name,
  produced: { topic: "t", partition: null, key: null, value: new Uint8Array(valueBytes), headers: [], timestamp: null },
});

const meta = (offset: number): ProducedMetadata => ({ topic: "t", partition: 0, offset, timestamp: null });

/**
 * A sender whose attempts and recoveries the test settles, in any order; each request's record
 * names are kept (attempts and recoveries alike, in call order).
 */
class ManualSender {
  readonly requests: string[][] = [];
  readonly attempts: { names: string[]; done: Deferred<(ProducedMetadata | null)[]>; settled: boolean }[] = [];
  readonly recoveries: { names: string[]; error: unknown; done: Deferred<SendOutcome> }[] = [];
  /** Each time the coalescer said its recovery ended: how many requests had been made then. */
  readonly recoveryEnds: number[] = [];
  private offset = 0;
  readonly sender: Sender<Item> = {
    attempt: (records) => {
      const names = records.map((r) => r.name);
      this.requests.push(names);
      const done = deferred<(ProducedMetadata | null)[]>();
      this.attempts.push({ names, done, settled: false });
      return done.promise;
    },
    recover: (records, error) => {
      const names = records.map((r) => r.name);
      this.requests.push(names);
      const done = deferred<SendOutcome>();
      this.recoveries.push({ names, error, done });
      return done.promise;
    },
    recovered: () => void this.recoveryEnds.push(this.requests.length),
  };
  private metadata(n: number): ProducedMetadata[] {
    return Array.from({ length: n }, () => meta(this.offset++));
  }
  /** Acknowledges attempt `index` (default: the oldest open one) whole. */
  ack(index = this.attempts.findIndex((a) => !a.settled)): void {
    const a = this.attempts[index]!;
    a.settled = true;
    a.done.resolve(this.metadata(a.names.length));
  }
  fail(index: number, error: unknown): void {
    const a = this.attempts[index]!;
    a.settled = true;
    a.done.reject(error);
  }
  /** Settles the oldest open recovery: all of its records, or only the first `count`. */
  recovered(count?: number, failure?: unknown): void {
    const r = this.recoveries.shift()!;
    const metadata = this.metadata(count ?? r.names.length);
    r.done.resolve(failure === undefined ? { metadata } : { metadata, failure: { error: failure } });
  }
  get open(): number {
    return this.attempts.filter((a) => !a.settled).length;
  }
}

const quiet = new LogManager({ sink: () => {} }).get("test");

const options = (maxRequests = 1, maxRequestBytes = 1_048_576, maxInFlightBytes = 33_554_432, log = quiet) => ({
  maxRequestBytes,
  maxRequests: () => maxRequests,
  maxInFlightBytes,
  log,
});

/** Collects each batch's settlement, in the order they happen. */
function track(coalescer: SendCoalescer<Item>, log: string[], label: string, records: Item[]): Promise<BatchResult> {
  const done = coalescer.enqueue(records);
  done.then(
    (result) => log.push(`${label}:${result === undefined ? "undefined" : result.map((m) => m?.offset).join(",")}`),
    (error) => log.push(`${label}:failed ${String(error)}`),
  );
  return done;
}

describe("SendCoalescer", () => {
  test("batches queued while a request is on the wire go out merged in the next one; each settles on its own, in order", async () => {
    const sender = new ManualSender();
    const coalescer = new SendCoalescer(sender.sender, options());
    const log: string[] = [];
    track(coalescer, log, "A", [item("a1"), item("a2")]);
    track(coalescer, log, "B", [item("b1")]);
    track(coalescer, log, "C", [item("c1"), item("c2")]);
    expect(sender.requests).toEqual([["a1", "a2"]]);
    sender.ack();
    await waitFor(() => sender.requests.length === 2);
    expect(sender.requests[1]).toEqual(["b1", "c1", "c2"]);
    expect(log).toEqual(["A:0,1"]);
    track(coalescer, log, "D", [item("d1")]);
    sender.ack();
    await waitFor(() => sender.requests.length === 3);
    expect(log).toEqual(["A:0,1", "B:2", "C:3,4"]);
    sender.ack();
    await waitFor(() => log.length === 4);
    expect(log[3]).toBe("D:5");
  });

  test("a merged request stays within max.request.size: a batch may span requests, an oversized record goes alone", async () => {
    const sender = new ManualSender();
    const small = recordBytes(item("x").produced);
    const coalescer = new SendCoalescer(sender.sender, options(1, small * 2));
    const log: string[] = [];
    track(coalescer, log, "A", [item("a1")]);
    track(coalescer, log, "B", [item("b1"), item("b2"), item("b3")]);
    track(coalescer, log, "C", [item("big", small * 3), item("c2")]);
    for (let i = 0; i < 5; i++) {
      await waitFor(() => sender.open === 1);
      sender.ack();
    }
    await waitFor(() => log.length === 3);
    expect(sender.requests).toEqual([["a1"], ["b1", "b2"], ["b3"], ["big"], ["c2"]]);
    expect(log).toEqual(["A:0", "B:1,2,3", "C:4,5"]);
  });

  test("a recovered request that fails for good in the middle settles the batches before, fails the one holding the record, abandons the rest", async () => {
    const sender = new ManualSender();
    const coalescer = new SendCoalescer(sender.sender, options());
    const log: string[] = [];
    track(coalescer, log, "A", [item("a1")]);
    track(coalescer, log, "B", [item("b1")]);
    track(coalescer, log, "C", [item("c1"), item("c2")]);
    track(coalescer, log, "D", [item("d1")]);
    sender.ack();
    await waitFor(() => sender.requests.length === 2);
    sender.fail(1, new Error("rejected"));
    await waitFor(() => sender.recoveries.length === 1);
    expect(sender.recoveries[0]!.error).toEqual(new Error("rejected"));
    // b1 and c1 written, c2 failed: B is acknowledged, C fails, D is never sent.
    sender.recovered(2, new Error("record too large"));
    await waitFor(() => log.length === 4);
    expect(log).toEqual(["A:0", "B:1", "C:failed Error: record too large", "D:undefined"]);
    expect(await coalescer.enqueue([item("e1")])).toBeUndefined();
    expect(sender.requests).toHaveLength(3);
  });

  test("a request cut short by a stop (no failure) settles the unsent batches with undefined", async () => {
    const sender = new ManualSender();
    const coalescer = new SendCoalescer(sender.sender, options());
    const log: string[] = [];
    track(coalescer, log, "A", [item("a1"), item("a2")]);
    track(coalescer, log, "B", [item("b1")]);
    sender.fail(0, new Error("stopping"));
    await waitFor(() => sender.recoveries.length === 1);
    sender.recovered(1);
    await waitFor(() => log.length === 2);
    expect(log).toEqual(["A:undefined", "B:undefined"]);
    expect(sender.requests).toEqual([
      ["a1", "a2"],
      ["a1", "a2"],
    ]);
  });

  test("a recovery that throws counts as a failure of the request's first record", async () => {
    const coalescer = new SendCoalescer<Item>(
      {
        attempt: async () => {
          throw new Error("attempt");
        },
        recover: async () => {
          throw new Error("boom");
        },
      },
      options(),
    );
    const log: string[] = [];
    const a = track(coalescer, log, "A", [item("a1")]);
    const b = track(coalescer, log, "B", [item("b1")]);
    await Promise.allSettled([a, b]);
    expect(log).toEqual(["A:failed Error: boom", "B:undefined"]);
  });
});

describe("SendCoalescer with several requests in flight", () => {
  test("starts up to maxRequests requests at once and merges what is queued behind them", async () => {
    const sender = new ManualSender();
    const coalescer = new SendCoalescer(sender.sender, options(3));
    const log: string[] = [];
    for (const name of ["a", "b", "c", "d", "e"]) track(coalescer, log, name.toUpperCase(), [item(`${name}1`)]);
    expect(sender.requests).toEqual([["a1"], ["b1"], ["c1"]]);
    sender.ack(0);
    await waitFor(() => sender.requests.length === 4);
    expect(sender.requests[3]).toEqual(["d1", "e1"]);
  });

  test("a single small batch starts a request at once while there is room, whatever is already on the wire", async () => {
    const sender = new ManualSender();
    const coalescer = new SendCoalescer(sender.sender, options(5));
    const log: string[] = [];
    track(coalescer, log, "A", [item("a1")]);
    track(coalescer, log, "B", [item("b1")]);
    // No waiting for more bytes or an acknowledgement (as Java's producer with linger.ms=0).
    expect(sender.requests).toEqual([["a1"], ["b1"]]);
    sender.ack(0);
    await waitFor(() => log.length === 1);
    track(coalescer, log, "C", [item("c1")]);
    expect(sender.requests).toEqual([["a1"], ["b1"], ["c1"]]);
    sender.ack(1);
    sender.ack(2);
    await waitFor(() => log.length === 3);
    expect(log).toEqual(["A:0", "B:1", "C:2"]);
  });

  test("acknowledgements out of order: batches settle strictly in queue order", async () => {
    const sender = new ManualSender();
    const coalescer = new SendCoalescer(sender.sender, options(3));
    const log: string[] = [];
    track(coalescer, log, "A", [item("a1")]);
    track(coalescer, log, "B", [item("b1"), item("b2")]);
    track(coalescer, log, "C", [item("c1")]);
    sender.ack(2);
    sender.ack(1);
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(log).toEqual([]);
    sender.ack(0);
    await waitFor(() => log.length === 3);
    // Offsets come from the order the sender acknowledged: C first, then B, then A.
    expect(log).toEqual(["A:3", "B:1,2", "C:0"]);
  });

  test("the byte bound holds a request back until earlier ones settle (one larger request still goes alone)", async () => {
    const sender = new ManualSender();
    const size = recordBytes(item("x").produced);
    const coalescer = new SendCoalescer(sender.sender, options(5, size, size * 2));
    const log: string[] = [];
    for (const name of ["a", "b", "c"]) track(coalescer, log, name.toUpperCase(), [item(`${name}1`)]);
    expect(sender.requests).toEqual([["a1"], ["b1"]]);
    sender.ack(0);
    await waitFor(() => sender.requests.length === 3);
    expect(sender.requests[2]).toEqual(["c1"]);
  });

  test("a failed attempt stops new requests; once all settled, the failed one is recovered, the sender told, then later outcomes handed back in order", async () => {
    const sender = new ManualSender();
    const coalescer = new SendCoalescer(sender.sender, options(3));
    const log: string[] = [];
    for (const name of ["a", "b", "c", "d"]) track(coalescer, log, name.toUpperCase(), [item(`${name}1`)]);
    expect(sender.requests).toEqual([["a1"], ["b1"], ["c1"]]);
    sender.fail(1, new Error("NOT_LEADER_OR_FOLLOWER"));
    sender.ack(0);
    await waitFor(() => log.length === 1);
    // c1 still on the wire: no recovery yet, and d1 waits.
    expect(sender.recoveries).toHaveLength(0);
    expect(sender.requests).toHaveLength(3);
    sender.fail(2, new Error("producer failed"));
    await waitFor(() => sender.recoveries.length === 1);
    expect(sender.recoveries[0]!.names).toEqual(["b1"]);
    sender.recovered();
    await waitFor(() => sender.recoveries.length === 1 && sender.recoveries[0]!.names[0] === "c1");
    expect(log).toEqual(["A:0", "B:1"]);
    expect(sender.recoveryEnds).toEqual([]);
    sender.recovered();
    // Pipelining resumes with what was queued, once the sender was told the recovery ended.
    await waitFor(() => sender.requests.length === 6);
    expect(sender.requests[5]).toEqual(["d1"]);
    expect(sender.recoveryEnds).toEqual([5]);
    sender.ack(3);
    await waitFor(() => log.length === 4);
    expect(log).toEqual(["A:0", "B:1", "C:2", "D:3"]);
  });

  test("a failure recovered only in part abandons later batches, also those Kafka acknowledged meanwhile", async () => {
    const sender = new ManualSender();
    const coalescer = new SendCoalescer(sender.sender, options(3));
    const log: string[] = [];
    for (const name of ["a", "b", "c"]) track(coalescer, log, name.toUpperCase(), [item(`${name}1`)]);
    sender.fail(0, new Error("timeout"));
    sender.ack(1);
    sender.ack(2);
    await waitFor(() => sender.recoveries.length === 1);
    expect(log).toEqual([]);
    sender.recovered(0, new Error("delivery timeout"));
    await waitFor(() => log.length === 3);
    expect(log).toEqual(["A:failed Error: delivery timeout", "B:undefined", "C:undefined"]);
    expect(sender.recoveryEnds).toEqual([4]);
  });

  test("a sender whose `recovered` throws: the failure is logged and the batches queued meanwhile are sent", async () => {
    const sender = new ManualSender();
    const lines: string[] = [];
    const log = new LogManager({ sink: (line) => void lines.push(line) }).get("test");
    const coalescer = new SendCoalescer<Item>(
      {
        ...sender.sender,
        recovered: () => {
          throw new Error("hook failed");
        },
      },
      options(3, undefined, undefined, log),
    );
    const results: string[] = [];
    track(coalescer, results, "A", [item("a1")]);
    sender.fail(0, new Error("timeout"));
    await waitFor(() => sender.recoveries.length === 1);
    track(coalescer, results, "B", [item("b1")]); // queued: no request starts during a recovery
    expect(sender.requests).toEqual([["a1"], ["a1"]]);
    sender.recovered();
    await waitFor(() => sender.requests.length === 3, { what: "the queued batch sent after the recovery" });
    expect(sender.requests[2]).toEqual(["b1"]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(
      "ERROR The sender failed when told its recovery ended; sending goes on\nError: hook failed",
    );
    sender.ack(1);
    await waitFor(() => results.length === 2);
    expect(results).toEqual(["A:0", "B:1"]);
  });
});
