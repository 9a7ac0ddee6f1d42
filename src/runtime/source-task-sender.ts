/**
 * SourceTaskSender: a source task's way to Kafka (WorkerSourceTask's produce paths). Requests are pipelined by a
 * SendCoalescer; each attempt takes its turn on a per-task send chain, so a partition's records reach the producer in
 * order. A producer whose send failed is retired and replaced when it is `failed` (the KafkaProducer contract: it
 * fails every later send); one that only had a batch refused goes on: an attempt carries the producer's refusals
 * handled so far (`refusalsSeen`, counted when the coalescer's recovery ends), so it is not written ahead of a refused
 * request's other records even before that request settles. The failed requests are recovered oldest first, alone
 * (send-recovery.ts): retried while Kafka is unreachable (the task is not polled meanwhile: `retrying`), sent record
 * by record when Kafka rejects them for good. For a task that `commitsAnyOrder`, records Kafka wrote are handed out
 * (`handOut`) as the coalescer learns of them, the port's `onWritten` passed to each send of several records. While the producer retries a send on its own, its last failure is the
 * sender's `sendRetry` too, said to be the producer's (the task's Degraded trace), with no change to what is polled; so
 * is a send held RETRY_GRACE_MS before it reaches the producer, by its connection or its topics (before-send-holds.ts),
 * its trace ending with how it waits: the producer's own retryFailure starts with its send, after both. A send whose topics were all found ready before
 * (`topicsEnsured`) and whose producer is connected is not held at all.
 * An abandoned task's producers are force-closed (`forceClose`): nothing of it reaches Kafka after its cancel.
 */
import type { RecordRejection, SendRetry } from "../api/connector.ts";
import type { SourceRecord } from "../api/record.ts";
import { RetriableError } from "../errors.ts";
import type { KafkaProducer, ProducedMetadata, ProducerRecord, SendOptions } from "../kafka/kafka-port.ts";
import { markNeverSent, NotSentError } from "../kafka/send-rejection.ts";
import { ABORTED, abortable } from "../util/async.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import { type BeforeSendHold, BeforeSendHolds } from "./before-send-holds.ts";
import type { RetryWithToleranceOperator } from "./errors/retry-with-tolerance.ts";
import { type BatchResult, SendCoalescer, type WrittenPart } from "./send-coalescer.ts";
import { SendRecovery } from "./send-recovery.ts";
import { sendWithoutWithdrawn } from "./send-without-withdrawn.ts";
import type { TopicCreator } from "./topic-creation.ts";
import type { ConnectorTaskId } from "./worker-task.ts";

/** A polled record and what goes to Kafka for it (what WorkerSourceTask queues: `enqueue`). */
export interface Outgoing {
  readonly record: SourceRecord;
  readonly produced: ProducerRecord;
}

export interface SourceTaskSenderOptions {
  readonly id: ConnectorTaskId;
  readonly clock: Clock;
  readonly log: Logger;
  readonly operator: RetryWithToleranceOperator;
  readonly producer: () => Promise<KafkaProducer>;
  readonly topicCreator?: TopicCreator;
  /** The task's stop signal: retries and waits end with it. */
  readonly stopSignal: () => AbortSignal;
  /** Poll order per partition is promised: one request in flight on a producer that is not idempotent. */
  readonly keepOrder: boolean;
  readonly maxRequestBytes: number;
  readonly maxInFlightBatches: number;
  readonly maxInFlightBytes: number;
  /** The SourceTask takes per-record refusals as the record's failure (`SourceTask.rejectsRecords`). */
  readonly rejectsRecords: boolean;
  /**
   * The SourceTask `withdrawsUnsent`: each send to a producer that can give records back (KafkaProducer.withdraw) is
   * kept until it settles, so `withdraw` asks it. False or absent: `withdraw` never takes back what the producer holds.
   */
  readonly withdrawsFromProducer?: boolean;
  /**
   * For a SourceTask that `commitsAnyOrder`: records Kafka wrote, handed out before their batch settles (SendCoalescer's
   * `handOut`; `owner` as passed to `enqueue`).
   */
  readonly handOut?: (owner: object, indexes: Int32Array, metadata: readonly ProducedMetadata[]) => void;
}

