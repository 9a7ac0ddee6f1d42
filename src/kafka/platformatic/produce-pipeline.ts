/**
 * ProducePipeline: the request pipeline of the @platformatic/kafka adapter's producer, as Java's
 * Sender and RecordAccumulator run it. The adapter appends one encoded RecordBatch per partition
 * and send; the pipeline groups ready batches by partition leader into Produce requests (at most
 * one batch per partition per request, within max.request.size), keeps up to `maxInFlight`
 * requests on the wire per broker and at most buffer.memory bytes on the wire in all. Talks to
 * Kafka through a ProduceTransport (a fake in tests).
 *
 * Idempotence (acks=all, the default): per partition, batches keep their first sequence number
 * through every retry and go out in append order; after a retriable error nothing of the partition
 * goes again until the batches on the wire came back (PartitionBatches has the rules), so records
 * land in append order, each once.
 *
 * A batch fails for good on a fatal error, on OUT_OF_ORDER_SEQUENCE_NUMBER when no earlier batch
 * of its partition is pending, after `retries`, or once delivery.timeout.ms has passed since it
 * was appended. Then the later batches of that partition not on the wire fail with it (a
 * retriable NotSentError); those on the wire settle on their own answer, so a failed batch is one
 * the broker will not write. The pipeline is failed: it takes no new batches (`failure`), so
 * nothing is written after a failed batch with this producer id; the caller replaces the producer
 * (a new producer id, as Java's idempotent producer bumps its epoch). Other partitions go on.
 *
 * Without idempotence, batches carry no sequence; order holds with maxInFlight 1 (Java's rule:
 * with more, a retried batch may land after a later one).
 */
import { describeBatch, failureDetail, notSent, notSentAfter, RetryWarnings } from "./batch-failures.ts";
import { retriable as isRetriable, isUnknownTopic } from "./errors.ts";
import { type Batch, PartitionBatches, partitionKey } from "./partition-batches.ts";
import { PartitionLeaders } from "./partition-leaders.ts";
import { nextRequest, partitionsByLeader } from "./produce-requests.ts";
import type { PartitionAnswer, ProduceTransport } from "./produce-transport.ts";
import { WakeTimer } from "./wake-timer.ts";

export interface PipelineSettings {
  readonly idempotent: boolean;
  /** Requests on the wire per broker, at most. */
  readonly maxInFlight: number;
  readonly maxRequestBytes: number;
  /** Bytes on the wire at once, over all brokers (buffer.memory); one larger request goes alone. */
  readonly maxInFlightBytes?: number;
  readonly deliveryTimeoutMs: number;
  readonly retries: number;
  readonly retryBackoffMs: number;
  /** Builds the error a batch fails with (the adapter's error vocabulary). */
  readonly error: (message: string, retriable: boolean, cause?: unknown) => Error;
  /** Told about a batch that goes again (a warning for the log, as Java's Sender writes one). */
  readonly onRetry?: (message: string) => void;
}

/** At most one retry warning per this many milliseconds (an outage would otherwise flood the log). */
const RETRY_WARNING_INTERVAL_MS = 5_000;

export class ProducePipeline {
  private readonly partitions = new Map<string, PartitionBatches>();
  private readonly leaders: PartitionLeaders;
  private readonly inFlight = new Map<number, number>();
  private wireBytes = 0;
  private producerId = -1n;
  private epoch = -1;
  private pumping = false;
  private again = false;
  private scheduled = false;
  private readonly timer: WakeTimer;
  private pending = 0;
  private idle: (() => void)[] = [];
  /** Set once a batch failed for good: no new batch is taken. */
  failure: Error | undefined;
  private closed = false;
  private readonly retryWarnings: RetryWarnings;
  /** Why metadata or a producer id could not be had lately (for the expiry message). */
  private lastError: string | undefined;

  constructor(
    private readonly transport: ProduceTransport,
    private readonly s: PipelineSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.leaders = new PartitionLeaders(transport, s.retryBackoffMs, (m) => s.error(m, true));
    this.retryWarnings = new RetryWarnings(RETRY_WARNING_INTERVAL_MS, s.onRetry);
    this.timer = new WakeTimer(now, () => void this.pump());
  }

  /** Gets the producer id now (idempotent), so a connect reports an unreachable cluster. */
  async start(): Promise<void> {
    if (!this.s.idempotent || this.producerId >= 0n) return;
    const id = await this.transport.initProducerId();
    this.producerId = id.producerId;
    this.epoch = id.producerEpoch;
  }

