/**
 * kafkajs errors → the gateway's error vocabulary, keeping whether a retry may cure them.
 * Authentication and authorization failures become KafkaAccessError (access-errors.ts).
 */
import { ConnectError, KafkaError, RetriableError } from "../../errors.ts";
import { accessFailure, isAccessError, tlsFailure } from "../access-errors.ts";
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

/** The protocol error's name (e.g. INVALID_TIMESTAMP) of a KafkaJSProtocolError in the cause chain. */
function protocolErrorType(error: unknown): string | undefined {
  let e = error as { name?: string; type?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; depth < 8 && e; depth++) {
    if (e.name === "KafkaJSProtocolError" && typeof e.type === "string") return e.type;
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
  const type = protocolErrorType(error);
  if (isAccessError(type)) {
    return accessFailure(what, type!, (error as { message?: string })?.message ?? String(type), error);
  }
  const message = `${what}: ${(error as { message?: string })?.message ?? String(error)}`;
  const wrapped = retriable(error)
    ? new RetriableError(message, { cause: error })
    : new ConnectError(message, { cause: error });
  return withKafkaError(wrapped, protocolErrorType(error));
}
