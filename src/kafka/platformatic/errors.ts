/**
 * @platformatic/kafka errors → the gateway's error vocabulary. The library marks errors a retry
 * may cure with `canRetry` (network failures, retriable protocol errors) and group errors a rejoin
 * cures with `needsRejoin`, also inside the MultipleErrors it throws when its own retries ran out:
 * what counts is any such cause, so an unreachable broker stays retriable for the runtime however
 * long the outage lasts. An authentication or authorization failure anywhere in it is not, although
 * the library reports a refused SASL login as a retriable NetworkError ("Connection to … failed.")
 * with the AuthenticationError as its cause: Java's clients never retry those (access-errors.ts).
 */
import { findErrorBy, TimeoutError } from "@platformatic/kafka";
import { ConnectError, RetriableError } from "../../errors.ts";
import { accessFailure, isAccessError, tlsFailure } from "../access-errors.ts";

interface AccessDenial {
  readonly kafkaError: string;
  readonly detail: string;
}

/** The first authentication or authorization failure in the error, its causes and aggregated errors. */
function accessDenial(error: unknown, depth = 0): AccessDenial | undefined {
  if (depth > 12 || error === null || typeof error !== "object") return undefined;
  const e = error as {
    code?: unknown;
    apiId?: unknown;
    serverErrorMessage?: unknown;
    message?: unknown;
    errors?: unknown;
    cause?: unknown;
  };
  if (e.code === "PLT_KFK_PROTOCOL" && typeof e.apiId === "string" && isAccessError(e.apiId)) {
    const server = typeof e.serverErrorMessage === "string" && e.serverErrorMessage ? e.serverErrorMessage : undefined;
    return { kafkaError: e.apiId, detail: server ?? String(e.message) };
  }
  for (const inner of [...(Array.isArray(e.errors) ? e.errors : []), ...(e.cause !== error ? [e.cause] : [])]) {
    const found = accessDenial(inner, depth + 1);
    if (found) return found;
  }
  // A SASL exchange that failed on the client's side (a SCRAM server signature that does not verify),
  // not one that only lost its connection: the library wraps a cut or timed-out SaslHandshake or
  // SCRAM request in an AuthenticationError too, and Java's clients reconnect after those.
  if (e.code === "PLT_KFK_AUTHENTICATION" && !lostConnection(e.cause))
    return { kafkaError: "SASL_AUTHENTICATION_FAILED", detail: String(e.message) };
  return undefined;
}

/** A network error (a closed connection, a request timeout) in the cause chain. */
function lostConnection(error: unknown, depth = 0): boolean {
  if (depth > 8 || error === null || typeof error !== "object") return false;
  const e = error as { code?: unknown; cause?: unknown };
  return e.code === "PLT_KFK_NETWORK" || (e.cause !== error && lostConnection(e.cause, depth + 1));
}

export function retriable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (accessDenial(error) || tlsFailure("", error)) return false;
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
  const denial = accessDenial(error);
  if (denial) return accessFailure(what, denial.kafkaError, denial.detail, error);
  const tls = tlsFailure(what, error);
  if (tls) return tls;
  const message = `${what}: ${(error as { message?: string })?.message ?? String(error)}`;
  return retriable(error) ? new RetriableError(message, { cause: error }) : new ConnectError(message, { cause: error });
}

/** The library's answer for a topic the broker does not know (a UserError, not a protocol error). */
export function isUnknownTopic(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("Unknown topic ");
}

/**
 * The topics a Metadata answer refused for good (a topic's own error code that no retry cures:
 * TOPIC_AUTHORIZATION_FAILED, …), when `error` carries the answer (the library's ResponseError, the
 * last attempt's inside its MultipleErrors); undefined when it does not say.
 */
export function refusedTopics(error: unknown): ReadonlySet<string> | undefined {
  type Answer = { response?: { topics?: { name?: string | null }[] }; errors?: unknown[] };
  const e = error as Answer | null | undefined;
  const last = Array.isArray(e?.errors) ? (e.errors.at(-1) as Answer | undefined) : undefined;
  const answer = e?.response?.topics ? e : last?.response?.topics ? last : undefined;
  const refused = new Set<string>();
  for (const inner of answer?.errors ?? []) {
    const { path, canRetry } = inner as { path?: unknown; canRetry?: unknown };
    const at = typeof path === "string" ? /^\/topics\/(\d+)$/.exec(path) : null;
    const name = at ? answer!.response!.topics![Number(at[1])]?.name : undefined;
    if (name && canRetry !== true) refused.add(name);
  }
  return refused.size > 0 ? refused : undefined;
}