export class SourceTaskSender {
  private producer: KafkaProducer | undefined;
  private connecting: Promise<KafkaProducer> | undefined;
  /**
   * Sends held RETRY_GRACE_MS by the producer's connection or their topics: one WARN per outage, as the recovery's
   * retries connect again (a connection that fails after request.timeout.ms each time would otherwise log one each try).
   */
  private readonly holds: BeforeSendHolds;
  /** Each topic's creation or check (TopicCreator.ensure), shared by the sends that wait for it; gone if it failed. */
  private readonly topicsReady = new Map<string, Promise<void>>();
  /** The topics whose `topicsReady` resolved: a send to only these does not wait for them. */
  private readonly topicsEnsured = new Set<string>();
  /** Preparing and calling `producer.send` of pipelined requests, chained so sends keep their order. */
  private sending: Promise<unknown> = Promise.resolve();
  /** Produce requests on the wire; batches converted meanwhile go out merged in the next ones. */
  private readonly sends: SendCoalescer<Outgoing, object>;
  /**
   * Set when a send of the current producer failed (failed or not): no new attempt goes out until the coalescer
   * recovers the failed requests in order (a new attempt in between could land ahead of them).
   */
  private producerFailed = false;
  /**
   * Set when the task's stop gave up an attempt before its send (its producer or topics not ready): every later attempt
   * fails unsent too, so none is written after it (out of poll order, and again after a restart).
   */
  private givenUpOnStop = false;
  /** The current producer's `refusals` when it connected or the coalescer's last recovery ended: refusals handled. */
  private refusalsSeen = 0;
  /** Producers replaced after a failed send, closed once nothing of theirs is in flight. */
  private readonly retired: KafkaProducer[] = [];
  /** Retired producers whose close (bounded by request.timeout.ms) has not ended: `forceClose` ends it. */
  private readonly closing = new Set<KafkaProducer>();
  /** Records Kafka refused on their own, until their batch is acknowledged (record-rejection.ts). */
  readonly rejections = new Map<SourceRecord, RecordRejection>();
  private readonly recovery: SendRecovery;
  /** Records their task withdrew (`withdraw`), until their batch is acknowledged (`forget`); undefined while none is. */
  private withdrawn: Set<SourceRecord> | undefined;
  /** The requests whose attempt waits for its turn and has not called `producer.send` yet, in order. */
  private readonly beforeSend: (readonly Outgoing[])[] = [];
  /** Requests handed to a producer that takes records back (KafkaProducer.withdraw), until their send settles. */
  private readonly handed = new Set<Handed>();

  constructor(private readonly c: SourceTaskSenderOptions) {
    this.holds = new BeforeSendHolds(c.clock, c.log);
    this.recovery = new SendRecovery({
      id: c.id,
      operator: c.operator,
      rejectsRecords: c.rejectsRecords,
      rejections: this.rejections,
      clock: c.clock,
      log: c.log,
      stopSignal: c.stopSignal,
      producerFor: (records) => this.ensureProducerAndTopics(records),
      sendFailed: (producer) => this.replaceIfFailed(producer),
      withdrawn: () => this.withdrawn,
    });
    this.sends = new SendCoalescer(
      {
        attempt: (records, onWritten) => this.attempt(records, onWritten),
        recover: (records, error) => {
          // The failed requests go again in order, and the attempts after the recovery may go out. Cleared before
          // each failed request is recovered, and nothing sets it again meanwhile: only `retire` does, from an
          // attempt before its promise settles, and the coalescer recovers only once every attempt has settled
          // (none is pending); a recovery send that fails only replaces a failed producer (`sendFailed`).
          this.producerFailed = false;
          return this.recovery.recover(records, error);
        },
        // Every send settled and the failed ones were sent again (a refused record, alone, refused once more):
        // the producer's refusals so far are handled, so the next attempts are not held back by them.
        recovered: () => {
          if (this.producer) this.refusalsSeen = this.producer.refusals ?? 0;
        },
      },
      {
        maxRequestBytes: c.maxRequestBytes,
        // A producer that writes sends one after the other gains nothing from more than one.
        maxRequests: () => Math.min(c.maxInFlightBatches, this.producerRequests()),
        maxInFlightBytes: c.maxInFlightBytes,
        log: c.log,
        ...(c.handOut ? { handOut: c.handOut } : {}),
      },
    );
  }

