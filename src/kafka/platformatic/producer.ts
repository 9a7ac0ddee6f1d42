/**
 * The producer side of the @platformatic/kafka adapter. The library's own producer keeps one
 * request in flight when idempotent and does not keep order across a failed request, so the
 * adapter runs its own pipeline (ProducePipeline over PlatformaticTransport, with its own record
 * batches): several requests in flight per broker (max.in.flight.requests.per.connection, at most
 * 5 when idempotent, as Java's), records of each partition written in call order, each once.
 *
 * Partitions are chosen here, so each record's offset is known (base offset of its partition's batch + its position
 * there): keyed records by Java's murmur2 (`(murmur2(key) & 0x7fffffff) % partitions`, as Kafka's default partitioner),
 * records without a key to one partition until about batch.size bytes went there, among the partitions with a leader
 * (StickyPartitioner, as Java's built-in partitioner). Partition counts and leaders come from metadata, fetched when a
 * topic is first seen; sends are admitted in call order (a send waiting for a new topic's metadata holds back the sends
 * after it).
 *
 * A send resolves once every batch of it is acknowledged; it rejects once each has an outcome and one failed for good.
 * A send of several partitions with `SendOptions.onWritten` tells the partitions written while another is still pending
 * (a partition without a leader, until delivery.timeout.ms), on the event loop's next turn if the send has not settled
 * by then. A batch the broker refused for good fails alone and the producer goes on (ProducePipeline, as Java's). So do
 * the records of a topic whose metadata Kafka refuses for good (INVALID_TOPIC_EXCEPTION, TOPIC_AUTHORIZATION_FAILED,
 * …): as Java's waitOnMetadata fails each such record's send, they fail (never sent), the send's other records are
 * written (PartlyWritten), and later sends go on. Any other metadata failure (Kafka unreachable, a failed login) fails
 * the producer: the send's other topics' records are not written ahead of those sent again.
 *
 * A send made with `WithdrawableSendOptions.withdrawKey` may have records given back (`withdraw`, send-withdrawals.ts):
 * a batch of only records asked that no request ever carried (RecordAccumulator.withdraw); their metadata is null.
 *
 * `close` gives the batches in flight request.timeout.ms, then fails the rest; `forceClose` (an abandoned source task's,
 * as Connect's cancel closes with Duration.ZERO) fails them all at once and sends nothing more.
 *
 * Built and connected by connectPlatformaticProducer (producer-connection.ts, which also closes the connections).
 * metadata-refusals.ts tells which metadata failures refuse a topic alone.
 */
import { murmur2 } from "@platformatic/kafka";
import { ConnectError, messageOf, RetriableError } from "../../errors.ts";
import { getLogger } from "../../util/logger.ts";
import type { ProducerSettings } from "../client-config.ts";
import type {
  KafkaProducer,
  ProducedMetadata,
  ProducerRecord,
  SendOptions,
  WithdrawableSendOptions,
} from "../kafka-port.ts";
import { markNeverSent, NotSentError, neverSent, notSent, refused, writtenRecords } from "../send-rejection.ts";
import { NeverSentBatch, RefusedBatch, rewrapped } from "./batch-failures.ts";
import { batchSplitter, PartlyWrittenBatch } from "./batch-split.ts";
import { wrap } from "./errors.ts";
import { metadataFailure, topicRefusal } from "./metadata-refusals.ts";
import { partitionKey } from "./partition-batches.ts";
import type { ProducePipeline } from "./produce-pipeline.ts";
import { encodeRecordBatch } from "./record-batch.ts";
import { checkPartition, checkTimestamp } from "./record-checks.ts";
import { type SendWithdrawal, SendWithdrawals } from "./send-withdrawals.ts";
import { recordBytes, StickyPartitioner, type StickyPartitionerOptions } from "./sticky-partitioner.ts";

const toBuffer = (b: Uint8Array): Buffer =>
  Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);

