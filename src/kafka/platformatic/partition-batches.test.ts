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

  test("CORRUPT_MESSAGE is retried (as Java's); DUPLICATE_SEQUENCE_NUMBER means written", () => {
    const part = new PartitionBatches("t", 0, true);
    const b = add(part);
    expect(part.verdict(b, 2)).toBe("retry");
    expect(part.verdict(b, 46)).toBe("written");
    expect(part.verdict(b, 10)).toBe("fatal");
  });
});
