/**
 * Connect's HerderRequestHandler.completeOrForwardRequest for a request its herder answers with a
 * RequestTargetException it cannot forward (NotAssignedError: a task its connector had, assigned to no
 * worker): 409, in words that depend on the request's `forward` flag. Absent or true (the first worker
 * to take a request forwards it), the worker knows no leader to send it to; otherwise the request was
 * already forwarded once, so Connect takes a rebalance to have moved its target. Called by the routes
 * whose Connect resource takes `forward` (connector-state.ts: a task's restart).
 */
import type { Context } from "hono";
import { NotAssignedError, RestError } from "../errors.ts";

const NO_KNOWN_LEADER =
  "Cannot complete request momentarily due to no known leader URL, likely because a rebalance was underway.";
const CONFLICTING_OPERATION = "Cannot complete request because of a conflicting operation (e.g. worker rebalance)";

export async function completeOrForward<T>(c: Context, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (!(error instanceof NotAssignedError)) throw error;
    // A `Boolean forward` query parameter without a default: absent is null, which forwards as `true` does; given,
    // Boolean.valueOf of the first (empty is false, as any text but a case-insensitive "true").
    const forward = c.req.query("forward");
    const forwards = forward === undefined || forward.toLowerCase() === "true";
    throw new RestError(409, forwards ? NO_KNOWN_LEADER : CONFLICTING_OPERATION);
  }
}