const log = getLogger("org.apache.kafka.clients.producer.KafkaProducer");

/**
 * How records without key or partition are placed (StickyPartitioner): batch.size and the partitioner.* keys. The
 * producer gives the partitioner its pipeline's RecordAccumulator as the load adaptive partitioning weighs.
 */
export type Partitioning = { readonly batchBytes: number } & Omit<StickyPartitionerOptions, "load">;

export class PlatformaticProducer implements KafkaProducer {
  /** Sends waiting for metadata before they are admitted, in call order. */
  private admitting: Promise<unknown> | undefined;
  private closing = false;
  /** The close under way (`close`, or `forceClose`'s): a later call awaits it. */
  private closed: Promise<void> | undefined;
  /** A send failed for good before its batches were appended (metadata; not a topic's refusal: its records' alone). */
  private failure: Error | undefined;
  /** The sends made with `WithdrawableSendOptions.withdrawKey`, by it. */
  private readonly withdrawals = new SendWithdrawals();
  /** Where records without key or partition go (batch.size bytes to one partition, then another). */
  private readonly sticky: StickyPartitioner;

  constructor(
    private readonly pipeline: ProducePipeline,
    readonly maxInFlight: number,
    readonly idempotent: boolean,
    private readonly compression: ProducerSettings["compression"],
    /**
     * Closes the pipeline and the connections; `admitted` settles once the sends waiting for metadata are appended.
     * `force` (forceClose, the pipeline closed already): the connections at once.
     */
    private readonly onClose: (admitted: Promise<unknown>, force: boolean) => Promise<void>,
    { batchBytes, ...partitioner }: Partitioning,
  ) {
    // As Java's KafkaProducer gives its RecordAccumulator the partitioner's config: adaptive partitioning weighs the
    // partitions by the accumulator's queues and leaves out the brokers it says take no requests.
    this.sticky = new StickyPartitioner(batchBytes, { ...partitioner, load: pipeline.accumulator });
  }

  get failed(): boolean {
    return (this.failure ?? this.pipeline.failure) !== undefined;
  }

  get retryFailure(): Error | undefined {
    return this.pipeline.retryFailure;
  }

  /** Batches refused alone so far (`SendOptions.refusalsSeen`). */
  get refusals(): number {
    return this.pipeline.refusals;
  }

