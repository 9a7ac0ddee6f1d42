/**
 * RecordAccumulator: the produce pipeline's batches by partition, as Java's RecordAccumulator. ProducePipeline
 * (produce-pipeline.ts) makes it and its turns send what it holds, as Java's Sender drains the accumulator; the
 * producer (producer.ts) appends to it and takes batches back from it directly, as Java's KafkaProducer holds its
 * accumulator. It appends one encoded batch per partition and send (`appendBatch`), gives the caller the batch's
 * outcome (NeverSentBatch when none of its records can have reached a broker, batch-failures.ts), takes a batch back
 * while it is only queued (`withdraw`), tells the sticky partitioner each partition's load (PartitionLoad: the batches
 * not on the wire, `queuedBatches`, and the brokers that take none, `leaderUnavailable`, from its NodeAvailability,
 * which the pipeline's turns update through `noteReady` as Java's Sender calls updateNodeLatencyStats), tells when
 * none is pending (`drained`) and fails them all at once on `close`.
 */
import { notSent } from "../send-rejection.ts";
import { attemptedBatchFailure, NeverSentBatch, notSentAfter } from "./batch-failures.ts";
import { type BatchSettlement, DEFAULT_BATCH_BYTES } from "./batch-settlement.ts";
import { PartlyWrittenBatch } from "./batch-split.ts";
import { NodeAvailability } from "./node-availability.ts";
import {
  type Batch,
  type BatchOutcome,
  newBatch,
  PartitionBatches,
  partitionKey,
  type SplitRecords,
} from "./partition-batches.ts";
import type { PipelineSettings } from "./pipeline-settings.ts";
import type { PartitionLoad } from "./sticky-partitioner.ts";

export class RecordAccumulator implements PartitionLoad {
  /** Each partition's batches, by partitionKey. */
  readonly partitions = new Map<string, PartitionBatches>();
  /** The same, by topic and partition number (queuedBatches: no key string per call). */
  private readonly byTopic = new Map<string, PartitionBatches[]>();
  private pendingCount = 0;
  private idle: (() => void)[] = [];
  private isClosed = false;
  /** When each broker last had batches ready and last took some (`noteReady`). */
  private readonly availability: NodeAvailability;

  /** `appended`: a batch was appended (the pipeline schedules a turn). */
  constructor(
    private readonly s: PipelineSettings,
    private readonly settlement: BatchSettlement,
    private readonly now: () => number,
    private readonly appended: () => void,
  ) {
    this.availability = new NodeAvailability(s.availabilityTimeoutMs ?? 0);
  }

  /** Batches appended and not settled yet. */
  get pending(): number {
    return this.pendingCount;
  }

  /** Whether `close` ran: nothing is appended, sent or settled from the answers any more. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** A batch of `topic` is in its partitions' queues (waiting, or on the wire). */
  inUse(topic: string): boolean {
    return this.byTopic.get(topic)?.some((part) => part.queue.length > 0) ?? false;
  }

  /**
   * Batches of the partition not on the wire, in batch.size units: Java's deque size, whose batches fill up to
   * batch.size, where ours are one per send (one record a batch for single-record ingest requests). Adaptive
   * partitioning weighs partitions by it; no key string is made per call (a pick asks it of every partition).
   * batch.size 0 turns batching off: Java then makes a batch per record, so its deque counts records, and so does
   * this (PartitionBatches keeps both counts).
   */
  queuedBatches(topic: string, partition: number): number {
    const part = this.byTopic.get(topic)?.[partition];
    if (!part) return 0;
    const batchBytes = this.s.batchBytes ?? DEFAULT_BATCH_BYTES;
    if (batchBytes === 0) return part.queuedRecords;
    return Math.ceil(part.queuedBytes / batchBytes);
  }

  /** Broker `node` had batches but took none for partitioner.availability.timeout.ms (NodeAvailability). */
  leaderUnavailable(node: number): boolean {
    return this.availability.unavailable(node);
  }

  /**
   * Broker `node` had batches ready at `now`; `took`: it took requests then. The pipeline's turns call it as Java's
   * Sender calls RecordAccumulator.updateNodeLatencyStats (NodeAvailability.noted).
   */
  noteReady(node: number, now: number, took: boolean): void {
    this.availability.noted(node, now, took);
  }

