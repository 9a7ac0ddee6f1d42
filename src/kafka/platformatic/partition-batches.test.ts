import { describe, expect, test } from "bun:test";
import { type Batch, PartitionBatches } from "./partition-batches.ts";

function add(part: PartitionBatches): Batch {
  const b: Batch = {
    part,
    records: Buffer.alloc(61),
    count: 1,
    deadline: Number.POSITIVE_INFINITY,
    settle: () => {},
    state: "queued",
    sequence: -1,
    generation: 0,
    retryAt: 0,
    attempts: 0,
  };
  part.queue.push(b);
  return b;
}

describe("PartitionBatches", () => {
  test("a retried batch waits while any batch sent before its failure is on the wire, wherever it stands", () => {
    const part = new PartitionBatches("t", 0, true);
    const [b0, b1, b2] = [add(part), add(part), add(part)];
    part.sent(b0, () => {});
    part.sent(b1, () => {});
    part.sent(b2, () => {});
    // b1 came back with a retriable error; b0 and b2 are still on the wire.
    part.waitForRetry(b1, 0);
    // b0 (before it) came back written: b2, sent before the failure, is still out.
    part.written(b0);
    expect(part.sendable(10, () => {})).toBeUndefined();
    part.waitForRetry(b2, 0);
    expect(part.sendable(10, () => {})).toBe(b1);
  });

  test("until a batch is written, one is on the wire at a time (a broker without the producer's state takes any sequence); then up to 5", () => {
    const part = new PartitionBatches("t", 0, true);
    const batches = Array.from({ length: 7 }, () => add(part));
    const sendNext = () => {
      const b = part.sendable(0, () => {});
      if (b) part.sent(b, () => {});
      return b;
    };
    expect(sendNext()).toBe(batches[0]);
    expect(sendNext()).toBeUndefined();
    part.written(batches[0]!);
    expect([sendNext(), sendNext(), sendNext(), sendNext(), sendNext(), sendNext()]).toEqual([
      ...batches.slice(1, 6),
      undefined,
    ]);
  });

  test("without idempotence nothing holds the partition back", () => {
    const part = new PartitionBatches("t", 0, false);
    const [b0, b1] = [add(part), add(part)];
    part.sent(part.sendable(0, () => {})!, () => {});
    expect([b0.state, part.sendable(0, () => {})]).toEqual(["inflight", b1]);
  });

  test("CORRUPT_MESSAGE is retried (as Java's); DUPLICATE_SEQUENCE_NUMBER means written", () => {
    const part = new PartitionBatches("t", 0, true);
    const b = add(part);
    expect(part.verdict(b, 2)).toBe("retry");
    expect(part.verdict(b, 46)).toBe("written");
    expect(part.verdict(b, 10)).toBe("fatal");
  });
});
