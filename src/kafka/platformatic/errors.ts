/**
 * @platformatic/kafka errors → the gateway's error vocabulary. The library marks errors a retry
 * may cure with `canRetry` (network failures, retriable protocol errors) and group errors a rejoin
 * cures with `needsRejoin`, also inside the MultipleErrors it throws when its own retries ran out:
 * what counts is such a cause of the attempt it gave up on (the last), so an unreachable broker stays
 * retriable for the runtime however long the outage lasts, and a refusal that ended the retries after a
 * retriable answer is not. An authentication or authorization failure anywhere in it is not, although
 * the library reports a refused SASL login as a retriable NetworkError ("Connection to … failed.")
 * with the AuthenticationError as its cause: Java's clients never retry those (access-errors.ts).
 * A broker's refusal no retry cures (INVALID_TOPIC_EXCEPTION, …) is named in the wrapped error's
 * trace as Java's exception for it (`Caused by: org.apache.kafka.common.errors.InvalidTopicException:
 * The request attempted to perform an operation on an invalid topic.`), not only as the library's
 * "Received response with error while executing API …", and marked with its name (kafkaErrorOf).
 * When the library's retries ran out ("metadata failed 4 times."), the message names the network
 * error of the attempt it gave up on (the last) and its socket's reason ("Connection to 127.0.0.1:9092 failed: connect
 * ECONNREFUSED 127.0.0.1:9092"), as kafkajs's does: the operator sees why Kafka was not reached; a connection Kafka cut
 * names its broker too ("Connection to 127.0.0.1:9092 closed: read ECONNRESET"). A last attempt that failed in another
 * operation's request says so: a fetch whose metadata request failed ("fetch failed 4 times. (its metadata request
 * failed 4 times: Connection to …)") never reached the fetch's broker.
 * Without one, a group coordinator that was not ready is named ("COORDINATOR_LOAD_IN_PROGRESS: The
 * coordinator is loading and hence can't process requests."), as kafkajs' message says it, and so is
 * the broker's answer inside an admin operation's summary ("Deleting groups failed. (NON_EMPTY_GROUP:
 * The group is not empty.)"). A retriable error is marked with the broker's answer a retry or rejoin
 * may cure (UNKNOWN_MEMBER_ID), as kafkajs' adapter marks it.
 */
import { findErrorBy, NetworkError, TimeoutError } from "@platformatic/kafka";
import { ConnectError, RetriableError } from "../../errors.ts";
import { type CausedError, findInError } from "../../util/find-in-error.ts";
import { accessFailure, isAccessError, tlsFailure } from "../access-errors.ts";
import { COORDINATOR_NOT_READY } from "../coordinator-wait-policy.ts";
import { brokerRefusal } from "../kafka-exception-classes.ts";
import { withKafkaError } from "../send-rejection.ts";

/** A broker's error named in a library error: its Kafka error name and the broker's message. */
interface BrokerError {
  readonly kafkaError: string;
  readonly detail: string;
}

/** The fields of a library error this module reads. */
interface LibraryError extends CausedError {
  readonly code?: unknown;
  readonly apiId?: unknown;
  readonly canRetry?: unknown;
  readonly needsRejoin?: unknown;
  readonly serverErrorMessage?: unknown;
  readonly message?: unknown;
  readonly errors?: unknown;
  readonly cause?: unknown;
  readonly broker?: unknown;
}

/** A broker's answer (the library's ProtocolError) that `accept` takes by its Kafka error name and retriability. */
function protocolError(e: LibraryError, accept: (kafkaError: string) => boolean): BrokerError | undefined {
  if (e.code !== "PLT_KFK_PROTOCOL" || typeof e.apiId !== "string" || !accept(e.apiId)) return undefined;
  const server = typeof e.serverErrorMessage === "string" && e.serverErrorMessage ? e.serverErrorMessage : undefined;
  return { kafkaError: e.apiId, detail: server ?? String(e.message) };
}

