import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { ProducedMetadata, ProducerRecord } from "../kafka/kafka-port.ts";
import { type Deferred, deferred } from "../util/async.ts";
import { type BatchResult, recordBytes, SendCoalescer, type SendOutcome } from "./send-coalescer.ts";

interface Item {
  readonly name: string;
  readonly produced: ProducerRecord;
}

const item = (name: string, valueBytes = 10): Item => ({
  name,
  produced: { topic: "t", partition: null, key: null, value: new Uint8Array(valueBytes), headers: [], timestamp: null },
});

const meta = (offset: number): ProducedMetadata => ({ topic: "t", partition: 0, offset, timestamp: null });

/** A sender whose requests the test settles one by one; each request's record names are kept. */
class ManualSender {
  readonly requests: string[][] = [];
  private readonly pending: Deferred<SendOutcome>[] = [];
  private offset = 0;
  readonly send = (records: readonly Item[]): Promise<SendOutcome> => {
    this.requests.push(records.map((r) => r.name));
    const d = deferred<SendOutcome>();
    this.pending.push(d);
    return d.promise;
  };
  /** Acknowledges the oldest open request: all of its records, or only the first `count`. */
  ack(count?: number, failure?: unknown): void {
    const names = this.requests[this.requests.length - this.pending.length]!;
    const n = count ?? names.length;
    const metadata = Array.from({ length: n }, () => meta(this.offset++));
    this.pending.shift()!.resolve(failure === undefined ? { metadata } : { metadata, failure: { error: failure } });
  }
  get open(): number {
    return this.pending.length;
  }
}

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
    const coalescer = new SendCoalescer(sender.send, 1_048_576);
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
    expect(coalescer.size).toBe(0);
  });

  test("a merged request stays within max.request.size: a batch may span requests, an oversized record goes alone", async () => {
    const sender = new ManualSender();
    const small = recordBytes(item("x").produced);
    const coalescer = new SendCoalescer(sender.send, small * 2);
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

  test("a request that fails for good in the middle settles the batches before, fails the one holding the record, abandons the rest", async () => {
    const sender = new ManualSender();
    const coalescer = new SendCoalescer(sender.send, 1_048_576);
    const log: string[] = [];
    track(coalescer, log, "A", [item("a1")]);
    track(coalescer, log, "B", [item("b1")]);
    track(coalescer, log, "C", [item("c1"), item("c2")]);
    track(coalescer, log, "D", [item("d1")]);
    sender.ack();
    await waitFor(() => sender.requests.length === 2);
    // b1 and c1 written, c2 failed: B is acknowledged, C fails, D is never sent.
    sender.ack(2, new Error("record too large"));
    await waitFor(() => log.length === 4);
    expect(log).toEqual(["A:0", "B:1", "C:failed Error: record too large", "D:undefined"]);
    expect(await coalescer.enqueue([item("e1")])).toBeUndefined();
    expect(sender.requests).toHaveLength(2);
  });

  test("a request cut short by a stop (no failure) settles the unsent batches with undefined", async () => {
    const sender = new ManualSender();
    const coalescer = new SendCoalescer(sender.send, 1_048_576);
    const log: string[] = [];
    track(coalescer, log, "A", [item("a1"), item("a2")]);
    track(coalescer, log, "B", [item("b1")]);
    sender.ack(1);
    await waitFor(() => log.length === 2);
    expect(log).toEqual(["A:undefined", "B:undefined"]);
    expect(sender.requests).toEqual([["a1", "a2"]]);
  });

  test("a sender that throws counts as a failure of its first record", async () => {
    const coalescer = new SendCoalescer<Item>(async () => {
      throw new Error("boom");
    }, 1_048_576);
    const log: string[] = [];
    const a = track(coalescer, log, "A", [item("a1")]);
    const b = track(coalescer, log, "B", [item("b1")]);
    await Promise.allSettled([a, b]);
    expect(log).toEqual(["A:failed Error: boom", "B:undefined"]);
  });
});
