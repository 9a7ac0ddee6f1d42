/**
 * kafkajs errors → the gateway's error vocabulary, keeping whether a retry may cure them.
 * Authentication and authorization failures become KafkaAccessError (access-errors.ts). A broker's
 * refusal no retry cures (INVALID_TOPIC_EXCEPTION, …) is named in the trace as Java's exception for
 * it, as the platformatic adapter names it (kafka-exception-classes.ts).
 */
import { ConnectError, KafkaError, RetriableError } from "../../errors.ts";
import { findInError } from "../../util/find-in-error.ts";
import { accessFailure, isAccessError, tlsFailure } from "../access-errors.ts";
import { brokerRefusal, javaExceptionFor } from "../kafka-exception-classes.ts";
import { withKafkaError } from "../send-rejection.ts";

/**
 * kafkajs errors that a retry may cure carry `retriable: true`. When kafkajs runs out of its own
 * retries it wraps the last error as non-retriable; what counts is that error, so an unreachable
 * broker stays retriable for the runtime (which keeps retrying) however long the outage lasts.
 * Nested retriers (a send retrying a connect that ran out of retries) wrap that once more as
 * KafkaJSNonRetriableError with the root cause (a refused connection of a stopped broker); the
 * root cause decides there too. A genuinely non-retriable error is its own cause, so stays so.
 * A SASL exchange that failed keeps its failure as the cause (scripts/patch-dependencies.mjs): a
 * connection cut or timed out mid-exchange is retried, as Java's clients reconnect after
 * "terminated during authentication"; a broker's refusal is not retriable, so neither is the login.
 */
function retriable(error: unknown, depth = 0): boolean {
  const e = error as { retriable?: boolean; name?: string; cause?: unknown } | undefined;
  const wrapper =
    e?.name === "KafkaJSNumberOfRetriesExceeded" ||
    e?.name === "KafkaJSNonRetriableError" ||
    e?.name === "KafkaJSSASLAuthenticationError";
  if (wrapper && e?.cause !== undefined && e.cause !== error && depth < 8) return retriable(e.cause, depth + 1);
  return e?.retriable === true;
}

/**
 * kafkajs' names for protocol errors Kafka has since renamed (its `type`, by error code): the
 * gateway names them as Kafka does (kafkaErrorOf, the trace's Java class).
 */
const KAFKA_NAMES: Readonly<Record<string, string>> = {
  UNKNOWN: "UNKNOWN_SERVER_ERROR",
  NOT_LEADER_FOR_PARTITION: "NOT_LEADER_OR_FOLLOWER",
  GROUP_LOAD_IN_PROGRESS: "COORDINATOR_LOAD_IN_PROGRESS",
  GROUP_COORDINATOR_NOT_AVAILABLE: "COORDINATOR_NOT_AVAILABLE",
  NOT_COORDINATOR_FOR_GROUP: "NOT_COORDINATOR",
};

/** Kafka's name for a protocol error kafkajs names by its `type` (COORDINATOR_LOAD_IN_PROGRESS for GROUP_LOAD_IN_PROGRESS). */
export function kafkaErrorName(type: string): string {
  return KAFKA_NAMES[type] ?? type;
}

/**
 * The `type` of the protocol error anywhere in `error`'s causes (kafkajs' name, e.g.
 * UNKNOWN_TOPIC_OR_PARTITION): kafkajs wraps one its retries ran out on, or one it gave up at once.
 */
export function protocolErrorType(error: unknown): string | undefined {
  return findInError<string, { type?: unknown }>(error, (e) => (typeof e.type === "string" ? e.type : undefined));
}

/**
 * A metadata answer for a topic that is not there yet: being created (LEADER_NOT_AVAILABLE, or
 * UNKNOWN_TOPIC_OR_PARTITION for a moment), or not created at all (brokers that do not create topics
 * answer UNKNOWN_TOPIC_OR_PARTITION too). Not a failure of a look-up that asks for creation.
 */
export function topicNotReady(error: unknown): boolean {
  const type = protocolErrorType(error);
  return type === "UNKNOWN_TOPIC_OR_PARTITION" || type === "LEADER_NOT_AVAILABLE";
}

/** A KafkaJSProtocolError in the cause chain: Kafka's name for its error (e.g. INVALID_TIMESTAMP) and its message. */
function protocolError(error: unknown): { kafkaError: string; message: string } | undefined {
  let e = error as { name?: string; type?: unknown; message?: string; cause?: unknown } | undefined;
  for (let depth = 0; depth < 8 && e; depth++) {
    if (e.name === "KafkaJSProtocolError" && typeof e.type === "string") {
      return { kafkaError: kafkaErrorName(e.type), message: e.message ?? e.type };
    }
    if (e.cause === e) break;
    e = e.cause as typeof e;
  }
  return undefined;
}

/**
 * A refused SASL login in the cause chain: kafkajs reports it as KafkaJSSASLAuthenticationError,
 * also when the exchange only lost its connection (a retriable cause: not a refusal).
 */
function saslFailure(error: unknown): string | undefined {
  let e = error as { name?: string; message?: string; cause?: unknown } | undefined;
  for (let depth = 0; depth < 8 && e; depth++) {
    if (e.name === "KafkaJSSASLAuthenticationError") {
      if ((e.cause as { retriable?: unknown } | undefined)?.retriable === true) return undefined;
      return e.message ?? "SASL authentication failed";
    }
    if (e.cause === e) break;
    e = e.cause as typeof e;
  }
  return undefined;
}

export function wrap(error: unknown, what: string): Error {
  if (error instanceof ConnectError) return error;
  // A Kafka client failure of ours (a fetched batch's check, fetch-checks.ts) that kafkajs' retrier
  // gave up on: shown as Java's consumer throws it, not under kafkajs' wrapper.
  const cause = (error as { cause?: unknown })?.cause;
  if (cause instanceof KafkaError && (error as { name?: string }).name?.startsWith("KafkaJS")) return cause;
  const sasl = saslFailure(error);
  if (sasl !== undefined) return accessFailure(what, "SASL_AUTHENTICATION_FAILED", sasl, error);
  const tls = tlsFailure(what, error);
  if (tls) return tls;
  const protocol = protocolError(error);
  if (isAccessError(protocol?.kafkaError)) {
    // The broker's refusal, not a wrapper's words around it ("Failed to find group coordinator" for a group the
    // principal may not use).
    return accessFailure(what, protocol!.kafkaError, protocol!.message, error);
  }
  const message = `${what}: ${(error as { message?: string })?.message ?? String(error)}`;
  // kafkajs keeps Kafka's messages without their closing full stop.
  const detail = protocol && (/[.!?]$/.test(protocol.message) ? protocol.message : `${protocol.message}.`);
  if (retriable(error)) {
    // A broker's answer its retries ran out on (NOT_LEADER_OR_FOLLOWER, …) is named as Java's exception
    // for it, as Java's producer fails a send out of retries with it (Sender.completeBatch).
    const cause = protocol ? javaExceptionFor(protocol.kafkaError, detail!, error) : error;
    return withKafkaError(new RetriableError(message, { cause }), protocol?.kafkaError);
  }
  if (protocol === undefined) return new ConnectError(message, { cause: error });
  return brokerRefusal(message, protocol.kafkaError, detail!, error);
}