/** The first authentication or authorization failure in the error, its causes and aggregated errors. */
function accessDenial(error: unknown): BrokerError | undefined {
  return findInError<BrokerError, LibraryError>(
    error,
    (e) => protocolError(e, isAccessError),
    // A SASL exchange that failed on the client's side (a SCRAM server signature that does not verify),
    // not one that only lost its connection: the library wraps a cut or timed-out SaslHandshake or
    // SCRAM request in an AuthenticationError too, and Java's clients reconnect after those.
    (e) =>
      e.code === "PLT_KFK_AUTHENTICATION" && !lostConnection(e.cause)
        ? { kafkaError: "SASL_AUTHENTICATION_FAILED", detail: String(e.message) }
        : undefined,
  );
}

/** A network error (a closed connection, a request timeout) in the cause chain. */
function lostConnection(error: unknown, depth = 0): boolean {
  if (depth > 8 || error === null || typeof error !== "object") return false;
  const e = error as { code?: unknown; cause?: unknown };
  return e.code === "PLT_KFK_NETWORK" || (e.cause !== error && lostConnection(e.cause, depth + 1));
}

/**
 * Whether a retry may cure `error`, decided by the error the library gave up on (givenUpOn: its last attempt's): after
 * NOT_COORDINATOR (retriable) a JoinGroup answered INCONSISTENT_GROUP_PROTOCOL ended the retries, and no retry cures
 * that. An authentication, authorization or TLS failure anywhere in it is never retriable.
 */
export function retriable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (accessDenial(error) || tlsFailure("", error)) return false;
  const last = givenUpOn(error);
  if (!(last instanceof Error)) return false;
  return (
    error instanceof TimeoutError ||
    last instanceof TimeoutError ||
    findErrorBy(last, "canRetry", true) !== null ||
    // Group membership lost (REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID): the
    // library marks these for a rejoin, not a retry; a new join cures them, as Java's consumer treats
    // them (RebalanceInProgressException is retriable).
    findErrorBy(last, "needsRejoin", true) !== null
  );
}

/**
 * A group coordinator's call that failed because the coordinator was not reached (refused, cut, timed out) or
 * not ready (COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR) when the library gave up:
 * what Java's admin client retries, finding the coordinator again, until default.api.timeout.ms.
 */
export function coordinatorUnavailable(error: unknown): boolean {
  return kafkaNotReached(error) || (retriable(error) && coordinatorNotReady(error) !== undefined);
}

/** A call the library gave up on because Kafka was not reached (refused, cut, timed out); never an access or TLS failure. */
export function kafkaNotReached(error: unknown): boolean {
  return retriable(error) && notReached(givenUpOn(error));
}

/** Kafka not reached: a network error (refused, cut) anywhere in the error, or a request that timed out. */
function notReached(error: unknown): boolean {
  return (
    error instanceof TimeoutError || (error instanceof Error && findErrorBy(error, "code", NetworkError.code) !== null)
  );
}

/**
 * The broker's error in a library error (a ProtocolError of its ResponseError, also inside the
 * MultipleErrors of its retries): the first that no retry cures; undefined when there is none.
 */
function refusalIn(error: unknown): BrokerError | undefined {
  return findInError(error, (e: LibraryError) => (e.canRetry === true ? undefined : protocolError(e, () => true)));
}

/**
 * The network error inside `error` (not `error` itself) with its socket's reason when it has one: the one of the
 * attempt the library gave up on (givenUpOn) first, since the message says the retries ended on it. After a
 * connection closed mid-request the first attempt's is "Connection closed" while the last ones were refused. Only
 * that attempt's is named with the other operation's request it failed in (innerRequest): an earlier attempt's
 * connection was the operation's own.
 */
