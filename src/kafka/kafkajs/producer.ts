/**
 * The producer side of the kafkajs adapter. kafkajs reports one base offset per partition, so the adapter's partitioner
 * notes which partition each record went to (PARTITION on the message): send-outcome.ts tells each record's offset.
 * kafkajs (dependency patch 21) keeps each partition's answer over a send's retries and sends every partition not
 * answered yet to its leader now, also one whose leader moved to a broker that answered an earlier attempt, with the
 * sequences its failed request gave back, so the new leader drops a copy its old one wrote (explore32 F1: kafkajs left
 * such a partition out, the runtime sent its records again as new ones, and they were written twice). A record whose
 * partition left kafkajs' metadata (the topic re-created with fewer partitions) has no answer: it fails the send, the
 * others listed written (PartlyWritten: send-outcome.ts' leftOut).
 *
 * Concurrent kafkajs sendBatch calls may reach the broker in any order (each first awaits metadata on its own), and
 * kafkajs' idempotent producer keeps one request in flight per broker anyway, so the adapter runs sends one after the
 * other (`maxInFlight` 1: the runtime then merges what it polls meanwhile into the next send): call order is write
 * order, as the port promises. kafkajs does not keep order across a failed request with several in flight, so this
 * adapter does not pipeline. A send a Produce request of which may have been written (timed out, its connection lost,
 * answered REQUEST_TIMED_OUT, another of its requests answered) is retried by kafkajs with the same producer id and
 * sequences (its sendMessages gives a failed request's sequences back before the retry), so the broker drops a retry of
 * a batch it had written, up to `retries` (backoff from retry.backoff.ms to retry.backoff.max.ms: adapter.ts), also
 * through Kafka not reached afterwards, until delivery.timeout.ms from the send's start: then the send rejects,
 * retriable and perhaps written, and the producer stops as at forceClose (its refused connections end kafkajs' retries:
 * ClosableSockets). Sent again by the runtime on a new producer (a new producer id), such records
 * were written twice (explore31 F1: kafkajs gave every send up after the client's 3 retries). A send that fails after
 * some of its partitions were answered (out of retries or time, forceClose) lists their records written (PartlyWritten:
 * kafkajs hands each answer to the adapter as it comes, patch 21's `answers`), as Java's producer fails only the
 * batches never acknowledged: the runtime sends only the others again. With acks=0, where no answer comes, patch 21
 * counts a partition answered once sent (offset -1), as Java's producer counts an acks=0 batch done once it is sent:
 * such a send lists the records it sent written, and only the others are sent again. A send nothing of which may be
 * written is still given up after those 3 (dependency patch 20): sent again, it is not written twice, and the runtime
 * reports why. After a send failed
 * for good every later send rejects, never sent (NotSentError; the port's contract: nothing lands ahead of the records
 * the caller sends again on a new producer). A send to one topic
 * that the broker refuses the principal (an ACL) wrote nothing and says so (the port's refused), when the refusal was
 * the send's only Produce answer and none of its Produce requests timed out (ProduceAttempts): kafkajs does not tell
 * which partitions of a send it wrote (it keeps a partition's answer and retries only the others, so one broker's
 * partitions may be written before another's are refused), nor whether an unanswered earlier attempt of its own wrote
 * them (a timeout, then a retry refused after an ACL was revoked). A Produce request lost with its connection leaves no
 * trace kafkajs reports: a retry of it refused is still taken for the only attempt. A send to several topics refused in
 * part in its only Produce answer (produce-answer.ts keeps that answer) says which records were written, at which
 * offsets, and names the refused topics (`partlyRefused`). `forceClose` (an abandoned source task's) rejects the send
 * under way at once (it may still be written), the queued ones as never sent, and disconnects. A send still unsettled
 * RETRY_GRACE_MS after it started is `retryFailure` (the source task's Degraded trace, as the default client's retries)
 * and one WARN, until it settles: without them the gateway said nothing of its own while kafkajs retried it.
 */
