/**
 * How ProducePipeline words a batch's failure and its retries: the message of a broker's answer,
 * the retriable NotSentError of batches that were only not sent because an earlier one failed,
 * the failure of a batch never put on the wire (NeverSentBatch, which the producer turns into the
 * port's neverSent) and the throttle on retry warnings (an outage would otherwise flood the log).
 */
import { protocolErrorsCodesById } from "@platformatic/kafka";
import { ConnectError, isRetriable, RetriableError } from "../../errors.ts";
import { isAccessError, KafkaAccessError } from "../access-errors.ts";
import { markNeverSent, NotSentError, withKafkaError } from "../send-rejection.ts";
import type { Batch, PartitionBatches } from "./partition-batches.ts";

/** What an error code means when the broker gives no message (as Java's exception messages say). */
const EXPLANATIONS: Readonly<Record<number, string>> = {
  10: "the record is larger than the topic's max.message.bytes or the broker's message.max.bytes",
};

/** `Kafka rejected N record(s) for t-p: CODE (message)`, or `Expiring …` for no answer (code < 0). */
export function describeBatch(b: Batch, code: number, message: string | null | undefined): string {
  const what = `${b.count} record(s) for ${b.part.topic}-${b.part.partition}`;
  if (code < 0) return `Expiring ${what}`;
  const name = protocolErrorsCodesById[code] ?? `error code ${code}`;
  const why = message || (b.count === 1 ? EXPLANATIONS[code] : undefined);
  return `Kafka rejected ${what}: ${name}${why ? ` (${why})` : ""}`;
}

/**
 * `error`, marked with the name of the broker's answer `code` (the port's kafkaErrorOf); an
 * authorization refusal (TOPIC_AUTHORIZATION_FAILED: no WRITE on the topic) becomes Java's
 * exception for it, never retried (access-errors.ts), with `error`'s message.
 */
export function brokerAnswer<E extends Error>(error: E, code: number): E | KafkaAccessError {
  const name = code > 0 ? protocolErrorsCodesById[code] : undefined;
  if (name !== undefined && isAccessError(name))
    return withKafkaError(new KafkaAccessError(name, error.message, { cause: error.cause }), name);
  return withKafkaError(error, name);
}

/** Why `b` came back: the request's error when it failed as a whole, else the broker's answer. */
export function failureDetail(b: Batch, code: number, message: string | null | undefined, cause?: unknown): string {
  return cause !== undefined ? String((cause as Error)?.message ?? cause) : describeBatch(b, code, message);
}

/** What a send made after the pipeline failed gets (sent again at once on a new producer). */
export function notSent(failure: Error): NotSentError {
  return new NotSentError(`Not sent: the producer failed earlier (${failure.message})`, { cause: failure });
}

/** What the later batches of `part` get when an earlier one failed for good (not sent: sent again at once). */
export function notSentAfter(part: PartitionBatches, failure: Error): NotSentError {
  return new NotSentError(`Not sent: an earlier batch of ${part.topic}-${part.partition} failed`, {
    cause: failure,
  });
}

/** How a batch that was never in a request fails (ProducePipeline.append): its failure is the cause. */
export class NeverSentBatch extends Error {
  override name = "NeverSentBatch";

  constructor(override readonly cause: Error) {
    super(cause.message, { cause });
  }
}

/** `error` as a new error of its kind (NotSentError, retriable or not), the cause; marked never sent when `neverSent`. */
export function rewrapped(error: Error, neverSent: boolean): Error {
  const again =
    error instanceof NotSentError
      ? new NotSentError(error.message, { cause: error })
      : isRetriable(error)
        ? new RetriableError(error.message, { cause: error })
        : new ConnectError(error.message, { cause: error });
  return neverSent ? markNeverSent(again) : again;
}

/** At most one retry warning per `intervalMs` (one per outage episode, not one per batch). */
export class RetryWarnings {
  private last = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly intervalMs: number,
    private readonly onRetry: ((message: string) => void) | undefined,
  ) {}

  warn(now: number, message: () => string): void {
    if (!this.onRetry || now - this.last < this.intervalMs) return;
    this.last = now;
    this.onRetry(message());
  }
}