  /**
   * Appends one encoded batch of `count` records; its `outcome` resolves with its base offset (-1 for acks=0), or
   * with each record's offset once it was split (`split`: how, see batch-split.ts). A split batch that failed may
   * reject with a PartlyWrittenBatch (its records written). With keepOrderAfterRefusal a batch of a partition refused
   * after `since` (SendOptions.refusalsSeen) fails: NotSentError. `batch` (undefined: refused at once) is for
   * `withdraw`.
   */
  appendBatch(
    topic: string,
    partition: number,
    records: Buffer,
    count: number,
    split?: SplitRecords,
    since?: number,
  ): { readonly outcome: Promise<number | readonly number[]>; readonly batch?: Batch } {
    const refusedNow = (error: Error) => ({ outcome: Promise.reject(error) });
    const failure = this.settlement.failure;
    if (failure) return refusedNow(notSent(failure));
    if (this.isClosed) return refusedNow(new NeverSentBatch(this.s.error("The producer is closed", false)));
    const key = partitionKey(topic, partition);
    let part = this.partitions.get(key);
    if (!part) {
      part = new PartitionBatches(topic, partition, this.s.idempotent);
      this.partitions.set(key, part);
      const ofTopic = this.byTopic.get(topic) ?? [];
      ofTopic[partition] = part;
      this.byTopic.set(topic, ofTopic);
    }
    const refusal = this.s.keepOrderAfterRefusal && since !== undefined ? part.refusal : undefined;
    if (refusal && refusal.at > since!) return refusedNow(notSentAfter(part, refusal.error));
    this.pendingCount++;
    const { promise, resolve, reject } = Promise.withResolvers<number | readonly number[]>();
    const settle = (result: BatchOutcome) => {
      if (--this.pendingCount === 0) for (const f of this.idle.splice(0)) f();
      // No request carrying it went out (never in one, or each one's connection never came up; its pieces, if split,
      // settle through it: it went out), and none on the wire now: none of its records reached a broker. Nor did those
      // of one failed by `close` that was not on the wire then and no attempt of which was left open, unless it was
      // split and a piece of it was written (PartlyWrittenBatch: those records are Kafka's).
      if (result instanceof Error)
        reject(
          !batch.uncertain && (!batch.wentOut || (this.isClosed && !(result instanceof PartlyWrittenBatch)))
            ? new NeverSentBatch(result)
            : attemptedBatchFailure(batch, result),
        );
      else resolve(result);
    };
    const batch = newBatch(
      part,
      records,
      count,
      this.now() + this.s.deliveryTimeoutMs,
      settle,
      count > 1 ? split : undefined,
    );
    part.append(batch);
    this.appended();
    return { outcome: promise, batch };
  }

  /**
   * Takes `b` back when no request ever carried it and it has no sequence (queued since its append: never stamped,
   * never attempted): it leaves its partition, which goes on as if it had never been appended (the later batches are
   * not stamped either: none after a queued one ever is, so their sequences follow on without a gap), and it settles
   * at once as never sent (NeverSentBatch). False, and nothing changes, for any other (settled, on the wire, waiting
   * for a retry, a split's piece, stamped).
   */
  withdraw(b: Batch): boolean {
    if (b.settled || b.state !== "queued" || b.sequence >= 0 || b.attempts > 0 || b.wentOut) return false;
    b.part.drop(b);
    this.settlement.finish(b, this.s.error("The batch was withdrawn before it was sent", false));
    return true;
  }

  /** Resolves once no batch is pending. */
  drained(): Promise<void> {
    if (this.pendingCount === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Fails every pending batch with `reason` (ProducePipeline.close says how each one's caller sees it). */
  close(reason: Error): void {
    this.isClosed = true;
    for (const part of this.partitions.values()) {
      // Read before they leave the queue (then they are all "done").
      for (const b of part.queue) if (b.state === "inflight") b.uncertain = true;
      for (const b of part.takeAll()) this.settlement.finish(b, reason);
    }
  }
}