function networkCause(error: unknown): string | undefined {
  const named = (e: LibraryError) => {
    if (e === error || e.code !== "PLT_KFK_NETWORK") return undefined;
    const socket = e.cause as { message?: unknown } | undefined;
    const connection = withBroker(String(e.message).replace(/\.$/, ""), e.broker);
    const reason = typeof socket?.message === "string" ? socket.message : "";
    // A connection failed by its SaslHandshake's network error names itself in that error already (the TLS answer's
    // "Connection to … failed: the broker answered in TLS…", scripts/patches/tls-answer.mjs): named once
    if (reason.startsWith(connection)) return reason;
    return reason ? `${connection}: ${reason}` : connection;
  };
  const last = findInError(givenUpOn(error), named);
  if (last === undefined) return findInError(error, named);
  const request = innerRequest(error);
  return request ? `${request}: ${last}` : last;
}

/** The library's connection-level messages that name no broker, each worded with the broker it was to. */
const UNNAMED: readonly (readonly [prefix: string, named: (address: string) => string])[] = [
  ["Connection closed", (address) => `Connection to ${address} closed`],
  ["Request timed out", (address) => `Request to ${address} timed out`],
];

/**
 * A connection-level error naming the broker it was to ("Connection to 127.0.0.1:9092 closed", "… closed while waiting
 * for ready", "Request to 127.0.0.1:9092 timed out"), as a refused one names it ("Connection to 127.0.0.1:9092
 * failed"), when the library's error carries it (its `broker`, patched in by scripts/patch-dependencies.mjs on a
 * connection Kafka cut, a request that timed out, a connection closed before it was ready). The connection pool's
 * own "Connection pool is closed" (the client closing) is no connection's and stays as it is.
 */
function withBroker(message: string, broker: unknown): string {
  const { host, port } = (broker ?? {}) as { host?: unknown; port?: unknown };
  const named = typeof host === "string" && (typeof port === "number" || typeof port === "string");
  const address = `${host}:${port}`;
  if (!named || message.includes(address)) return message;
  const unnamed = UNNAMED.find(([prefix]) => message.startsWith(prefix));
  return unnamed ? `${unnamed[1](address)}${message.slice(unnamed[0].length)}` : message;
}

/** The first answer of a group coordinator not ready (COORDINATOR_LOAD_IN_PROGRESS, ...) in the error. */
function coordinatorRefusal(error: unknown): BrokerError | undefined {
  return findInError(error, (e: LibraryError) => protocolError(e, (name) => COORDINATOR_NOT_READY.has(name)));
}

/** The message of the library's retries of one operation ("metadata failed 4 times.", a failed join's followed by its attempts'). */
const RETRIES = /^\S+ failed \d+ times\.(?: |$)/;

/** The MultipleErrors of the library's retries: its errors are the attempts', in order. */
function isRetries(e: LibraryError | null | undefined): e is LibraryError & { readonly errors: unknown[] } {
  return (
    e?.code === "PLT_KFK_MULTIPLE" &&
    Array.isArray(e.errors) &&
    typeof e.message === "string" &&
    RETRIES.test(e.message)
  );
}

/** The entry the library appends to its retries when its client closed between two attempts: no attempt of its own. */
function closedWhileRetrying(error: unknown): boolean {
  const e = error as LibraryError | null | undefined;
  return (
    e?.code === "PLT_KFK_USER" && typeof e.message === "string" && e.message.startsWith("Client closed while retrying ")
  );
}

/**
 * The error the library gave up on: the last attempt's, inside the MultipleErrors of its retries
 * ("joinGroup failed 2 times.", also one nested in another's last attempt). The earlier attempts'
 * errors were retried: after NOT_COORDINATOR the next JoinGroup may have been answered
 * INCONSISTENT_GROUP_PROTOCOL, which ended the retries. Only the retries' MultipleErrors have a last
 * attempt: in the library's others (several brokers' answers, "Cannot connect to any broker.") the last
 * entry is merely the highest-numbered broker's, so such an error is given up on as a whole.
 */
