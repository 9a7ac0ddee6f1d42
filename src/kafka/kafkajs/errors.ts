/**
 * kafkajs errors → the gateway's error vocabulary, keeping whether a retry may cure them.
 */
import { ConnectError, RetriableError } from "../../errors.ts";

/**
 * kafkajs errors that a retry may cure carry `retriable: true`. When kafkajs runs out of its own
 * retries it wraps the last error as non-retriable; what counts is that error, so an unreachable
 * broker stays retriable for the runtime (which keeps retrying) however long the outage lasts.
 */
function retriable(error: unknown): boolean {
  const e = error as { retriable?: boolean; name?: string; cause?: unknown } | undefined;
  if (e?.name === "KafkaJSNumberOfRetriesExceeded") return retriable(e.cause);
  return e?.retriable === true;
}

export function wrap(error: unknown, what: string): Error {
  if (error instanceof ConnectError) return error;
  const message = `${what}: ${(error as { message?: string })?.message ?? String(error)}`;
  return retriable(error) ? new RetriableError(message, { cause: error }) : new ConnectError(message, { cause: error });
}