  send(records: readonly ProducerRecord[], options: WithdrawableSendOptions): Promise<(ProducedMetadata | null)[]>;
  send(records: readonly ProducerRecord[], options?: SendOptions): Promise<ProducedMetadata[]>;
  send(
    records: readonly ProducerRecord[],
    options?: Partial<WithdrawableSendOptions>,
  ): Promise<(ProducedMetadata | null)[]> {
    // Not written ahead of a batch refused after what the caller handled (by default: this call, even admitted later).
    const since = options?.refusalsSeen ?? this.pipeline.refusals;
    const failed = this.failure ?? this.pipeline.failure;
    if (failed) return Promise.reject(markNeverSent(notSent(failed)));
    if (this.closing) return Promise.reject(markNeverSent(new ConnectError("The producer is closed")));
    if (records.length === 0) return Promise.resolve([]);
    // A topic idle past metadata.max.idle.ms is forgotten before it is checked known: asked again first, as a new one.
    this.pipeline.forgetIdleTopics();
    const unknown = new Set<string>();
    /** Topics a record names a partition of beyond the count known: partitions added since? Asked again first. */
    const grown = new Set<string>();
    for (const r of records) {
      const count = this.pipeline.knownPartitionCount(r.topic);
      if (count === undefined) unknown.add(r.topic);
      else if (r.partition !== null && r.partition >= count) grown.add(r.topic);
    }
    const onWritten = options?.onWritten;
    const withdrawal = options?.withdrawKey === undefined ? undefined : this.withdrawals.open(options.withdrawKey);
    if (unknown.size === 0 && grown.size === 0 && this.admitting === undefined) {
      return this.admit(records, since, onWritten, withdrawal);
    }
    // Checked known above: not forgotten as idle (metadata.max.idle.ms) while this send waits to be admitted.
    const release = this.pipeline.holdTopics(new Set(records.map((r) => r.topic)));
    const admitted = (this.admitting ?? Promise.resolve()).then(async () => {
      const failed = this.failure ?? this.pipeline.failure;
      if (failed) throw markNeverSent(notSent(failed));
      /** The send's topics metadata refused for good, with their refusal: only their records fail. */
      const refusals = new Map<string, Error>();
      for (const topic of unknown) {
        try {
          await this.pipeline.partitionCount(topic);
        } catch (error) {
          // Only ever thrown to sends not appended yet: none reached a broker.
          const failure = markNeverSent(metadataFailure(error, topic));
          // The topic's own (Java's waitOnMetadata throws for that record alone), else the producer's (order).
          if (topicRefusal(failure)) refusals.set(topic, failure);
          else {
            this.failure ??= failure;
            throw this.failure;
          }
        }
      }
      // As Java's waits for metadata with the partition; one still beyond the count is refused by
      // admit. Unasked (Kafka unreachable), the send fails as not sent, to be retried, not refused.
      for (const topic of grown)
        await this.pipeline.recountPartitions(topic).catch((error) => {
          const message = `Failed to send records to Kafka: the partitions of ${topic} could not be counted again: ${messageOf(error)}`;
          throw markNeverSent(new RetriableError(message, { cause: error }));
        });
      return refusals;
    });
    const result = admitted.then((refusals) =>
      refusals.size === 0
        ? this.admit(records, since, onWritten, withdrawal)
        : this.admitUnrefused(records, refusals, since),
    );
    void result.then(release, release);
    const tail = admitted.catch(() => undefined);
    this.admitting = tail;
    void tail.then(() => {
      if (this.admitting === tail) this.admitting = undefined;
    });
    return result;
  }

  /** KafkaProducer.withdraw (send-withdrawals.ts): a batch is given back when RecordAccumulator.withdraw takes it. */
  withdraw(withdrawKey: object, indexes: readonly number[]): readonly number[] {
    return this.withdrawals.withdraw(withdrawKey, indexes, (b) => this.pipeline.accumulator.withdraw(b));
  }

  /**
   * A send some of whose topics metadata refused for good (`refusals`): as Java's producer, where each record is a send of
   * its own, those records fail (never sent) and the others are written. Rejects with the refusal (the first refused
   * record's topic's) listing the others written (PartlyWritten), or with their own failure when they failed too.
   */
  private async admitUnrefused(
    records: readonly ProducerRecord[],
    refusals: ReadonlyMap<string, Error>,
    since: number,
  ): Promise<never> {
    const kept: number[] = [];
    let refusal: Error | undefined;
    for (let i = 0; i < records.length; i++) {
      const denied = refusals.get(records[i]!.topic);
      if (denied === undefined) kept.push(i);
      else refusal ??= denied;
    }
    if (kept.length === 0) throw refusal;
    let failure = refusal!;
    let written: readonly (ProducedMetadata | null)[] | undefined;
    try {
      written = await this.admit(
        kept.map((i) => records[i]!),
        since,
      );
    } catch (error) {
      // Shared with other sends maybe (the pipeline's failure): marked on a new one, as its own mark says.
      failure = rewrapped(error as Error, neverSent(error) ? "neverSent" : refused(error) ? "refused" : undefined);
      written = writtenRecords(error);
    }
    const out: (ProducedMetadata | null)[] = new Array(records.length).fill(null);
    for (let k = 0; k < kept.length; k++) out[kept[k]!] = written?.[k] ?? null;
    throw Object.assign(failure, { written: out });
  }

