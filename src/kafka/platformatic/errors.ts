/**
 * @platformatic/kafka errors → the gateway's error vocabulary. The library marks errors a retry
 * may cure with `canRetry` (network failures, retriable protocol errors) and group errors a rejoin
 * cures with `needsRejoin`, also inside the MultipleErrors it throws when its own retries ran out:
 * what counts is any such cause, so an unreachable broker stays retriable for the runtime however
 * long the outage lasts.
 */
import { findErrorBy, TimeoutError } from "@platformatic/kafka";
import { ConnectError, RetriableError } from "../../errors.ts";

export function retriable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    error instanceof TimeoutError ||
    findErrorBy(error, "canRetry", true) !== null ||
    // Group membership lost (REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID): the
    // library marks these for a rejoin, not a retry; a new join cures them, as Java's consumer treats
    // them (RebalanceInProgressException is retriable).
    findErrorBy(error, "needsRejoin", true) !== null
  );
}

export function wrap(error: unknown, what: string): Error {
  if (error instanceof ConnectError) return error;
  const message = `${what}: ${(error as { message?: string })?.message ?? String(error)}`;
  return retriable(error) ? new RetriableError(message, { cause: error }) : new ConnectError(message, { cause: error });
}

/** The library's answer for a topic the broker does not know (a UserError, not a protocol error). */
export function isUnknownTopic(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("Unknown topic ");
}
