/**
 * StickyPartitioner: the partition of records with neither key nor partition, as Kafka's built-in
 * partitioner picks it since KIP-794 (Java 3.3+): a topic's keyless records all go to one partition
 * until about `batch.size` bytes went there, then to another one picked at random (Java can also
 * weigh brokers by load). The first partition is random too, so producers of several tasks or
 * gateways do not move in step. A send's keyless records of a topic go to one partition together
 * (one batch, in order; the switch comes after the send), so Produce requests carry few large
 * batches of few partitions instead of a batch for every partition, which costs the broker (and the
 * client) less per record. A record counts as its value, key and header bytes plus
 * RECORD_OVERHEAD_BYTES (its framing in the batch), so records without a value move on too. With
 * `partitioner.ignore.keys=true` keyed records are placed so too (Java's BuiltInPartitioner).
 */
import type { ProducerRecord } from "../kafka-port.ts";

/** About what a record's framing in a record batch takes beside its key, value and headers. */
export const RECORD_OVERHEAD_BYTES = 16;

interface Stick {
  partition: number;
  bytes: number;
}

export class StickyPartitioner {
  private readonly sticks = new Map<string, Stick>();

  constructor(
    private readonly batchBytes: number,
    /** [0, 1), as Math.random (tests give their own). */
    private readonly random: () => number = Math.random,
    /** partitioner.ignore.keys: keyed records are placed as keyless ones too. */
    readonly ignoresKeys = false,
  ) {}

  /** The partition the next send's keyless records to `topic` (of `count` partitions) go to. */
  current(topic: string, count: number): number {
    let stick = this.sticks.get(topic);
    if (stick === undefined) {
      stick = { partition: this.pick(count), bytes: 0 };
      this.sticks.set(topic, stick);
    } else if (stick.partition >= count) {
      stick.partition = this.pick(count);
      stick.bytes = 0;
    }
    return stick.partition;
  }

  /** A send put `bytes` (recordBytes) of keyless records on `topic`'s current partition. */
  produced(topic: string, bytes: number, count: number): void {
    const stick = this.sticks.get(topic);
    if (stick === undefined) return;
    stick.bytes += bytes;
    if (stick.bytes < this.batchBytes) return;
    stick.bytes = 0;
    // Another partition than the current one, each as likely.
    if (count > 1) stick.partition = (stick.partition + 1 + Math.floor(this.random() * (count - 1))) % count;
  }

  private pick(count: number): number {
    return Math.floor(this.random() * count) % count;
  }
}

/** What a record counts for toward `batch.size`. */
export function recordBytes(r: ProducerRecord): number {
  let bytes = RECORD_OVERHEAD_BYTES + (r.value?.length ?? 0) + (r.key?.length ?? 0);
  for (const h of r.headers) bytes += h.key.length + (h.value?.length ?? 0);
  return bytes;
}
