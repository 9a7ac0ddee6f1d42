/**
 * What a rejected `KafkaProducer.send` tells its caller (kafka-port.ts): which of its records were
 * written all the same (PartlyWritten), that they were not sent because an earlier send failed
 * (NotSentError), that they certainly never reached a broker (neverSent), and the Kafka protocol
 * error the broker answered (kafkaErrorOf, brokerAnswerText). Adapters mark their rejections with these; the
 * runtime's senders read them to decide what to send again and what to report.
 */
import { JavaException, RetriableError } from "../errors.ts";
import type { ProducedMetadata } from "./kafka-port.ts";

/**
 * A send's rejection may say which of its records were written all the same (other partitions of
 * the send were acknowledged): `written[i]` is record i's metadata, null when it was not and will
 * not be written by this producer. A caller sends again only the null ones.
 */
export interface PartlyWritten {
  readonly written: readonly (ProducedMetadata | null)[];
}

/**
 * A send (or part of one) rejected without being written because an earlier one failed (the
 * producer is failed, or an earlier batch of the same partition failed for good): sent again on a
 * new producer at once, without a backoff or a warning of its own (the earlier failure has them).
 */
export class NotSentError extends RetriableError {
  override name = "NotSentError";
}

/** What a send made after the producer failed gets (sent again at once on a new producer). */
export function notSent(failure: Error): NotSentError {
  return new NotSentError(`Not sent: the producer failed earlier (${failure.message})`, { cause: failure });
}

/**
 * True when the records of a rejected send (those a PartlyWritten rejection lists as null) certainly
 * never reached a broker: no attempt at them was written to a connection (the producer was failed
 * or closed already, they waited behind a batch that failed, it never had a connection). A caller
 * may then answer for them "not written, safe to send again" instead of "may still be written".
 * An adapter sets it (`markNeverSent`) only when it is certain; one that cannot know never does.
 */
export function neverSent(error: unknown): boolean {
  return (error as { neverSent?: unknown } | null | undefined)?.neverSent === true;
}

/** `error`, marked as a rejection whose records never reached a broker (see neverSent). */
export function markNeverSent<E extends Error>(error: E): E {
  return Object.assign(error, { neverSent: true as const });
}

/**
 * True when a broker refused the records of a rejected send not written (as neverSent: those a
 * PartlyWritten rejection lists as null) with an answer that means it wrote none of them, checked
 * before anything is appended, and no earlier attempt at them may have been written: an
 * authorization refusal (TOPIC_AUTHORIZATION_FAILED: the principal lacks WRITE on the topic; the
 * rejection carries it, `kafkaErrorOf`). They reached a broker, but are certainly not written, as
 * those never sent (`unwritten`). Adapters mark it (`markRefused`) only when their client tells
 * them so (kafkajs: see its producer).
 */
export function refused(error: unknown): boolean {
  return (error as { refused?: unknown } | null | undefined)?.refused === true;
}

/** `error`, marked as a rejection whose records a broker refused unwritten (see refused). */
export function markRefused<E extends Error>(error: E): E {
  return Object.assign(error, { refused: true as const });
}

/** True when the records of a rejected send not written certainly are not: never sent, or refused. */
export function unwritten(error: unknown): boolean {
  return neverSent(error) || refused(error);
}

/** The records of a rejected send that were written (PartlyWritten), if the rejection says. */
export function writtenRecords(error: unknown): readonly (ProducedMetadata | null)[] | undefined {
  const written = (error as Partial<PartlyWritten> | null | undefined)?.written;
  return Array.isArray(written) ? written : undefined;
}

/**
 * The Kafka protocol error (its name, e.g. INVALID_TIMESTAMP, MESSAGE_TOO_LARGE) a broker answered
 * for a rejected send, when the rejection is that answer: adapters set `kafkaError` on the error
 * they reject with (`withKafkaError`), possibly wrapped as the `cause` of another. Undefined for
 * failures without a broker's answer (a lost connection, a timeout, a closed producer).
 */
export function kafkaErrorOf(error: unknown): string | undefined {
  let e = error as { kafkaError?: unknown; cause?: unknown } | null | undefined;
  for (let depth = 0; depth < 8 && e !== null && typeof e === "object"; depth++) {
    if (typeof e.kafkaError === "string") return e.kafkaError;
    if (e.cause === e) break;
    e = e.cause as typeof e;
  }
  return undefined;
}

/**
 * The broker's answer in `error` as Kafka names it, with the message of Java's exception for it when `error` has one
 * as a cause: `NOT_ENOUGH_REPLICAS (Messages are rejected since there are fewer in-sync replicas than required.)`;
 * undefined when `error` is no broker's answer (a connection refused, …).
 */
export function brokerAnswerText(error: unknown): string | undefined {
  const name = kafkaErrorOf(error);
  if (name === undefined) return undefined;
  let e = error as { cause?: unknown } | null | undefined;
  for (let depth = 0; depth < 8 && e !== null && typeof e === "object"; depth++) {
    if (e instanceof JavaException) return `${name} (${e.message})`;
    if (e.cause === e) break;
    e = e.cause as typeof e;
  }
  return name;
}

/** `error`, marked as the broker's answer `kafkaError` (see kafkaErrorOf). */
export function withKafkaError<E extends Error>(error: E, kafkaError: string | undefined): E {
  return kafkaError === undefined ? error : Object.assign(error, { kafkaError });
}
