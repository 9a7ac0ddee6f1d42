import { describe, expect, test } from "bun:test";
import { settled, waitFor } from "../../../test/support/wait-for.ts";
import type { OutgoingBatch, PartitionAnswer, ProduceTransport } from "./produce-transport.ts";
import { testRecord as record, testProducer } from "./producer-test-support.ts";
import { stampRecordBatch } from "./record-batch.ts";

/**
 * Two brokers: t-0 led by broker 1, which writes every request at once; t-1 by broker 2, whose connection never comes
 * up (its requests stay open).
 */
class HalfDownCluster implements ProduceTransport {
  /** Records written, by partition of t. */
  readonly written = [0, 0];
  /** The requests broker 2 was sent. */
  readonly toBroker2: (readonly OutgoingBatch[])[] = [];
  async leaders(topics: readonly string[]): Promise<Map<string, readonly number[]>> {
    return new Map(topics.map((t) => [t, [1, 2]]));
  }
  async initProducerId() {
    return { producerId: 7n, producerEpoch: 0 };
  }
  stamp(records: Buffer, producerId: bigint, epoch: number, sequence: number): void {
    stampRecordBatch(records, producerId, epoch, sequence);
  }
  connected(node: number): boolean {
    return node !== 2;
  }
  produce(node: number, batches: readonly OutgoingBatch[]): Promise<readonly PartitionAnswer[]> {
    if (node === 2) {
      this.toBroker2.push(batches);
      return new Promise(() => {});
    }
    return Promise.resolve(
      batches.map((b) => {
        const baseOffset = this.written[b.partition]!;
        this.written[b.partition]! += b.records.readInt32BE(57); // the batch's record count
        return { topic: b.topic, partition: b.partition, errorCode: 0, baseOffset };
      }),
    );
  }
}

describe("PlatformaticProducer: keyless records with partitioner.availability.timeout.ms (adaptive partitioning)", () => {
  test("avoid the partitions queued on a broker that had batches but took none past the timeout", async () => {
    const cluster = new HalfDownCluster();
    let now = 0;
    // Draws 0.99: the last candidate, t-1, were it one (picked uniformly, or weighed by the queues alone).
    const producer = testProducer(cluster, { now: () => now, availabilityTimeoutMs: 1000, random: () => 0.99 });
    const stuck = [producer.send([record(1, "A")])]; // broker 2 had batches at 0: first seen, it counts as taking them
    await waitFor(() => cluster.toBroker2.length === 1);
    now = 1500;
    // Broker 2 has t-1's batch queued behind the first (idempotent: one on the wire until one is written) and takes
    // none; t-0's batch, written, shows the turn that noted it so has run.
    stuck.push(producer.send([record(1, "B"), record(0, "C")]));
    await waitFor(() => cluster.written[0] === 1);

    const keyless = await settled(producer.send([record(null, "D"), record(null, "E")]), {
      timeoutMs: 3000,
      what: "the keyless records written",
    });
    expect(keyless.map((m) => [m.partition, m.offset])).toEqual([
      [0, 1],
      [0, 2],
    ]);
    expect(cluster.written).toEqual([3, 0]);
    expect(cluster.toBroker2).toHaveLength(1);

    producer.forceClose();
    const outcomes = await Promise.all(stuck.map((s) => s.catch((e: Error) => e.message)));
    expect(outcomes).toEqual([
      "The producer was closed forcefully before the records were acknowledged",
      "The producer was closed forcefully before the records were acknowledged",
    ]);
  });
});
