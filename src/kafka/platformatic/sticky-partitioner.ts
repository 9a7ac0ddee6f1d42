/**
 * StickyPartitioner: the partition of records with neither key nor partition, as Kafka's built-in
 * partitioner picks it since KIP-794 (Java 3.3+): a topic's keyless records all go to one partition
 * until about `batch.size` bytes went there, then to another one picked at random. Only partitions
 * with a leader are picked, as Java picks among Cluster.availablePartitionsForTopic (all of them when
 * none has one): records put on a partition whose broker is down would wait there for
 * delivery.timeout.ms. A stick whose partition lost its leader moves at the next send (Java moves it
 * only after batch.size bytes: those would wait too). With adaptive partitioning (Java's default,
 * partitioner.adaptive.partitioning.enable) the pick is weighed by each partition's queued batches,
 * as Java's BuiltInPartitioner.updatePartitionLoadStats: (the longest queue + 1 - its queue), so a
 * slower broker's partitions get fewer new records. Java's batches fill up to batch.size, ours are one
 * per send (one record each for single-record ingest requests): a queue counts its bytes in batch.size
 * units (RecordAccumulator.queuedBatches), not its batches, so the skew is Java's for the same bytes (its
 * records with batch.size 0: Java makes a batch of each then).
 * With partitioner.availability.timeout.ms a partition with queued batches whose broker had batches
 * ready but took none that long is left out (NodeAvailability), as Java's RecordAccumulator.partitionReady: one
 * with none queued stays a candidate (its records would show whether the broker is back). When every
 * partition is left out, the pick is uniform among those with a leader, as Java's (no load stats).
 * Unlike Java's, a move never picks the partition it leaves when there is another (Java may).
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

/** What the producer pipeline tells the partitioner of its partitions and brokers (RecordAccumulator). */
export interface PartitionLoad {
  /** Batches of the partition not on the wire yet (Java's deque size), in batch.size units: a count, never NaN. */
  queuedBatches(topic: string, partition: number): number;
  /** Broker `node` had batches but took none for partitioner.availability.timeout.ms (never when 0). */
  leaderUnavailable(node: number): boolean;
}

export interface StickyPartitionerOptions {
  /** [0, 1), as Math.random (tests give their own). */
  readonly random?: () => number;
  /** partitioner.ignore.keys: keyed records are placed as keyless ones too. */
  readonly ignoresKeys?: boolean;
  /**
   * partitioner.adaptive.partitioning.enable (Java's default true): a partition is picked with a weight
   * of (the longest queue + 1 - its queue), so a slower broker's partitions get fewer new records, and
   * partitions of brokers `load` says unavailable are left out.
   */
  readonly adaptive?: boolean;
  readonly load?: PartitionLoad;
}

export class StickyPartitioner {
  private readonly sticks = new Map<string, Stick>();
  private readonly random: () => number;
  readonly ignoresKeys: boolean;
  /** Set when adaptive partitioning is on. */
  private readonly load: PartitionLoad | undefined;

  constructor(
    private readonly batchBytes: number,
    options: StickyPartitionerOptions = {},
  ) {
    this.random = options.random ?? Math.random;
    this.ignoresKeys = options.ignoresKeys ?? false;
    this.load = options.adaptive === false ? undefined : options.load;
  }

  /**
   * The partition the next send's keyless records to `topic` (of `count` partitions) go to.
   * `leaders`: each partition's leader as the producer's metadata knows it (-1: none); undefined
   * when not known (every partition is taken to have one).
   */
  current(topic: string, count: number, leaders?: readonly number[]): number {
    let stick = this.sticks.get(topic);
    if (stick === undefined) {
      stick = { partition: this.pick(topic, count, leaders, -1), bytes: 0 };
      this.sticks.set(topic, stick);
    } else if (stick.partition >= count || (!led(leaders, stick.partition) && anyLed(leaders, count))) {
      stick.partition = this.pick(topic, count, leaders, -1);
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
    stick.partition = this.pick(topic, count, leaders, stick.partition);
  }

  /**
   * A partition at random among the available ones (with a leader, and not queued up on a broker that takes
   * no requests), else among those with a leader, else among all, as Java's nextPartition; another than
   * `current` (-1: none) when there is another. Weighed by queued batches among the available ones
   * (adaptive), else each as likely. Once per stick, not per send: the arrays are made here.
   */
  private pick(topic: string, count: number, leaders: readonly number[] | undefined, current: number): number {
    const load = this.load;
    const taking = (p: number) =>
      led(leaders, p) && !(leaders && load && load.queuedBatches(topic, p) > 0 && load.leaderUnavailable(leaders[p]!));
    let candidate: (p: number) => boolean = taking;
    let candidates = countOf(count, candidate);
    if (candidates === 0) {
      candidate = (p) => led(leaders, p);
      candidates = countOf(count, candidate);
    }
    if (candidates === 0) {
      candidate = () => true;
      candidates = count;
    }
    const skip = current >= 0 && current < count && candidate(current) && candidates > 1;
    const weights = new Float64Array(count);
    let longest = 0;
    for (let p = 0; p < count; p++) {
      if (!candidate(p) || (skip && p === current)) continue;
      weights[p] = load && candidate === taking ? load.queuedBatches(topic, p) : 0;
      longest = Math.max(longest, weights[p]!);
    }
    let total = 0;
    for (let p = 0; p < count; p++) {
      if (!candidate(p) || (skip && p === current)) continue;
      weights[p] = longest + 1 - weights[p]!;
      total += weights[p]!;
    }
    // Going round from the current one: with equal weights the k-th after it, (current + 1 + k) % count.
    let target = Math.floor(this.random() * total) % total;
    const start = current >= 0 ? current + 1 : 0;
    for (let i = 0; i < count; i++) {
      const p = (start + i) % count;
      if (!candidate(p) || (skip && p === current)) continue;
      target -= weights[p]!;
      if (target < 0) return p;
    }
    return Math.max(current, 0);
  }
}

/** How many of the `count` partitions `candidate` takes. */
function countOf(count: number, candidate: (p: number) => boolean): number {
  let n = 0;
  for (let p = 0; p < count; p++) if (candidate(p)) n++;
  return n;
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
