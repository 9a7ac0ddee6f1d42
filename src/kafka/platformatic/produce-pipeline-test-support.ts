/**
 * Test support: a fake idempotent broker that answers ProducePipeline's requests when the test says,
 * and helpers to build and append the fake record batches it reads (ProducePipeline's and
 * InFlightRequests' tests).
 */
import { waitFor } from "../../../test/support/wait-for.ts";
import { cutRuns } from "./batch-split.ts";
import { type Batch, newBatch, type PartitionBatches, type SplitRecords } from "./partition-batches.ts";
import type { PipelineSettings } from "./pipeline-settings.ts";
import { ProducePipeline } from "./produce-pipeline.ts";
import type { OutgoingBatch, PartitionAnswer, ProduceTransport } from "./produce-transport.ts";
import type { RecordAccumulator } from "./record-accumulator.ts";
import { stampRecordBatch } from "./record-batch.ts";

/** A batch of one record per label (the fake broker reads the labels and the stamp back). */
export function batch(...labels: number[]): Buffer {
  const b = Buffer.alloc(61 + 4 * labels.length);
  for (let i = 0; i < labels.length; i++) b.writeInt32BE(labels[i]!, 61 + 4 * i);
  b.writeInt32BE(labels.length, 57);
  stampRecordBatch(b, -1n, -1, -1); // as encodeRecordBatch leaves it
  return b;
}
const labelOf = (b: Buffer) => b.readInt32BE(61);
const countOf = (b: Buffer) => b.readInt32BE(57);
const labelsOf = (b: Buffer) => Array.from({ length: countOf(b) }, (_, i) => b.readInt32BE(61 + 4 * i));

/**
 * A batch of `part` as ProducePipeline builds one, not in a queue yet ("done": `append` puts it there), one record of
 * 61 bytes that never times out unless `fields` say otherwise.
 */
export function testBatch(
  part: PartitionBatches,
  fields: Partial<Pick<Batch, "records" | "count" | "deadline" | "settle" | "split">> = {},
): Batch {
  return newBatch(
    part,
    fields.records ?? Buffer.alloc(61),
    fields.count ?? 1,
    fields.deadline ?? Number.POSITIVE_INFINITY,
    fields.settle ?? (() => {}),
    fields.split,
  );
}

/** How the fake batches of `labels` split (as batchSplitter: about 100 bytes a record). */
export function splitter(labels: readonly number[]): SplitRecords {
  return (target) =>
    cutRuns(
      labels.map(() => 100),
      target,
    ).map(([start, end]) => {
      const sub = labels.slice(start, end);
      return { records: batch(...sub), count: sub.length, ...(sub.length > 1 ? { split: splitter(sub) } : {}) };
    });
}
const sequenceOf = (b: Buffer) => b.readInt32BE(53);
const epochOf = (b: Buffer) => b.readInt16BE(51);
export const producerIdOf = (b: Buffer) => b.readBigInt64BE(43);

export interface SentRequest {
  readonly node: number;
  readonly batches: readonly OutgoingBatch[];
  /** Label and sequence of each batch as sent. */
  readonly sent: [number, number][];
  /** The producer epoch of each batch as sent. */
  readonly epochs: number[];
  delivered: boolean;
  answer(answers: readonly PartitionAnswer[] | null): void;
  failWith(error: Error): void;
}

/**
 * An idempotent broker per partition (as Kafka's ProducerStateManager and ProducerAppendInfo: the
 * next sequence is written, a sequence written before is DUPLICATE_SEQUENCE_NUMBER with its offset,
 * anything else OUT_OF_ORDER_SEQUENCE_NUMBER; a new producer epoch starts at sequence 0, an older
 * one is INVALID_PRODUCER_EPOCH; without the producer's state, any sequence is written, as since
 * KIP-360); requests stay open until the test answers them.
 */
