/**
 * SendCoalescer: the produce path of one WorkerSourceTask. Poll batches, converted, are queued
 * here in poll order; one produce request is on the wire at a time, and when it settles every
 * record queued meanwhile goes out in the next request (several poll batches merged, up to the
 * producer's max.request.size; a batch larger than that is spread over several requests). So a
 * task that polls a few records at a time (device ingest: many small requests) still fills each
 * request, and records land in Kafka in poll order, also across retries: the sender retries a
 * request before the next one starts.
 *
 * Outcomes stay per poll batch: `enqueue` resolves with the batch's metadata once all of its
 * records are acknowledged, even when they shared a request with other batches. A request that
 * achieves only part of its records (the sender failed for good on one, or the task is stopping)
 * settles the batches it completed, fails the batch holding the first unsent record (or settles it
 * with `undefined` when stopping), and settles every later batch with `undefined` without sending
 * it; nothing is sent after that.
 *
 * Used by WorkerSourceTask, which supplies the sender (producer, retries, per-record fallback).
 */
import type { ProducedMetadata, ProducerRecord } from "../kafka/kafka-port.ts";
import { type Deferred, deferred } from "../util/async.ts";

/** Per-record framing in a Kafka record batch, roughly: enough to keep estimates on the safe side. */
const RECORD_OVERHEAD_BYTES = 64;

/** The estimated size of one record in a produce request. */
export function recordBytes(r: ProducerRecord): number {
  let n = RECORD_OVERHEAD_BYTES + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const h of r.headers) n += h.key.length + (h.value?.length ?? 0) + 8;
  return n;
}

/** What one request achieved: the outcomes of its leading records, in order. */
export interface SendOutcome {
  /** Metadata per record, or null for a record skipped (errors.tolerance=all). */
  readonly metadata: readonly (ProducedMetadata | null)[];
  /** Present when the records after `metadata` failed for good; absent when the task stopped. */
  readonly failure?: { readonly error: unknown };
}

/** Sends one request's records; settles once each has an outcome or the rest cannot be sent. */
export type Sender<T> = (records: readonly T[]) => Promise<SendOutcome>;

/** A batch's metadata per record, or undefined when it was not (wholly) sent because of a stop or an earlier failure. */
export type BatchResult = (ProducedMetadata | null)[] | undefined;

interface Queued<T> {
  readonly records: readonly T[];
  readonly metadata: (ProducedMetadata | null)[];
  readonly done: Deferred<BatchResult>;
}

export class SendCoalescer<T extends { readonly produced: ProducerRecord }> {
  private readonly queue: Queued<T>[] = [];
  /** Index, in the first queued batch, of its first record not yet sent. */
  private next = 0;
  private sending = false;
  private halted = false;

  constructor(
    private readonly send: Sender<T>,
    private readonly maxRequestBytes: number,
  ) {}

  /** Batches queued and not yet settled (the one on the wire included). */
  get size(): number {
    return this.queue.length;
  }

  /**
   * Queues one poll batch (non-empty); resolves with its metadata once Kafka acknowledged all of
   * its records, with undefined when it will not be (wholly) sent, or rejects with the failure.
   */
  enqueue(records: readonly T[]): Promise<BatchResult> {
    if (this.halted) return Promise.resolve(undefined);
    const done = deferred<BatchResult>();
    this.queue.push({ records, metadata: [], done });
    if (!this.sending) void this.drain();
    return done.promise;
  }

  private async drain(): Promise<void> {
    this.sending = true;
    while (this.queue.length > 0 && !this.halted) {
      const records = this.take();
      let outcome: SendOutcome;
      try {
        outcome = await this.send(records);
      } catch (error) {
        outcome = { metadata: [], failure: { error } };
      }
      this.settle(records.length, outcome);
    }
    this.sending = false;
  }

  /** The next records in queue order, within max.request.size (a larger record goes alone). */
  private take(): T[] {
    const out: T[] = [];
    let bytes = 0;
    let position = this.next;
    for (const batch of this.queue) {
      for (; position < batch.records.length; position++) {
        const record = batch.records[position]!;
        const size = recordBytes(record.produced);
        if (out.length > 0 && bytes + size > this.maxRequestBytes) return out;
        out.push(record);
        bytes += size;
      }
      position = 0;
    }
    return out;
  }

  /** Hands each record's outcome to its batch; settles the batches that are complete. */
  private settle(sent: number, outcome: SendOutcome): void {
    const count = Math.min(sent, outcome.metadata.length);
    for (let i = 0; i < count; i++) {
      const batch = this.queue[0]!;
      batch.metadata.push(outcome.metadata[i]!);
      this.next++;
      if (this.next === batch.records.length) {
        this.queue.shift();
        this.next = 0;
        batch.done.resolve(batch.metadata);
      }
    }
    if (count === sent) return;
    // The rest of this request was not written: nothing after it may be, or order would break.
    this.halted = true;
    const [first, ...later] = this.queue.splice(0);
    this.next = 0;
    if (first) {
      if (outcome.failure) first.done.reject(outcome.failure.error);
      else first.done.resolve(undefined);
    }
    for (const batch of later) batch.done.resolve(undefined);
  }
}