function givenUpOn(error: unknown): unknown {
  return retriesDown(error).at(-1);
}

/**
 * `error` and, while it is the library's retries, the attempt each gave up on: the chain givenUpOn walks, outermost
 * first ("fetch failed 4 times.", its last attempt's "metadata failed 4 times.", that one's last attempt).
 */
function retriesDown(error: unknown): unknown[] {
  const chain: unknown[] = [error];
  let e = error as LibraryError | null | undefined;
  for (let depth = 0; depth < 12 && isRetries(e); depth++) {
    const attempts = e.errors;
    const last = closedWhileRetrying(attempts.at(-1)) ? attempts.at(-2) : attempts.at(-1);
    if (last === undefined) break;
    e = last as LibraryError | null;
    chain.push(e);
  }
  return chain;
}

/**
 * The request of another operation the attempt given up on failed in ("its metadata request failed 4 times"), when
 * there is one: the library's fetch asks the metadata first, and a last try failed there (every broker refused) never
 * reached the fetch's broker, so the connection the message names is that request's (explore32 F4).
 */
function innerRequest(error: unknown): string | undefined {
  const operation = (e: unknown) => (isRetries(e as LibraryError) ? String((e as LibraryError).message) : "");
  const [outer, ...inner] = retriesDown(error).map(operation);
  const name = (message: string) => message.slice(0, message.indexOf(" "));
  const other = inner.findLast((message) => message && name(message) !== name(outer!));
  return other && `its ${name(other)} request ${other.slice(other.indexOf(" ") + 1).replace(/\.$/, "")}`;
}

/**
 * A join that met a group coordinator not ready, named with the broker's answer it was given up on and
 * its message (the library's own names only the request): the coordinator's refusal, or the refusal
 * that ended the retries after it (INCONSISTENT_GROUP_PROTOCOL, ...).
 */
function coordinatorCause(error: unknown): string | undefined {
  if (coordinatorRefusal(error) === undefined) return undefined;
  const last = givenUpOn(error);
  const found = coordinatorRefusal(last) ?? refusalIn(last) ?? coordinatorRefusal(error);
  return found && `${found.kafkaError}: ${found.detail}`;
}

/** The library's summary of an admin operation that failed ("Deleting consumer group offsets failed."). */
const SUMMARY = /^[A-Z][a-z]+ [^.]* failed\.$/;

/**
 * The broker's answer inside an admin operation's summary, which names none: the operator sees why
 * (`GROUP_SUBSCRIBED_TO_TOPIC: Deleting offsets of a topic is forbidden while the consumer group is
 * actively subscribed to it.`), as kafkajs' message says it.
 */
function summarizedAnswer(error: unknown): string | undefined {
  const e = error as LibraryError | null | undefined;
  if (e?.code !== "PLT_KFK_MULTIPLE" || typeof e.message !== "string" || !SUMMARY.test(e.message)) return undefined;
  const answer = findInError(error, (inner: LibraryError) => protocolError(inner, () => true));
  return answer && `${answer.kafkaError}: ${answer.detail}`;
}

/**
 * The broker's answer a retry or rejoin may cure in the attempt given up on (NOT_COORDINATOR,
 * UNKNOWN_MEMBER_ID, …), named on the retriable error as kafkajs' adapter names it (kafkaErrorOf):
 * an admin caller tells a group's live member (UNKNOWN_MEMBER_ID) from Kafka not reached.
 */
function retriableAnswer(error: unknown): string | undefined {
  return findInError(givenUpOn(error), (e: LibraryError) =>
    e.canRetry === true || e.needsRejoin === true ? protocolError(e, () => true) : undefined,
  )?.kafkaError;
}

/**
 * The library's message of `error`, each nested error's message named once: when a join fails for good the library
 * appends every attempt's message to its retries' ("joinGroup failed 2 times. Received response with error while
 * executing API JoinGroup(v9) Received response with error while executing API JoinGroup(v9)").
 */