export class FakeBroker implements ProduceTransport {
  readonly requests: SentRequest[] = [];
  /** Per partition: the labels written, in log order. */
  readonly logs = new Map<string, number[]>();
  private readonly nextSequence = new Map<string, number>();
  private readonly epochs = new Map<string, number>();
  /** Per partition: `epoch:sequence` → base offset of the batches written. */
  private readonly written = new Map<string, Map<string, number>>();
  producerIds = 0;
  /** The epoch InitProducerId answers. */
  initialEpoch = 0;
  /** Batches of more records, or holding one of `tooLarge`, are MESSAGE_TOO_LARGE (the topic's max.message.bytes). */
  maxRecords = Number.POSITIVE_INFINITY;
  readonly tooLarge = new Set<number>();
  /** Batches holding one of these labels are refused with its code (validated before the sequence, as Kafka). */
  readonly refusals = new Map<number, number>();
  /** Nodes the connection to never comes up (their requests stay open all the same). */
  readonly unreachable = new Set<number>();

  /** The partition count metadata answers (partitions may be added while a test runs). */
  constructor(public partitions = 1) {}

  async leaders(topics: readonly string[]): Promise<Map<string, readonly number[]>> {
    return new Map(topics.map((t) => [t, Array.from({ length: this.partitions }, () => 1)]));
  }

  async initProducerId(): Promise<{ producerId: bigint; producerEpoch: number }> {
    return { producerId: BigInt(1000 + this.producerIds++), producerEpoch: this.initialEpoch };
  }

  stamp(records: Buffer, producerId: bigint, epoch: number, sequence: number): void {
    stampRecordBatch(records, producerId, epoch, sequence);
  }

  connected(node: number): boolean {
    return !this.unreachable.has(node);
  }

  address(node: number): string {
    return `127.0.0.1:${9090 + node}`;
  }

  produce(node: number, batches: readonly OutgoingBatch[]): Promise<readonly PartitionAnswer[] | null> {
    const { promise, resolve, reject } = Promise.withResolvers<readonly PartitionAnswer[] | null>();
    this.requests.push({
      node,
      batches,
      sent: batches.map((b) => [labelOf(b.records), sequenceOf(b.records)]),
      epochs: batches.map((b) => epochOf(b.records)),
      delivered: false,
      answer: resolve,
      failWith: reject,
    });
    return promise;
  }

  /** What the broker answers for `request` when it handles it (appending what it may). */
  handle(request: SentRequest, override: Record<string, number> = {}): PartitionAnswer[] {
    return request.batches.map((b, i) => {
      const key = `${b.topic}-${b.partition}`;
      const code = override[key];
      if (code !== undefined) return { topic: b.topic, partition: b.partition, errorCode: code, baseOffset: -1 };
      const labels = labelsOf(b.records);
      if (labels.length > this.maxRecords || labels.some((l) => this.tooLarge.has(l)))
        return { topic: b.topic, partition: b.partition, errorCode: 10, baseOffset: -1 };
      const refusal = labels.find((l) => this.refusals.has(l));
      if (refusal !== undefined)
        return { topic: b.topic, partition: b.partition, errorCode: this.refusals.get(refusal)!, baseOffset: -1 };
      const sequence = request.sent[i]![1];
      const epoch = request.epochs[i]!;
      const log = this.logs.get(key) ?? [];
      this.logs.set(key, log);
      const written = this.written.get(key) ?? new Map<string, number>();
      this.written.set(key, written);
      const expected = this.nextSequence.get(key);
      const known = this.epochs.get(key);
      const answer = (errorCode: number, baseOffset: number) => ({
        topic: b.topic,
        partition: b.partition,
        errorCode,
        baseOffset,
      });
      const append = () => {
        const baseOffset = log.length;
        written.set(`${epoch}:${sequence}`, baseOffset);
        log.push(...labels);
        if (sequence >= 0) {
          this.nextSequence.set(key, sequence + labels.length);
          this.epochs.set(key, epoch);
        }
        return answer(0, baseOffset);
      };
      if (sequence === -1 || expected === undefined) return append();
      if (epoch < known!) return answer(47, -1);
      if (epoch > known!) return sequence === 0 ? append() : answer(45, -1);
      if (sequence === expected) return append();
      if (written.has(`${epoch}:${sequence}`)) return answer(46, written.get(`${epoch}:${sequence}`)!);
      return answer(45, -1);
    });
  }

