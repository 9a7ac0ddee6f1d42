/**
 * StickyPartitioner: the partition of records with neither key nor partition, as Kafka's built-in
 * partitioner picks it since KIP-794 (Java 3.3+): a topic's keyless records all go to one partition
 * until about `batch.size` bytes went there, then to another one picked at random (Java can also
 * weigh brokers by load). Only partitions with a leader are picked, as Java picks among
 * Cluster.availablePartitionsForTopic (all of them when none has one): records put on a partition
 * whose broker is down would wait there for delivery.timeout.ms. A stick whose partition lost its
 * leader moves at the next send (Java moves it only after batch.size bytes: those would wait too).
 * The first partition is random too, so producers of several tasks or gateways do not move in step.
 * A send's keyless records of a topic go to one partition together
 * (one batch, in order; the switch comes after the send), so Produce requests carry few large
 * batches of few partitions instead of a batch for every partition, which costs the broker (and the
 * client) less per record. A record counts as its value, key and header bytes plus
 * RECORD_OVERHEAD_BYTES (its framing in the batch), so records without a value move on too. With
 * `partitioner.ignore.keys=true` keyed records are placed so too (Java's BuiltInPartitioner).
 * Called once per send and topic (producer.ts `admit`), never per record.
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

  /**
   * The partition the next send's keyless records to `topic` (of `count` partitions) go to.
   * `leaders`: each partition's leader as the producer's metadata knows it (-1: none); undefined
   * when not known (every partition is taken to have one).
   */
  current(topic: string, count: number, leaders?: readonly number[]): number {
    let stick = this.sticks.get(topic);
    if (stick === undefined) {
      stick = { partition: this.pick(count, leaders, -1), bytes: 0 };
      this.sticks.set(topic, stick);
    } else if (stick.partition >= count || (!led(leaders, stick.partition) && anyLed(leaders, count))) {
      stick.partition = this.pick(count, leaders, -1);
      stick.bytes = 0;
    }
    return stick.partition;
  }

  /** A send put `bytes` (recordBytes) of keyless records on `topic`'s current partition. */
  produced(topic: string, bytes: number, count: number, leaders?: readonly number[]): void {
    const stick = this.sticks.get(topic);
    if (stick === undefined) return;
    stick.bytes += bytes;
    if (stick.bytes < this.batchBytes) return;
    stick.bytes = 0;
    stick.partition = this.pick(count, leaders, stick.partition);
  }

  /**
   * A partition at random among those with a leader (all of them when none has one), each as
   * likely; another than `current` (-1: none) when there is another.
   */
  private pick(count: number, leaders: readonly number[] | undefined, current: number): number {
    const onlyLed = anyLed(leaders, count);
    const candidate = (p: number) => !onlyLed || led(leaders, p);
    let candidates = 0;
    for (let p = 0; p < count; p++) if (candidate(p)) candidates++;
    const skip = current >= 0 && current < count && candidate(current) && candidates > 1;
    if (skip) candidates--;
    if (candidates === 0) return 0;
    // The k-th candidate after the current one, going round: with every partition led, (current + 1 + k) % count.
    let k = Math.floor(this.random() * candidates) % candidates;
    const start = current >= 0 ? current + 1 : 0;
    for (let i = 0; i < count; i++) {
      const p = (start + i) % count;
      if (!candidate(p) || (skip && p === current)) continue;
      if (k-- === 0) return p;
    }
    return current;
  }
}

/** `partition` has a leader (or leaders are not known). */
function led(leaders: readonly number[] | undefined, partition: number): boolean {
  return leaders === undefined || (leaders[partition] ?? -1) >= 0;
}

/** Some partition of the `count` has a leader (or leaders are not known). */
function anyLed(leaders: readonly number[] | undefined, count: number): boolean {
  if (leaders === undefined) return true;
  for (let p = 0; p < count; p++) if ((leaders[p] ?? -1) >= 0) return true;
  return false;
}

/** What a record counts for toward `batch.size`. */
export function recordBytes(r: ProducerRecord): number {
  let bytes = RECORD_OVERHEAD_BYTES + (r.value?.length ?? 0) + (r.key?.length ?? 0);
  for (const h of r.headers) bytes += h.key.length + (h.value?.length ?? 0);
  return bytes;
}
