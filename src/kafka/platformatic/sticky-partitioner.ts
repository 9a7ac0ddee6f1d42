/**
 * StickyPartitioner: the partition of a record with neither key nor partition, as Kafka's built-in
 * partitioner picks it since KIP-794 (Java 3.3+): a topic's keyless records all go to one partition
 * until about `batch.size` bytes went there, then to the next one (round robin here; Java picks the
 * next at random, or by broker load with adaptive partitioning). Produce requests then carry few
 * large batches of few partitions instead of a batch for every partition, which costs the broker
 * (and the client) less per record. Records are counted by their value, key and header bytes.
 */
import type { ProducerRecord } from "../kafka-port.ts";

interface Stick {
  partition: number;
  bytes: number;
}

export class StickyPartitioner {
  private readonly sticks = new Map<string, Stick>();

  constructor(private readonly batchBytes: number) {}

  /** The partition of keyless record `r`, its topic having `count` partitions. */
  partition(r: ProducerRecord, count: number): number {
    let stick = this.sticks.get(r.topic);
    if (stick === undefined) {
      stick = { partition: 0, bytes: 0 };
      this.sticks.set(r.topic, stick);
    }
    const partition = stick.partition < count ? stick.partition : 0;
    stick.bytes += recordBytes(r);
    if (stick.bytes >= this.batchBytes) {
      stick.partition = (partition + 1) % count;
      stick.bytes = 0;
    } else stick.partition = partition;
    return partition;
  }
}

function recordBytes(r: ProducerRecord): number {
  let bytes = (r.value?.length ?? 0) + (r.key?.length ?? 0);
  for (const h of r.headers) bytes += h.key.length + (h.value?.length ?? 0);
  return bytes;
}