  /**
   * Requests the current producer may have in flight: its maxInFlight, but 1 when the task keeps order and the producer
   * is not idempotent (it could write a retried batch after a later one).
   */
  private producerRequests(): number {
    const producer = this.producer;
    if (!producer || (this.c.keepOrder && !producer.idempotent)) return 1;
    return producer.maxInFlight ?? 1;
  }

  /** True while a send is being retried (Kafka unreachable). */
  get retrying(): boolean {
    return this.recovery.retrying;
  }

  /**
   * While a send is being retried: the failure of its last attempt and who retries it; else undefined. Retried here
   * (Kafka unreachable: `retrying`) or by a producer itself (KafkaProducer.retryFailure), which keeps taking records
   * meanwhile: the task is still polled then, as Connect's is while its producer retries. A retired producer counts
   * too: another of its sends may still be retried while the coalescer waits for it before recovering the failed one.
   */
  get sendRetry(): SendRetry | undefined {
    const byTask = this.recovery.retryFailure;
    if (byTask !== undefined) return { failure: byTask, byProducer: false };
    const failure = this.producer?.retryFailure ?? this.retired.find((p) => p.retryFailure !== undefined)?.retryFailure;
    return failure === undefined ? this.holds.retry : { failure, byProducer: true };
  }

  /**
   * While a send is being retried and none of the records handed to this sender whose batch has not settled may have
   * been written: holds them (none goes out any more; the task's stop gives them back as not sent) and returns true;
   * else false, nothing changed. The batches settled and not yet handed to the task are SourceAcknowledgements'
   * (its holdUnwritten, SourceTaskContext.holdUnwrittenSend, asks this one last).
   */
  holdUnwritten(): boolean {
    if (!this.recovery.retryUnwritten || !this.sends.othersUnwritten) return false;
    this.recovery.hold();
    return true;
  }

  /**
   * SourceTaskContext.withdrawUnsent: those of `records` (of batches queued here, or of `waiting`: a batch about to be)
   * that certainly have not reached the producer (queued in the coalescer, their request waiting for its turn, or the
   * recovery retrying them has sent them nowhere: no attempt at them went out, or each was answered "not written")
   * never will: their metadata is null when their batch settles. Returns them (empty: nothing changed). A record the
   * producer holds is taken back only when the producer gives it back unsent (KafkaProducer.withdraw, asked only with
   * `withdrawsFromProducer`): its send then settles with null metadata for it.
   */
  withdraw(records: readonly SourceRecord[], waiting: readonly Outgoing[] = []): ReadonlySet<SourceRecord> {
    const asked = new Set(records);
    const taken = new Set<SourceRecord>();
    const visit = (o: Outgoing) => {
      if (asked.has(o.record)) taken.add(o.record);
    };
    waiting.forEach(visit);
    this.sends.forEachUnsent(visit);
    for (const chunk of this.beforeSend) chunk.forEach(visit);
    this.recovery.forEachWithdrawable(visit);
    for (const h of this.handed) takeBack(h, asked, taken);
    if (taken.size > 0) {
      const withdrawn = this.withdrawn ?? new Set();
      for (const record of taken) withdrawn.add(record);
      this.withdrawn = withdrawn;
    }
    return taken;
  }

  /** A batch was acknowledged (settled and handled): its withdrawn records are forgotten. */
  forget(outgoing: readonly Outgoing[]): void {
    const withdrawn = this.withdrawn;
    if (withdrawn === undefined) return;
    for (const o of outgoing) withdrawn.delete(o.record);
    if (withdrawn.size === 0) this.withdrawn = undefined;
  }

  /** Queues a poll batch for sending; resolves with its metadata (see SendCoalescer; `owner`: its `handOut`'s). */
  enqueue(outgoing: readonly Outgoing[], owner?: object): Promise<BatchResult> {
    return this.sends.enqueue(outgoing, owner);
  }

  /** Closes the retired producers and the current one (after the sends in flight settled). */
  async close(): Promise<void> {
    this.closeRetired();
    await this.producer?.close().catch((error) => this.c.log.warn("Could not close the producer", error));
  }