  /** Handles and answers request `index`. */
  deliver(index: number, override: Record<string, number> = {}): void {
    const r = this.requests[index]!;
    r.delivered = true;
    r.answer(this.handle(r, override));
  }

  /** Loses the producer's state for `key` (producer id expiry): any sequence is written next. */
  loseState(key: string): void {
    this.nextSequence.delete(key);
    this.epochs.delete(key);
  }

  /** Forgets the requests and records so far; keeps the producers' state (their next sequences). */
  forget(): void {
    this.requests.splice(0);
    this.logs.clear();
    this.written.clear();
  }

  /** Handles and answers every request in the order made, until `done` settles. */
  async deliverUntil(done: Promise<unknown>): Promise<void> {
    let settled = false;
    void done.finally(() => {
      settled = true;
    });
    while (!settled) {
      await waitFor(() => settled || this.requests.some((r) => !r.delivered));
      const next = this.requests.findIndex((r) => !r.delivered);
      if (next >= 0) this.deliver(next);
    }
  }
}

/** A broker whose metadata fails with `error` (the cluster unreachable, a topic refused). */
export class NoMetadata extends FakeBroker {
  calls = 0;
  constructor(private readonly error: Error) {
    super();
  }
  override async leaders(): Promise<Map<string, readonly number[]>> {
    this.calls++;
    throw this.error;
  }
}

export const settings = (over: Partial<PipelineSettings> = {}): PipelineSettings => ({
  idempotent: true,
  maxInFlight: 5,
  maxRequestBytes: 1_048_576,
  deliveryTimeoutMs: 120_000,
  retries: 2_147_483_647,
  retryBackoffMs: 1,
  random: () => 0.5, // no jitter: a batch's waits before its retries and those between leader refreshes are retry.backoff.ms, doubling
  error: (message, retriable) => Object.assign(new Error(message), { retriable }),
  ...over,
});

/**
 * A pipeline whose producer wrote to t-`partition` before, so the broker has its state and the
 * pipeline keeps up to 5 batches of it on the wire (before the first is written, one at a time).
 * The write took sequence 0: the test's batches start at sequence 1; the broker forgets the write.
 */
export async function warmedUp(
  broker: FakeBroker,
  s: PipelineSettings,
  now: () => number = Date.now,
  partitions: readonly number[] = [0],
): Promise<ProducePipeline> {
  const pipeline = new ProducePipeline(broker, s, now);
  for (const p of partitions) {
    const written = append(pipeline, "t", p, batch(-1), 1);
    await waitFor(() => broker.requests.length === 1);
    broker.deliver(0);
    await written;
    broker.forget();
  }
  return pipeline;
}

/** Appends one batch to `pipeline`'s accumulator: its outcome (RecordAccumulator.appendBatch). */
export function append(
  pipeline: ProducePipeline,
  ...batch: Parameters<RecordAccumulator["appendBatch"]>
): Promise<number | readonly number[]> {
  return pipeline.accumulator.appendBatch(...batch).outcome;
}

/** Appends `labels` as one-record batches to t-0; collects each outcome. */
export function appendAll(pipeline: ProducePipeline, labels: number[], partition = 0) {
  const outcomes: (number | readonly number[] | string)[] = [];
  const all = labels.map((label, i) =>
    append(pipeline, "t", partition, batch(label), 1).then(
      (offset) => {
        outcomes[i] = offset;
      },
      (error: Error) => {
        outcomes[i] = `failed: ${error.message}`;
      },
    ),
  );
  return { outcomes, all: Promise.all(all) };
}