import type { Producer, ProducerBatch, RecordMetadata } from "kafkajs";
import { ConnectError, RetriableError } from "../../errors.ts";
import { javaUtf8Text } from "../../util/java-utf8.ts";
import { type Logger, logManager } from "../../util/logger.ts";
import { KafkaAccessError, withUnauthorizedTopic } from "../access-errors.ts";
import { invalidPartition } from "../invalid-partition.ts";
import { withInvalidTopics } from "../invalid-topics.ts";
import type { KafkaHeader, KafkaProducer, ProducedMetadata, ProducerRecord } from "../kafka-port.ts";
import { missingTopicText, withMissingTopics } from "../missing-topic.ts";
import { RETRY_GRACE_MS } from "../retry-grace.ts";
import { kafkaErrorOf, markNeverSent, markRefused, notSent, withKafkaError } from "../send-rejection.ts";
import { wrap } from "./errors.ts";
import { missingPartitionIn, type PinnedMessage } from "./partitioner.ts";
import { produceAnswerOf } from "./produce-answer.ts";
import { expired, leftOut, producedBy, refusedIn, withAcknowledged } from "./send-outcome.ts";

const UNKNOWN_TOPIC = "UNKNOWN_TOPIC_OR_PARTITION";

/**
 * A send kafkajs gave up on because Kafka does not know a topic of it: kafkajs says only "This
 * server does not host this topic-partition"; the failure names the send's topics (missing-topic.ts).
 */
function missingTopics(byTopic: ReadonlyMap<string, unknown>, cause: unknown): RetriableError {
  const topics = [...byTopic.keys()];
  const failure = new RetriableError(`Failed to send records to Kafka: ${missingTopicText(topics)}`, { cause });
  return withMissingTopics(withKafkaError(failure, UNKNOWN_TOPIC), topics);
}

export type KafkajsMessage = {
  key: Buffer | null;
  value: Buffer | null;
  headers?: readonly KafkajsHeader[];
  timestamp?: string;
} & PinnedMessage;

