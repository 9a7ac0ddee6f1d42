/**
 * A kafkajs consumer's join waits out a group coordinator that is not ready, as Java's consumer
 * does. Used by the kafkajs consumer (consumer.ts) through `withCoordinatorWait`.
 *
 * kafkajs 2.2.4 gives up a join (its ConsumerGroup.joinAndSync) at once when JoinGroup or SyncGroup
 * is answered COORDINATOR_LOAD_IN_PROGRESS or COORDINATOR_NOT_AVAILABLE, or when FindCoordinator is
 * (kafkajs: "Failed to find group coordinator"), and after its 3 retries on NOT_COORDINATOR: on a
 * fresh broker, whose group coordinator is still loading __consumer_offsets, the first join failed
 * the consumer (ci81/ci82). Java's AbstractCoordinator treats these as retriable: ensureCoordinatorReady
 * rediscovers the coordinator with backoff, and joinGroupIfNeeded, on a retriable failure (the
 * JoinGroup/SyncGroup handlers mark the coordinator unknown for COORDINATOR_NOT_AVAILABLE and
 * NOT_COORDINATOR), sleeps retry.backoff.ms and joins again, until the timer of the poll ends; Connect's
 * WorkerSinkTask polls again and again, so Java never gives up.
 *
 * Here the whole join (FindCoordinator, JoinGroup, SyncGroup: kafkajs' joinAndSync) is made again
 * every retry.backoff.ms, as Java's joinGroupIfNeeded sleeps between joins. Java backs its coordinator
 * discovery off exponentially instead (ensureCoordinatorReady: retryBackoff.backoff(attempts++), from
 * retry.backoff.ms to retry.backoff.max.ms); that part is kafkajs' own here, whose FindCoordinator
 * retries inside each join grow exponentially already. The gateway bounds the wait, Java does not: after
 * rebalance.timeout.ms (max.poll.interval.ms, 5 min by default) from the join's start the consumer
 * fails as before, a retriable crash, and the sink task starts a new consumer (so it goes on, as
 * Java's would, with a fresh client every bound: the task's status and log show the failure meanwhile,
 * and a consumer stuck in a join it can never finish is replaced). The first refusal of a join is
 * logged at WARN with its reason, then at most one line per COORDINATOR_WAIT_WARN_EVERY_MS while it
 * lasts (Java logs each refusal at INFO). A close ends the wait at once (`signal`): no request goes out
 * after it. kafkajs' other retries are unchanged. (Java fails a SyncGroup answered
 * COORDINATOR_LOAD_IN_PROGRESS; kafkajs' error does not say which request it answered, and only a
 * JoinGroup or FindCoordinator is answered so by a broker.)
 *
 * kafkajs keeps its consumer group out of reach, so ConsumerGroup.prototype.joinAndSync is wrapped,
 * for the groups whose cluster a `withCoordinatorWait` view created only.
 */
import type { Kafka } from "kafkajs";
import ConsumerGroup from "kafkajs/src/consumer/consumerGroup";
import { createErrorFromCode } from "kafkajs/src/protocol/error";
import { retry } from "../../util/backoff.ts";
import { monotonicNow, systemClock } from "../../util/clock.ts";
import { type CausedError, findInError } from "../../util/find-in-error.ts";
import { RepeatLimiter, suppressedNote } from "../../util/repeat-limiter.ts";
import { kafkaErrorName } from "./errors.ts";
import { withClusterHook } from "./protocol.ts";

/** How often a join still waiting for its coordinator says so again (its first refusal is logged at once). */
export const COORDINATOR_WAIT_WARN_EVERY_MS = 30_000;