  /** The partition count of `topic`, from metadata when not known yet (PartitionLeaders.count). */
  partitionCount(topic: string): Promise<number> {
    return this.leaders.count(topic);
  }

  /** Knows `topic` already (its partitions can be chosen without a metadata call). */
  knownPartitionCount(topic: string): number | undefined {
    return this.leaders.known(topic);
  }

  /** Appends one encoded batch of `count` records; resolves with its base offset (-1 for acks=0). */
  append(topic: string, partition: number, records: Buffer, count: number): Promise<number> {
    if (this.failure) return Promise.reject(notSent(this.failure));
    if (this.closed) return Promise.reject(this.s.error("The producer is closed", false));
    const key = partitionKey(topic, partition);
    let part = this.partitions.get(key);
    if (!part) {
      part = new PartitionBatches(topic, partition, this.s.idempotent);
      this.partitions.set(key, part);
    }
    this.pending++;
    const { promise, resolve, reject } = Promise.withResolvers<number>();
    const settle = (result: number | Error) => {
      if (--this.pending === 0) for (const f of this.idle.splice(0)) f();
      if (typeof result === "number") resolve(result);
      else reject(result);
    };
    part.queue.push({
      part,
      records,
      count,
      deadline: this.now() + this.s.deliveryTimeoutMs,
      settle,
      state: "queued",
      sequence: -1,
      generation: 0,
      retryAt: 0,
      attempts: 0,
    });
    // Later in this tick: the batches of one send (one per partition) go out in one request.
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        void this.pump();
      });
    }
    return promise;
  }

  /** Resolves once no batch is pending. */
  drained(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Fails whatever is still pending and sends nothing more. */
  close(reason: Error): void {
    this.closed = true;
    this.timer.stop();
    for (const part of this.partitions.values()) {
      for (const b of part.queue.splice(0)) this.finish(b, reason);
    }
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        await this.pumpOnce();
      } while (this.again && !this.closed);
    } finally {
      this.pumping = false;
    }
  }

  private async pumpOnce(): Promise<void> {
    if (this.closed) return;
    const now = this.now();
    this.expire(now);
    if (this.s.idempotent && this.producerId < 0n) {
      try {
        const id = await this.transport.initProducerId();
        this.producerId = id.producerId;
        this.epoch = id.producerEpoch;
      } catch (error) {
        return this.cannotSend(error, now, "Could not get a producer id");
      }
    }
    const wanted = new Set<string>();
    for (const part of this.partitions.values()) {
      if (part.queue.length === 0) continue;
      if (this.leaders.stale || this.leaders.leader(part.topic, part.partition) < 0) wanted.add(part.topic);
    }
    if (wanted.size > 0) {
      try {
        await this.leaders.refresh([...wanted]);
      } catch (error) {
        return this.cannotSend(error, now, "Could not get metadata", wanted);
      }
    }
    this.lastError = undefined;
    const { byNode, leaderless } = partitionsByLeader(this.partitions.values(), this.leaders);
    if (leaderless) {
      this.leaders.stale = true;
      this.wakeAt(now + this.s.retryBackoffMs);
    }
    const maxWireBytes = this.s.maxInFlightBytes ?? Number.POSITIVE_INFINITY;
    for (const [node, parts] of byNode) {
      while ((this.inFlight.get(node) ?? 0) < this.s.maxInFlight) {
        const limits = { maxRequestBytes: this.s.maxRequestBytes, maxWireBytes, wireBytes: this.wireBytes };
        const batches = nextRequest(
          parts,
          now,
          limits,
          (at) => this.wakeAt(at),
          (b, sequence) => this.transport.stamp(b.records, this.producerId, this.epoch, sequence),
        );
        if (batches.length === 0) break;
        this.send(node, batches);
      }
    }
  }

  /**
   * Metadata or a producer id could not be had: a retriable error is kept for the expiry message
   * and tried again after retry.backoff.ms; any other (an authorization failure, …) fails the
   * batches not on the wire at once (of `topics`, or all), with the cause.
   */
  private cannotSend(error: unknown, now: number, what: string, topics?: ReadonlySet<string>): void {
    const message = `${what}: ${(error as Error)?.message ?? String(error)}`;
    if (isRetriable(error) || isUnknownTopic(error)) {
      this.lastError = message;
      this.wakeAt(now + this.s.retryBackoffMs);
      return;
    }
    const failure = this.s.error(message, false, error);
    this.failure ??= failure;
    for (const part of this.partitions.values()) {
      if (topics && !topics.has(part.topic)) continue;
      const first = part.queue.find((b) => b.state !== "inflight");
      if (first) this.fail(first, failure);
    }
  }

  private send(node: number, batches: Batch[]): void {
    this.inFlight.set(node, (this.inFlight.get(node) ?? 0) + 1);
    let bytes = 0;
    for (const b of batches) bytes += b.records.length;
    this.wireBytes += bytes;
    const outgoing = batches.map((b) => ({ topic: b.part.topic, partition: b.part.partition, records: b.records }));
    this.transport.produce(node, outgoing).then(
      (answers) => {
        this.wireBytes -= bytes;
        this.onAnswers(node, batches, answers);
      },
      (error) => {
        this.wireBytes -= bytes;
        this.onRequestFailed(node, batches, error);
      },
    );
  }

  private onAnswers(node: number, batches: Batch[], answers: readonly PartitionAnswer[] | null): void {
    this.inFlight.set(node, (this.inFlight.get(node) ?? 1) - 1);
    const byKey = new Map<string, PartitionAnswer>();
    for (const a of answers ?? []) byKey.set(partitionKey(a.topic, a.partition), a);
    for (const b of batches) {
      if (b.state !== "inflight") continue; // failed meanwhile with an earlier batch
      if (answers === null) {
        this.succeed(b, -1);
        continue;
      }
      const a = byKey.get(partitionKey(b.part.topic, b.part.partition));
      const code = a?.errorCode ?? 13; // no answer for it: as a network error
      const verdict = b.part.verdict(b, code);
      if (verdict === "written") this.succeed(b, a!.baseOffset);
      else if (verdict === "fatal") this.fail(b, this.s.error(describeBatch(b, code, a?.errorMessage), false));
      else {
        if (verdict === "retry-after-metadata") this.leaders.stale = true;
        this.retry(b, code, a?.errorMessage);
      }
    }
    void this.pump();
  }

  private onRequestFailed(node: number, batches: Batch[], error: unknown): void {
    this.inFlight.set(node, (this.inFlight.get(node) ?? 1) - 1);
    this.leaders.stale = true;
    for (const b of batches) if (b.state === "inflight") this.retry(b, -1, null, error);
    void this.pump();
  }

  private succeed(b: Batch, baseOffset: number): void {
    b.part.written(b);
    this.finish(b, baseOffset);
  }

  private retry(b: Batch, code: number, message: string | null | undefined, cause?: unknown): void {
    const now = this.now();
    const detail = () => failureDetail(b, code, message, cause);
    if (b.attempts > this.s.retries || now >= b.deadline) {
      const why = b.attempts > this.s.retries ? `retries (${this.s.retries}) exhausted` : "delivery.timeout.ms elapsed";
      this.fail(b, this.s.error(`${detail()}; ${why}`, true, cause));
      return;
    }
    b.part.waitForRetry(b, now + this.s.retryBackoffMs);
    this.wakeAt(b.retryAt);
    this.retryWarnings.warn(now, () => `${detail()}; retrying (attempt ${b.attempts + 1}) until delivery.timeout.ms`);
  }

  /**
   * `b` and every later batch of its partition not on the wire fail (those on the wire settle on
   * their answer: PartitionBatches.failFrom); the pipeline takes nothing new.
   */
  private fail(b: Batch, error: Error): void {
    this.failure ??= error;
    const [failed, ...later] = b.part.failFrom(b);
    this.finish(failed!, error);
    if (later.length === 0) return;
    const collateral = notSentAfter(b, error);
    for (const c of later) this.finish(c, collateral);
  }

  private finish(b: Batch, result: number | Error): void {
    if (b.state === "done") return;
    b.state = "done";
    b.settle(result);
  }

  /** Batches not on the wire whose delivery timeout passed fail. */
  private expire(now: number): void {
    const why = this.lastError ? ` (${this.lastError})` : "";
    let earliest = Number.POSITIVE_INFINITY;
    for (const part of this.partitions.values()) {
      const b = part.expired(now);
      if (b)
        this.fail(
          b,
          this.s.error(`${describeBatch(b, -1, null)}: delivery.timeout.ms elapsed before it was sent${why}`, true),
        );
      earliest = Math.min(earliest, part.earliestDeadline());
    }
    if (earliest !== Number.POSITIVE_INFINITY) this.wakeAt(earliest);
  }

  private wakeAt(at: number): void {
    this.timer.wakeAt(at);
  }
}
