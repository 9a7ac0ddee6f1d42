import { describe, expect, test } from "bun:test";
import { PartitionBatches } from "./partition-batches.ts";
import { frameProduceRequest } from "./produce-frame.ts";
import {
  nextRequest,
  PARTITION_OVERHEAD_BYTES,
  REQUEST_OVERHEAD_BYTES,
  type RequestLimits,
  TOPIC_OVERHEAD_BYTES,
} from "./produce-requests.ts";

function queued(topic: string, partition: number, bytes: number): PartitionBatches {
  const part = new PartitionBatches(topic, partition, false);
  part.queue.push({
    part,
    records: Buffer.alloc(bytes),
    count: 1,
    deadline: Number.POSITIVE_INFINITY,
    settle: () => {},
    state: "queued",
    sequence: -1,
    place: -1,
    generation: 0,
    retryAt: 0,
    attempts: 0,
    uncertain: false,
    settled: false,
  });
  return part;
}

function request(
  parts: readonly PartitionBatches[],
  maxRequestBytes: number,
  wire: Pick<RequestLimits, "maxWireBytes" | "wireBytes"> = { maxWireBytes: 1 << 30, wireBytes: 0 },
) {
  return nextRequest(
    parts,
    0,
    { maxRequestBytes, ...wire },
    () => {},
    () => {},
  );
}

/** Three batches of 100 bytes: two of topic "orders", one of topic "payments". */
const layout = () => [queued("orders", 0, 100), queued("orders", 1, 100), queued("payments", 0, 100)];
// What the request takes with all three: the topic overhead once per topic, the partition one per batch.
const allThree =
  REQUEST_OVERHEAD_BYTES +
  2 * TOPIC_OVERHEAD_BYTES +
  "orders".length +
  "payments".length +
  3 * (PARTITION_OVERHEAD_BYTES + 100);

describe("nextRequest: max.request.size", () => {
  test("counts the request header, each topic's name and each partition besides the record batches, to the byte", () => {
    expect(request(layout(), allThree).batches.map((b) => b.part.topic)).toEqual(["orders", "orders", "payments"]);
    // One byte less: the last batch (a new topic, its name and overhead with it) waits for the next request.
    expect(request(layout(), allThree - 1).batches.map((b) => b.part.topic)).toEqual(["orders", "orders"]);
    // Exactly the records' 300 bytes: they are not all the request carries, so only the first goes.
    expect(request(layout(), 300).batches.length).toBe(1);
  });

  test("the estimate is never below the framed request's size (client id up to 100 bytes)", () => {
    const parts = layout();
    const { batches } = request(parts, allThree);
    const framed = frameProduceRequest(
      "c".repeat(100),
      9,
      -1,
      30_000,
      batches.map((b) => ({ topic: b.part.topic, partition: b.part.partition, records: b.records })),
    );
    expect(framed.length).toBeLessThanOrEqual(allThree);
  });

  test("one batch larger than max.request.size still goes, alone", () => {
    const parts = [queued("orders", 0, 1000), queued("orders", 1, 10)];
    expect(request(parts, 500).batches.map((b) => b.records.length)).toEqual([1000]);
  });
});

describe("nextRequest: buffer.memory (bytes on the wire across brokers)", () => {
  test("says when a batch was left out only for the bytes on the wire, not for max.request.size", () => {
    const wire = { maxWireBytes: 250, wireBytes: 100 };
    const held = request(layout(), allThree, wire);
    expect([held.batches.length, held.heldByWireBudget]).toEqual([1, true]);
    const { heldByWireBudget, batches } = request(layout(), allThree - 1);
    expect([batches.length, heldByWireBudget]).toEqual([2, false]);
  });
});