  /**
   * The task is abandoned (WorkerSourceTask.onCancel, Connect's AbstractWorkerSourceTask.cancel): the current producer,
   * every retired one and one still connecting are force-closed (KafkaProducer.forceClose), so none writes a record
   * any more; their sends reject now, and `close` finds nothing to wait for. Awaits nothing.
   */
  forceClose(): void {
    for (const p of [...this.retired, ...this.closing]) p.forceClose?.();
    this.producer?.forceClose?.();
    this.connecting?.then((p) => p.forceClose?.()).catch(() => undefined);
  }

  /** The producer, connected, and `records`' topics ready (`topicCreator`); undefined when the task stops first. */
  private async ensureProducerAndTopics(records: readonly ProducerRecord[]): Promise<KafkaProducer | undefined> {
    const creator = this.c.topicCreator;
    const topics = creator ? this.topicsToEnsure(records) : undefined;
    if (this.producer && topics === undefined) return this.producer;
    // One grace for the whole wait, whichever part of it the send is in when it ends (connection, then topics).
    const held = this.holds.hold(records.length);
    try {
      const producer = this.producer ?? (await this.connect(held));
      if (producer === undefined) return undefined;
      if (creator && topics && !(await this.ensureTopics(creator, topics, held))) return undefined;
      return producer;
    } finally {
      held.end();
    }
  }

  /** The producer connected, `held` waiting for it meanwhile; undefined when the task stops first. */
  private async connect(held: BeforeSendHold): Promise<KafkaProducer | undefined> {
    this.closeRetired();
    this.connecting ??= this.c.producer();
    const connecting = this.connecting;
    held.waitingFor("connecting");
    let producer: KafkaProducer | typeof ABORTED;
    try {
      producer = await abortable(connecting, this.c.stopSignal());
    } catch (error) {
      if (this.connecting === connecting) this.connecting = undefined;
      throw error;
    }
    if (producer === ABORTED) {
      // Stopping while Kafka is unreachable: close the producer whenever it connects.
      if (this.connecting === connecting) {
        this.connecting = undefined;
        connecting.then((p) => p.close()).catch(() => undefined);
      }
      return undefined;
    }
    this.producer = producer;
    this.holds.over("connecting");
    this.refusalsSeen = producer.refusals ?? 0;
    if (this.connecting === connecting) this.connecting = undefined;
    queueMicrotask(() => this.sends.wake()); // a pipelining producer takes more requests at once
    return producer;
  }

  /** The topics of `records` not found ready yet (`topicsEnsured`); undefined when there is none. */
  private topicsToEnsure(records: readonly ProducerRecord[]): Set<string> | undefined {
    let topics: Set<string> | undefined;
    for (const { topic } of records) {
      if (this.topicsEnsured.has(topic)) continue;
      topics ??= new Set();
      topics.add(topic);
    }
    return topics;
  }

  /**
   * Each of `topics` checked or created, `held` waiting for them meanwhile; false when the task stops first. Its WARN
   * is logged again only once a send found all its topics ready: one topic ready while another's creation keeps
   * failing is still the same outage.
   */
  private async ensureTopics(
    creator: TopicCreator,
    topics: ReadonlySet<string>,
    held: BeforeSendHold,
  ): Promise<boolean> {
    held.waitingFor("topics");
    for (const topic of topics) {
      let ready = this.topicsReady.get(topic);
      if (!ready) {
        ready = creator.ensure(topic);
        this.topicsReady.set(topic, ready);
        ready.then(
          () => this.topicsEnsured.add(topic),
          () => this.topicsReady.delete(topic),
        );
      }
      if ((await abortable(ready, this.c.stopSignal())) === ABORTED) return false;
    }
    this.holds.over("topics");
    return true;
  }

  /**
   * `producer.send` of a request's records, but those withdrawn meanwhile (`withdraw`); one the producer may take records
   * of back is `handed` until it settles.
   */
  private send(
    producer: KafkaProducer,
    chunk: readonly Outgoing[],
    records: readonly ProducerRecord[],
    options: SendOptions,
  ): Promise<readonly (ProducedMetadata | null)[]> {
    const withdrawn = this.withdrawn;
    let live: number[] | undefined;
    if (withdrawn !== undefined) {
      live = [];
      for (let i = 0; i < chunk.length; i++) if (!withdrawn.has(chunk[i]!.record)) live.push(i);
      if (live.length === chunk.length) live = undefined;
    }
    if (this.c.withdrawsFromProducer !== true || producer.withdraw === undefined)
      return live ? sendWithoutWithdrawn(producer, records, live, options) : producer.send(records, options);
    const handed: Handed = { producer, chunk, live };
    const keyed = { ...options, withdrawKey: handed };
    const sent = live ? sendWithoutWithdrawn(producer, records, live, keyed) : producer.send(records, keyed);
    this.handed.add(handed);
    const settled = () => this.handed.delete(handed);
    sent.then(settled, settled);
    return sent;
  }

