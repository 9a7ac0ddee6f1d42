/**
 * A request a broker has not answered for a while (a hung broker: SIGSTOPped, its disk stalled), not yet past
 * request.timeout.ms, so not a retry yet. The default client's producer reports a produce request as its
 * `retryFailure` (platformatic/unanswered-requests.ts) marked with what it knows, and the source task's Degraded trace
 * (send-retry-trace.ts) names the broker and how long it has been silent. Without it such a task read RUNNING with no
 * trace for request.timeout.ms (30 s) while its ingest requests were answered 503 (explore31 F2). Its consumer reports
 * a fetch request so (platformatic/unanswered-fetches.ts, onFetchFailing), for the sink task's Degraded trace
 * (sink-consumer-retry-trace.ts; explore32 F3).
 */
import { findInError } from "../util/find-in-error.ts";

/** What is known of a request (the oldest produce request, a fetch) a broker has not answered. */
export interface UnansweredRequest {
  /** The broker's node id. */
  readonly node: number;
  /** Its host:port as the cluster metadata gives it, when known. */
  readonly address: string | undefined;
  /** How long the request has gone unanswered. */
  readonly waitedMs: number;
  readonly requestTimeoutMs: number;
}

const UNANSWERED = Symbol("unanswered request");

/** "Kafka broker 3 (host:port) has not answered <what> for 5 s (request.timeout.ms 30000)". */
export function unansweredText(request: UnansweredRequest, what: string): string {
  const broker = request.address === undefined ? `${request.node}` : `${request.node} (${request.address})`;
  const seconds = Math.floor(request.waitedMs / 1000);
  return `Kafka broker ${broker} has not answered ${what} for ${seconds} s (request.timeout.ms ${request.requestTimeoutMs})`;
}

/** `error`, marked as a request not answered yet (see unansweredRequestOf). */
export function withUnansweredRequest<E extends Error>(error: E, request: UnansweredRequest): E {
  return Object.assign(error, { [UNANSWERED]: request });
}

/** The request a failure (a producer's retryFailure, a fetch reported failing) says is not answered yet (withUnansweredRequest), else undefined. */
export function unansweredRequestOf(error: unknown): UnansweredRequest | undefined {
  return findInError(error, (e: { [UNANSWERED]?: UnansweredRequest }) => e[UNANSWERED]);
}