export interface CoordinatorWait {
  /** `retry.backoff.ms`: the wait before the join is made again. */
  readonly retryBackoffMs: number;
  /** `max.poll.interval.ms` (the rebalance timeout): how long a join waits for its coordinator in all. */
  readonly timeoutMs: number;
  /** Aborted when the consumer is closed (or started again): no join is made any more, a pause ends at once. */
  readonly signal: AbortSignal;
  /** The WARN of a join waiting: the refusal's reason (Kafka's error name), and `note` on lines left out. */
  readonly warn: (reason: string, note: string) => void;
}

/** Kafka's coordinator errors a rediscovery and a new join may cure (kafkajs' names: its error `type`). */
const COORDINATOR_NOT_READY = new Set([
  "GROUP_LOAD_IN_PROGRESS",
  "GROUP_COORDINATOR_NOT_AVAILABLE",
  "NOT_COORDINATOR_FOR_GROUP",
]);

/**
 * kafkajs' messages for those errors, with Kafka's names: its joinAndSync retries NOT_COORDINATOR as a
 * rebalance, wrapped in a KafkaJSError that keeps only the message, and gives up with that after its retries.
 */
const NOT_READY_MESSAGES = new Map(
  [14, 15, 16].map((code) => {
    const { message, type } = createErrorFromCode(code) as unknown as { message: string; type: string };
    return [message, kafkaErrorName(type)];
  }),
);

interface JoinError extends CausedError {
  readonly name?: string;
  readonly type?: unknown;
  readonly message?: string;
}

/**
 * Why a failed join failed because the group coordinator was not ready (anywhere in the cause chain):
 * Kafka's error name (COORDINATOR_LOAD_IN_PROGRESS), or kafkajs' message when FindCoordinator found
 * none; undefined for another failure.
 */
export function coordinatorNotReady(error: unknown): string | undefined {
  return findInError<string, JoinError>(error, (e) => {
    if (typeof e.type === "string" && COORDINATOR_NOT_READY.has(e.type)) return kafkaErrorName(e.type);
    if (e.name === "KafkaJSError") return NOT_READY_MESSAGES.get(e.message ?? "");
    // No broker answered with a coordinator (all retried COORDINATOR_NOT_AVAILABLE, or were unreachable);
    // a refusal (GROUP_AUTHORIZATION_FAILED) is kept as the cause (scripts/patch-dependencies.mjs).
    if (e.name === "KafkaJSGroupCoordinatorNotFound" && e.cause === undefined) return e.message;
    return undefined;
  });
}

const waits = new WeakMap<object, CoordinatorWait>();

const group = ConsumerGroup.prototype;
const joinAndSync = group.joinAndSync;
group.joinAndSync = function (this: ConsumerGroup): Promise<void> {
  const wait = waits.get(this.cluster);
  if (!wait) return joinAndSync.call(this);
  const { retryBackoffMs, timeoutMs, signal } = wait;
  const warnings = new RepeatLimiter(() => monotonicNow(systemClock), COORDINATOR_WAIT_WARN_EVERY_MS);
  let last: unknown;
  return retry(
    async () => {
      try {
        return await joinAndSync.call(this);
      } catch (error) {
        last = error;
        throw error;
      }
    },
    {
      policy: { initialMs: retryBackoffMs, maxMs: retryBackoffMs, jitter: 0 },
      maxAttempts: Number.POSITIVE_INFINITY,
      timeoutMs,
      signal,
      classify: (error) => ({ retriable: coordinatorNotReady(error) !== undefined }),
      onRetry: (error) => {
        const admitted = warnings.admit("waiting");
        if (admitted) wait.warn(coordinatorNotReady(error)!, suppressedNote(admitted));
      },
    },
  ).catch((error) => {
    // Closed: the join's own failure, not the abort, is what kafkajs' crash path gets.
    throw signal.aborted && last !== undefined ? last : error;
  });
};

/** A view of `kafka` whose consumers' joins wait for a group coordinator that is not ready (see above). */
export function withCoordinatorWait(kafka: Kafka, wait: CoordinatorWait): Kafka {
  return withClusterHook(kafka, (cluster) => waits.set(cluster, wait));
}