  private async admit(
    records: readonly ProducerRecord[],
    since: number,
    onWritten?: SendOptions["onWritten"],
    withdrawal?: SendWithdrawal,
  ): Promise<(ProducedMetadata | null)[]> {
    const partitions = new Int32Array(records.length);
    const positions = new Int32Array(records.length);
    const groupOf = new Int32Array(records.length);
    const groups: { topic: string; partition: number; indexes: number[] }[] = [];
    const byKey = new Map<string, number>();
    /** Per topic: this send's keyless partition and bytes (the switch comes after the send). */
    const keyless = new Map<
      string,
      { partition: number; bytes: number; count: number; leaders: readonly number[] | undefined }
    >();
    let last = -1;
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      checkTimestamp(r);
      let partition = r.partition;
      if (partition !== null) checkPartition(r.topic, partition, this.pipeline.knownPartitionCount(r.topic));
      if (partition === null) {
        const count = this.pipeline.knownPartitionCount(r.topic) || 1;
        if (r.key !== null && !this.sticky.ignoresKeys) partition = (murmur2(toBuffer(r.key)) & 0x7fffffff) % count;
        else {
          let stuck = keyless.get(r.topic);
          if (stuck === undefined) {
            const leaders = this.pipeline.partitionLeaders(r.topic);
            stuck = { partition: this.sticky.current(r.topic, count, leaders), bytes: 0, count, leaders };
            keyless.set(r.topic, stuck);
          }
          stuck.bytes += recordBytes(r);
          partition = stuck.partition;
        }
      }
      partitions[i] = partition;
      // Most sends go to one topic and partition: the previous record's group first.
      let g = last >= 0 && groups[last]!.partition === partition && groups[last]!.topic === r.topic ? last : -1;
      if (g < 0) {
        const key = partitionKey(r.topic, partition);
        g = byKey.get(key) ?? -1;
        if (g < 0) {
          g = groups.length;
          groups.push({ topic: r.topic, partition, indexes: [] });
          byKey.set(key, g);
        }
      }
      last = g;
      groupOf[i] = g;
      const indexes = groups[g]!.indexes;
      positions[i] = indexes.length;
      indexes.push(i);
    }
    const now = Date.now();
    // Every group is encoded before any is appended: a send that cannot be encoded writes nothing.
    const batches = groups.map((g) => encodeRecordBatch(records, g.indexes, now, this.compression));
    for (const [topic, stuck] of keyless) this.sticky.produced(topic, stuck.bytes, stuck.count, stuck.leaders);
    const appended = groups.map((g, i) =>
      this.pipeline.accumulator.appendBatch(
        g.topic,
        g.partition,
        batches[i]!.buffer,
        batches[i]!.count,
        batchSplitter(batches[i]!.buffer, this.compression),
        since,
      ),
    );
    const sent = appended.map((a) => a.outcome);
    withdrawal?.appended(groups, appended);
    // The partitions written while another is still pending are told on the next turn of the event loop, if the send
    // has not settled by then: a broker answers a send's partitions together, and the send then settles within the
    // turn, its records told by the settlement alone. A send of one partition settles with them anyway.
    let settled = false;
    if (onWritten && groups.length > 1) {
      const written: [number, number | readonly number[]][] = [];
      const tell = () => {
        if (settled) return;
        for (const [g, value] of written.splice(0)) {
          // On a turn of its own: a throw would escape as an uncaught exception. The settlement reports the records anyway.
          try {
            onWritten(...groupWritten(records, groups[g]!, partitions, value, now));
          } catch (error) {
            log.error("A send's onWritten failed; its records are reported when the send settles", error);
          }
        }
      };
      for (let g = 0; g < groups.length; g++) {
        sent[g]!.then(
          (value) => {
            if (written.push([g, value]) === 1) setImmediate(tell);
          },
          () => undefined, // reported by the settlement (a split batch's written pieces too)
        );
      }
    }
    const outcomes = await Promise.allSettled(sent);
    settled = true;
    withdrawal?.settled();
    let rejected: unknown;
    let anyWritten = false;
    /** No request carrying any failed batch of the send was written (NeverSentBatch): none of its records reached a broker. */
    let neverSent = true;
    /** Every failed batch of the send was never written in a request or refused unwritten (RefusedBatch): none was written. */
    let unwritten = true;
    const out: (ProducedMetadata | null)[] = new Array(records.length);
    for (let i = 0; i < records.length; i++) {
      const o = outcomes[groupOf[i]!]!;
      let offset: number | null;
      if (withdrawal?.withdrawn(groupOf[i]!)) {
        // Taken back (`withdraw`): never sent, and no failure of the send's.
        out[i] = null;
        continue;
      }
      if (o.status === "rejected") {
        // A split batch: some of its records may have been written all the same.
        const wrapper =
          o.reason instanceof PartlyWrittenBatch ||
          o.reason instanceof NeverSentBatch ||
          o.reason instanceof RefusedBatch;
        const reason = wrapper ? o.reason.cause : o.reason;
        if (!(o.reason instanceof NeverSentBatch)) neverSent = false;
        if (!(o.reason instanceof NeverSentBatch || o.reason instanceof RefusedBatch)) unwritten = false;
        // The culprit's error rather than a batch that was only not sent because of it.
        if (rejected === undefined || (rejected instanceof NotSentError && !(reason instanceof NotSentError)))
          rejected = reason;
        offset = o.reason instanceof PartlyWrittenBatch ? o.reason.offsets[positions[i]!]! : null;
      } else if (typeof o.value === "number") offset = o.value < 0 ? -1 : o.value + positions[i]!;
      else offset = o.value[positions[i]!]!;
      if (offset === null) {
        out[i] = null;
        continue;
      }
      anyWritten = true;
      const r = records[i]!;
      out[i] = { topic: r.topic, partition: partitions[i]!, offset, timestamp: r.timestamp ?? now };
    }
    if (rejected === undefined) return out;
    const error = wrap(rejected, "Failed to send records to Kafka");
    // A batch's error may be shared with others (those of a failed partition): marked on a new one.
    const mark = neverSent ? "neverSent" : unwritten ? "refused" : undefined;
    if (!anyWritten) throw mark ? rewrapped(error, mark) : error;
    // Some partitions were written: the caller sends only the others again (the port's PartlyWritten).
    throw Object.assign(rewrapped(error, mark), { written: out });
  }

  close(): Promise<void> {
    this.closing = true;
    this.closed ??= this.onClose(this.admitting ?? Promise.resolve(), false);
    return this.closed;
  }

  forceClose(): void {
    this.closing = true;
    // Java's close(Duration.ZERO): incomplete batches aborted at once, no more sends or retries; also during a
    // graceful close still waiting for the sends in flight.
    this.pipeline.close(new ConnectError("The producer was closed forcefully before the records were acknowledged"));
    const forced = this.onClose(this.admitting ?? Promise.resolve(), true);
    this.closed ??= forced;
    forced.catch(() => undefined);
  }
}

/** The records of one partition group Kafka acknowledged at `value` (its base offset, or each record's): for onWritten. */
function groupWritten(
  records: readonly ProducerRecord[],
  group: { readonly topic: string; readonly partition: number; readonly indexes: readonly number[] },
  partitions: Int32Array,
  value: number | readonly number[],
  now: number,
): [Int32Array, ProducedMetadata[]] {
  const indexes = Int32Array.from(group.indexes);
  const metadata: ProducedMetadata[] = new Array(indexes.length);
  for (let k = 0; k < indexes.length; k++) {
    const r = records[indexes[k]!]!;
    const offset = typeof value === "number" ? (value < 0 ? -1 : value + k) : value[k]!;
    metadata[k] = { topic: r.topic, partition: partitions[indexes[k]!]!, offset, timestamp: r.timestamp ?? now };
  }
  return [indexes, metadata];
}