  /** After a failed attempt: no new one goes out until the coalescer recovered it; the producer replaced if failed. */
  private retire(producer: KafkaProducer): void {
    this.producerFailed = true;
    this.replaceIfFailed(producer);
  }

  /** A failed producer is replaced (it fails every later send: KafkaProducer); one that had a batch refused goes on. */
  private replaceIfFailed(producer: KafkaProducer): void {
    if (this.producer !== producer || producer.failed === false) return;
    this.producer = undefined;
    this.retired.push(producer);
  }

  private closeRetired(): void {
    for (const p of this.retired.splice(0)) {
      this.closing.add(p);
      p.close()
        .catch((error) => this.c.log.warn("Could not close the producer", error))
        .finally(() => this.closing.delete(p));
    }
  }

  /**
   * One attempt at a request (SendCoalescer's pipelined path); rejects on any failure. A failure before the records
   * were handed to the producer (an earlier send failed, the producer or topics not ready, stopping) is marked as never
   * sent (the port's neverSent). `onWritten`: the port's, when the coalescer hands records out.
   */
  private async attempt(
    chunk: readonly Outgoing[],
    onWritten?: WrittenPart,
  ): Promise<readonly (ProducedMetadata | null)[]> {
    if (this.givenUpOnStop) throw markNeverSent(stopping());
    if (this.producerFailed) throw markNeverSent(new NotSentError("An earlier send failed; sent again after it"));
    const records = chunk.map((o) => o.produced);
    this.beforeSend.push(chunk);
    // Preparing a request may await (the producer, topics): the next request's `send` is called
    // only after this one's, so a partition's records reach the producer in SendCoalescer order.
    const turn = this.sending.then(async () => {
      let producer: KafkaProducer | undefined;
      try {
        if (this.givenUpOnStop) throw stopping();
        if (this.producerFailed) throw new NotSentError("An earlier send failed; sent again after it");
        producer = await this.ensureProducerAndTopics(records);
        if (!producer) {
          this.givenUpOnStop = true;
          throw stopping();
        }
        // A send failed while this one waited (producer, topics): it goes again after that one's records.
        if (this.producerFailed) throw new NotSentError("An earlier send failed; sent again after it");
      } catch (error) {
        this.beforeSend.shift();
        // Only ever thrown before a send (the producer's connection, topic creation): true of every attempt it fails.
        throw error instanceof Error ? markNeverSent(error) : error;
      }
      this.beforeSend.shift();
      const options = onWritten ? { refusalsSeen: this.refusalsSeen, onWritten } : { refusalsSeen: this.refusalsSeen };
      return { producer, sent: this.send(producer, chunk, records, options) };
    });
    this.sending = turn.catch(() => undefined);
    const { producer, sent } = await turn;
    try {
      return await sent;
    } catch (error) {
      this.retire(producer);
      throw error;
    }
  }
}

/** A request handed to a producer that takes records back: `live` maps its send's indexes to `chunk`'s (all: none). */
interface Handed {
  readonly producer: KafkaProducer;
  readonly chunk: readonly Outgoing[];
  readonly live: readonly number[] | undefined;
}

/** Adds to `taken` the records of `asked` the producer gives back of the send of `h` (KafkaProducer.withdraw). */
function takeBack(h: Handed, asked: ReadonlySet<SourceRecord>, taken: Set<SourceRecord>): void {
  const at = (k: number) => h.chunk[h.live ? h.live[k]! : k]!.record;
  const count = h.live?.length ?? h.chunk.length;
  const indexes: number[] = [];
  for (let k = 0; k < count; k++) if (asked.has(at(k))) indexes.push(k);
  if (indexes.length > 0) for (const k of h.producer.withdraw?.(h, indexes) ?? []) taken.add(at(k));
}

/** An attempt given up before its send because the task stops. */
function stopping(): RetriableError {
  return new RetriableError("The task is stopping");
}
