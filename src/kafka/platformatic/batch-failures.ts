/**
 * How ProducePipeline words a batch's failure and its retries: the message of a broker's answer,
 * the retriable NotSentError of batches that were only not sent because an earlier one failed,
 * the failure of a batch no request carrying which was written (NeverSentBatch, which the producer turns into
 * the port's neverSent) and that of a batch the broker refused unwritten (RefusedBatch: the port's refused).
 */
import { protocolErrors, protocolErrorsCodesById } from "@platformatic/kafka";
import { ConnectError, isRetriable, JavaException, RetriableError } from "../../errors.ts";
import { isAccessError, KafkaAccessError, withUnauthorizedTopic } from "../access-errors.ts";
import { javaExceptionClass } from "../kafka-exception-classes.ts";
import { kafkaErrorOf, markNeverSent, markRefused, NotSentError, withKafkaError } from "../send-rejection.ts";
import { wrap } from "./errors.ts";
import type { Batch, PartitionBatches } from "./partition-batches.ts";

/** What an error code means when the broker gives no message (as Java's exception messages say). */
const EXPLANATIONS: Readonly<Record<number, string>> = {
  10: "the record is larger than the topic's max.message.bytes or the broker's message.max.bytes",
};

/** Kafka's message for the protocol error `name` (Java's exception's when the broker gives none). */
function kafkaMessage(name: string): string {
  return (protocolErrors as Record<string, { message?: string } | undefined>)[name]?.message ?? name;
}

/** `Kafka rejected N record(s) for t-p: CODE (message)`, or `Expiring …` for no answer (code < 0). */
export function describeBatch(b: Batch, code: number, message: string | null | undefined): string {
  const what = `${b.count} record(s) for ${b.part.topic}-${b.part.partition}`;
  if (code < 0) return `Expiring ${what}`;
  const name = protocolErrorsCodesById[code] ?? `error code ${code}`;
  const why = message || (b.count === 1 ? EXPLANATIONS[code] : undefined);
  return `Kafka rejected ${what}: ${name}${why ? ` (${why})` : ""}`;
}

/**
 * `error`, marked with the name of the broker's answer `code` for a batch of `topic` (the port's
 * kafkaErrorOf), with Java's exception for it as its cause when it has none (its message the
 * broker's `message`, else Kafka's for the code: `RecordTooLargeException: The request included a
 * message larger than …`), as the kafkajs adapter names it; an authorization refusal
 * (TOPIC_AUTHORIZATION_FAILED: no WRITE on the topic, which it names as unauthorized) becomes
 * Java's exception for it, never retried (access-errors.ts), with `error`'s message.
 */
export function brokerAnswer<E extends Error>(
  error: E,
  code: number,
  message: string | null | undefined,
  topic: string,
): E | KafkaAccessError {
  const name = code > 0 ? protocolErrorsCodesById[code] : undefined;
  if (name === undefined) return error;
  if (!isAccessError(name)) {
    error.cause ??= new JavaException(javaExceptionClass(name), message || kafkaMessage(name));
    return withKafkaError(error, name);
  }
  const refusal = withKafkaError(new KafkaAccessError(name, error.message, { cause: error.cause }), name);
  return withUnauthorizedTopic(refusal, topic);
}

/**
 * `error` of a batch `b` whose delivery.timeout.ms ran out `elapsedMs` after it was created, with Java's
 * exception for it between `error` and its cause: the TimeoutException with the message of Java's
 * Sender (failExpiredBatches) for an expired batch, whether or not it was on the wire.
 */
export function withExpiry<E extends Error>(error: E, b: Batch, elapsedMs: number): E {
  const what = `${b.count} record(s) for ${b.part.topic}-${b.part.partition}`;
  const expiry = new JavaException(
    javaExceptionClass("REQUEST_TIMED_OUT"),
    `Expiring ${what}:${elapsedMs} ms has passed since batch creation. The request has not been sent, or no server response has been received yet.`,
  );
  if (error.cause !== undefined) expiry.cause = error.cause;
  error.cause = expiry;
  return error;
}

/**
 * `error` of `what` (getting metadata for `topics`, or a producer id) as the access failure it is (access-errors.ts),
 * naming the topic as unauthorized for a topic refusal of metadata for one topic; undefined when it is none.
 */
export function accessRefusal(
  error: unknown,
  what: string,
  topics?: ReadonlySet<string>,
): KafkaAccessError | undefined {
  const failure = wrap(error, what);
  if (!(failure instanceof KafkaAccessError)) return undefined;
  return topics?.size === 1 ? withUnauthorizedTopic(failure, topics.values().next().value!) : failure;
}

/** Why `b` came back: the request's error when it failed as a whole, else the broker's answer. */
export function failureDetail(b: Batch, code: number, message: string | null | undefined, cause?: unknown): string {
  // Without its closing full stop: "; retrying …" follows (the library's "Connection to h:p failed.").
  return cause !== undefined
    ? String((cause as Error)?.message ?? cause).replace(/\.$/, "")
    : describeBatch(b, code, message);
}

/** What the later batches of `part` get when an earlier one failed for good (not sent: sent again at once). */
export function notSentAfter(part: PartitionBatches, failure: Error): NotSentError {
  return new NotSentError(`Not sent: an earlier batch of ${part.topic}-${part.partition} failed`, {
    cause: failure,
  });
}

/**
 * How a batch no request carrying which was written fails (RecordAccumulator.appendBatch): its failure is the cause.
 */
export class NeverSentBatch extends Error {
  override name = "NeverSentBatch";

  constructor(override readonly cause: Error) {
    super(cause.message, { cause });
  }
}

/**
 * How a batch that the broker refused unwritten fails (RecordAccumulator.appendBatch): an authorization refusal (its
 * answer, or metadata's) of a batch no earlier attempt of which may have been written (the port's refused). Its failure
 * is the cause.
 */
export class RefusedBatch extends Error {
  override name = "RefusedBatch";

  constructor(override readonly cause: Error) {
    super(cause.message, { cause });
  }
}

/**
 * `failure` of `batch` (a request carrying it was, or may have been, written), as a RefusedBatch when the broker
 * refused it unwritten.
 */
export function attemptedBatchFailure(batch: { readonly uncertain: boolean }, failure: Error): Error {
  return !batch.uncertain && failure instanceof KafkaAccessError ? new RefusedBatch(failure) : failure;
}

/** A copy of `error` (its class, answer and cause): a trace shows it once, not as its own cause. */
function accessFailureCopy(error: KafkaAccessError): KafkaAccessError {
  const kafkaError = kafkaErrorOf(error);
  const copy = new KafkaAccessError(kafkaError ?? "", error.message, {
    cause: error.cause,
    javaClass: error.javaClass,
    ...(error.unauthorizedTopics ? { unauthorizedTopics: error.unauthorizedTopics } : {}),
    ...(error.tlsCode ? { tlsCode: error.tlsCode } : {}),
  });
  return withKafkaError(copy, kafkaError);
}

/**
 * `error` as a new error of its kind (NotSentError, an access failure, retriable or not), the cause; marked never
 * sent, or refused, as `mark` says.
 */
export function rewrapped(error: Error, mark?: "neverSent" | "refused"): Error {
  const again =
    error instanceof NotSentError
      ? new NotSentError(error.message, { cause: error })
      : error instanceof KafkaAccessError
        ? accessFailureCopy(error)
        : isRetriable(error)
          ? new RetriableError(error.message, { cause: error })
          : new ConnectError(error.message, { cause: error });
  return mark === "neverSent" ? markNeverSent(again) : mark === "refused" ? markRefused(again) : again;
}