export function toBuffer(bytes: Uint8Array | null): Buffer | null {
  if (bytes === null) return null;
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * A header as kafkajs' record encoder and decoder (patched) take and keep it: in a list, so headers keep their order
 * (Java's RecordHeaders; kafkajs gathered them by name); a null value is Java's null (length -1).
 */
type KafkajsHeader = { readonly key: string; readonly value: Buffer | null };

/** The port's headers as kafkajs writes them: as they are when they already are (names as Java's UTF-8 encodes them). */
function toKafkajsHeaders(headers: readonly KafkaHeader[]): readonly KafkajsHeader[] | undefined {
  if (headers.length === 0) return undefined;
  for (const h of headers)
    if (javaUtf8Text(h.key) !== h.key || (h.value !== null && !Buffer.isBuffer(h.value)))
      return headers.map((h) => ({ key: javaUtf8Text(h.key), value: toBuffer(h.value) }));
  return headers as readonly KafkajsHeader[];
}

const NO_HEADERS: readonly KafkaHeader[] = [];

/** A send's records as kafkajs takes them: one message each, in their order, and by topic. */
interface KafkajsMessages {
  readonly messages: readonly KafkajsMessage[];
  readonly byTopic: ReadonlyMap<string, KafkajsMessage[]>;
}

function toKafkajsMessages(records: readonly ProducerRecord[]): KafkajsMessages {
  const byTopic = new Map<string, KafkajsMessage[]>();
  const messages = records.map((r) => {
    const m: KafkajsMessage = { key: toBuffer(r.key), value: toBuffer(r.value) };
    const headers = toKafkajsHeaders(r.headers);
    if (headers) m.headers = headers;
    if (r.partition !== null) m.partition = r.partition;
    if (r.timestamp !== null) m.timestamp = String(r.timestamp);
    const list = byTopic.get(r.topic) ?? [];
    list.push(m);
    byTopic.set(r.topic, list);
    return m;
  });
  return { messages, byTopic };
}

/** The headers kafkajs read (its decoder keeps their list, `headerList`; v0/v1 messages have none), in their order. */
export function fromKafkajsHeaders(message: object): readonly KafkaHeader[] {
  const list = (message as { headerList?: readonly { key: string | null; value: Buffer | null }[] }).headerList;
  if (list === undefined || list.length === 0) return NO_HEADERS;
  for (const h of list) if (h.key === null) return list.map((h) => ({ key: h.key ?? "", value: h.value }));
  return list as readonly KafkaHeader[];
}

/**
 * The Produce requests of the producer answered or timed out since `reset` (kafkajs' instrumentation events): the
 * adapter's sends run one at a time, so those of the send under way (and perhaps a late answer of an earlier one).
 */
class ProduceAttempts {
  answered = 0;
  timedOut = 0;

  constructor(producer: Producer) {
    const { REQUEST, REQUEST_TIMEOUT } = producer.events;
    producer.on(REQUEST, (e) => {
      if (e.payload.apiName === "Produce") this.answered++;
    });
    producer.on(REQUEST_TIMEOUT, (e) => {
      if (e.payload.apiName === "Produce") this.timedOut++;
    });
  }

  reset(): void {
    this.answered = 0;
    this.timedOut = 0;
  }

  /** At most one Produce request answered (the refusal) and none timed out: no other attempt may have written. */
  get single(): boolean {
    return this.answered <= 1 && this.timedOut === 0;
  }
}

/** How a KafkajsProducer sends (the producer settings, client-config.ts). */
export interface KafkajsSendSettings {
  readonly acks: number;
  /** kafkajs' codec number (codecs.ts). */
  readonly compression: number;
  /** request.timeout.ms: the broker's wait for the replicas' acknowledgement (Produce's timeout). */
  readonly requestTimeoutMs: number;
  /** delivery.timeout.ms: how long kafkajs may retry a send before the producer gives it up. */
  readonly deliveryTimeoutMs: number;
  readonly idempotent: boolean;
}

export class KafkajsProducer implements KafkaProducer {
  private readonly attempts: ProduceAttempts;
  readonly idempotent: boolean;

  constructor(
    private readonly producer: Producer,
    private readonly s: KafkajsSendSettings,
    /** At forceClose or a send's delivery timeout, before kafkajs disconnects: its client makes no connection any more (ClosableSockets). */
    private readonly refuseConnections: () => void = () => undefined,
    /** The client's logger (its task's context): the WARN of a send held RETRY_GRACE_MS. */
    private readonly log: Logger = logManager.get("org.apache.kafka.clients"),
  ) {
    this.attempts = new ProduceAttempts(producer);
    this.idempotent = s.idempotent;
  }

  private tail: Promise<unknown> = Promise.resolve();
  private failure: Error | undefined;
  /** Rejects the send kafkajs has under way (forceClose): its records may still be written. */
  private abortSend: ((error: Error) => void) | undefined;
  /** The disconnect under way (close, or forceClose's). */
  private disconnected: Promise<void> | undefined;
  /** The send under way, once unsettled RETRY_GRACE_MS (`held`), until it settles. */
  private heldFailure: RetriableError | undefined;
  readonly maxInFlight = 1;

  /** kafkajs retries a send on its own (Kafka unreachable, a request unanswered): said once it has for RETRY_GRACE_MS. */
  get retryFailure(): RetriableError | undefined {
    return this.heldFailure;
  }

  send(records: readonly ProducerRecord[]): Promise<ProducedMetadata[]> {
    // Not the failure itself: it may list the records of its own send written (PartlyWritten), not these.
    if (this.failure) return Promise.reject(markNeverSent(notSent(this.failure)));
    if (records.length === 0) return Promise.resolve([]);
    const result = this.tail.then(() => {
      if (this.failure) throw markNeverSent(notSent(this.failure));
      const kafkajs = toKafkajsMessages(records);
      // Each partition's answer as kafkajs gets it (dependency patch 21): what the send wrote when it fails.
      const answers: RecordMetadata[] = [];
      const acknowledged = () => producedBy(records, kafkajs.messages, answers);
      const aborted = Promise.withResolvers<never>();
      const abort = (error: Error) => aborted.reject(withAcknowledged(error, acknowledged()));
      this.abortSend = abort;
      const expiry = setTimeout(
        () => this.stop(expired(records, kafkajs.messages, acknowledged(), this.s.deliveryTimeoutMs)),
        this.s.deliveryTimeoutMs,
      );
      const held = setTimeout(() => this.held(records.length), RETRY_GRACE_MS);
      return Promise.race([this.sendNow(records, kafkajs, answers), aborted.promise])
        .catch((error: Error) => {
          this.failure ??= error;
          throw error;
        })
        .finally(() => {
          clearTimeout(expiry);
          clearTimeout(held);
          this.heldFailure = undefined;
          if (this.abortSend === abort) this.abortSend = undefined;
        });
    });
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Sends the records; `answers` gets each partition's answer as it comes (dependency patch 21). */
  private async sendNow(
    records: readonly ProducerRecord[],
    { messages, byTopic }: KafkajsMessages,
    answers: RecordMetadata[],
  ): Promise<ProducedMetadata[]> {
    let results: RecordMetadata[];
    this.attempts.reset();
    const batch: ProducerBatch & { answers: RecordMetadata[] } = {
      acks: this.s.acks,
      compression: this.s.compression,
      timeout: this.s.requestTimeoutMs,
      topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs as never })),
      answers,
    };
    try {
      results = await this.producer.sendBatch(batch);
    } catch (error) {
      // Out of retries (or ended by another failure) after some partitions were answered: those records were written.
      throw withAcknowledged(
        this.sendFailure(records, messages, byTopic, error),
        producedBy(records, messages, answers),
      );
    }
    // Kafka's acknowledgement is its partition's answer (an earlier attempt's, when the partition went since); with
    // acks=0 that the partition was sent (patch 21).
    const produced = producedBy(records, messages, results);
    if (produced.includes(null)) throw leftOut(records, messages, produced);
    return produced as ProducedMetadata[];
  }

  /** What a send kafkajs rejected with `error` fails with. */
  private sendFailure(
    records: readonly ProducerRecord[],
    messages: readonly KafkajsMessage[],
    byTopic: ReadonlyMap<string, KafkajsMessage[]>,
    error: unknown,
  ): Error {
    const missing = missingPartitionIn(error);
    if (missing) return invalidPartition(missing.topic, missing.partition, missing.count);
    const what = "Failed to send records to Kafka";
    const failure = withInvalidTopics(wrap(error, what), what, [...byTopic.keys()]);
    if (kafkaErrorOf(failure) === UNKNOWN_TOPIC && failure instanceof RetriableError)
      return missingTopics(byTopic, error);
    if (!(failure instanceof KafkaAccessError)) return failure;
    if (byTopic.size !== 1) return this.partlyRefused(records, messages, failure, error) ?? failure;
    const [topic] = byTopic.keys();
    const named = withUnauthorizedTopic(failure, topic!);
    // An ACL refuses a topic's every partition: refused in the send's only attempt, it wrote nothing (the port's
    // refused); after another Produce answer or a timeout, some of it may have been written.
    return this.attempts.single ? markRefused(named) : named;
  }

  /**
   * A send to several topics the broker refused some of (an ACL) in its only Produce answer (ProduceAttempts): that
   * answer has every partition's result, so the refused topics' records are certainly not written and the others'
   * were (the port's refused, listing those written: PartlyWritten), the failure naming the refused topics. Undefined
   * when that is not known: another attempt may have written, the answer is not at hand, or a partition failed
   * otherwise.
   */
  private partlyRefused(
    records: readonly ProducerRecord[],
    messages: readonly KafkajsMessage[],
    failure: KafkaAccessError,
    error: unknown,
  ): Error | undefined {
    const answer = produceAnswerOf(error);
    const outcome = answer && this.attempts.single ? refusedIn(records, messages, answer) : undefined;
    if (!outcome) return undefined;
    return Object.assign(markRefused(withUnauthorizedTopic(failure, outcome.refused)), { written: outcome.written });
  }

  close(): Promise<void> {
    this.disconnected ??= this.producer.disconnect();
    return this.disconnected;
  }

  /**
   * As Java's close(Duration.ZERO): the send under way rejects now (kafkajs may have its request on the wire: it may
   * still be written, not marked never sent), every later one never sent, and kafkajs disconnects. kafkajs cannot be
   * told to stop retrying a sendBatch under way: its client opens no connection any more (`refuseConnections`), so
   * those retries reach no broker.
   */
  forceClose(): void {
    this.stop(new ConnectError("The producer was closed forcefully before the records were acknowledged"));
  }

  /** The send under way rejects with `failure` (it may still be written), later ones never sent; kafkajs disconnects. */
  private stop(failure: Error): void {
    this.refuseConnections();
    this.failure ??= failure;
    this.abortSend?.(failure);
    // Also after a close(): kafkajs' retries under way may have connected again since its disconnect.
    this.disconnected = this.producer.disconnect();
    this.disconnected.catch(() => undefined);
  }

  /**
   * The send under way (of `count` records) is still unsettled RETRY_GRACE_MS after it started: kafkajs retries it (its
   * own WARN lines, throttled, say why). One WARN a send, not one a retry.
   */
  private held(count: number): void {
    const failure = new RetriableError(
      `Kafka has not acknowledged a send of ${count} records within ${RETRY_GRACE_MS / 1000} s`,
    );
    this.heldFailure = failure;
    this.log.warn(
      `${failure.message}; the producer retries it until delivery.timeout.ms (${this.s.deliveryTimeoutMs} ms)`,
    );
  }
}