function libraryMessage(error: unknown, depth = 0): string {
  const message = String((error as LibraryError | null | undefined)?.message ?? error);
  const nested = (error as LibraryError | null | undefined)?.errors;
  if (depth > 8 || !Array.isArray(nested) || nested.length === 0) return message;
  const tail = ` ${nested.map((e) => String((e as LibraryError | null | undefined)?.message ?? e)).join(" ")}`;
  if (!message.endsWith(tail)) return message;
  const distinct = new Set(nested.map((e) => libraryMessage(e, depth + 1)));
  return `${message.slice(0, -tail.length)} ${[...distinct].join(" ")}`;
}

/** The library's `error` as `failureMessage` words it, without what failed (a log line names that). */
export function errorText(error: unknown): string {
  const cause = networkCause(error) ?? coordinatorCause(error) ?? summarizedAnswer(error);
  return `${libraryMessage(error)}${cause ? ` (${cause})` : ""}`;
}

/**
 * `what` failed with the library's `error`: its message, naming the connection that failed, the coordinator's or
 * the broker's answer as `wrap` does (also the producer's own retries' failure: the task's Degraded trace).
 */
export function failureMessage(error: unknown, what: string): string {
  return `${what}: ${errorText(error)}`;
}

export function wrap(error: unknown, what: string): Error {
  if (error instanceof ConnectError) return error;
  const denial = accessDenial(error);
  if (denial) return accessFailure(what, denial.kafkaError, denial.detail, error);
  const tls = tlsFailure(what, error);
  if (tls) return tls;
  const message = failureMessage(error, what);
  if (retriable(error)) return withKafkaError(new RetriableError(message, { cause: error }), retriableAnswer(error));
  const refusal = refusalIn(error);
  if (refusal === undefined) return new ConnectError(message, { cause: error });
  return brokerRefusal(message, refusal.kafkaError, refusal.detail, error);
}

/**
 * Why a failed join failed because the group coordinator was not ready: the Kafka error name
 * (COORDINATOR_LOAD_IN_PROGRESS, ...) a JoinGroup, SyncGroup or FindCoordinator was answered with in
 * the attempt the library gave up on (the last inside the MultipleErrors of its retries); undefined
 * for another failure, also one given up on after a coordinator's refusal (NOT_COORDINATOR, then
 * INCONSISTENT_GROUP_PROTOCOL or FENCED_INSTANCE_ID: it fails at once, no join is made again).
 */
export function coordinatorNotReady(error: unknown): string | undefined {
  return coordinatorRefusal(givenUpOn(error))?.kafkaError;
}

/**
 * An OffsetCommit the library gave up on because its group was rebalancing (REBALANCE_IN_PROGRESS): Java's admin
 * client makes an alterConsumerGroupOffsets again for it (AlterConsumerGroupOffsetsHandler), as for a coordinator
 * not ready.
 */
export function rebalanceInProgress(error: unknown): boolean {
  return (
    findInError(givenUpOn(error), (e: LibraryError) => protocolError(e, (name) => name === "REBALANCE_IN_PROGRESS")) !==
    undefined
  );
}

/** The coordinator's answer for a member it does not know (UNKNOWN_MEMBER_ID): it left, or was removed, already. */
export function isUnknownMember(error: unknown): boolean {
  return (
    findInError(error, (e: LibraryError) => protocolError(e, (name) => name === "UNKNOWN_MEMBER_ID")) !== undefined
  );
}

/**
 * The library's answer for a topic the broker does not know (a UserError, not a protocol error), also
 * inside the MultipleErrors its retries wrap it in ("joinGroup failed 2 times.") or as a cause.
 */
export function isUnknownTopic(error: unknown): boolean {
  const unknown = (e: LibraryError) =>
    e.code === "PLT_KFK_USER" && typeof e.message === "string" && e.message.startsWith("Unknown topic ")
      ? true
      : undefined;
  return findInError(error, unknown) === true;
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
