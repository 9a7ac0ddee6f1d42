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
 * WorkerSinkTask polls again and again, so Java never gives up. Here the whole join (FindCoordinator,
 * JoinGroup, SyncGroup: kafkajs' joinAndSync) is tried again after retry.backoff.ms until
 * rebalance.timeout.ms (max.poll.interval.ms) from its start: the time Java gives one JoinGroup
 * (AbstractCoordinator.sendJoinGroupRequest: rebalanceTimeoutMs + JOIN_GROUP_TIMEOUT_LAPSE) and the
 * coordinator gives a rebalance. Then the consumer fails as before (a retriable crash: the sink task
 * starts a new consumer). kafkajs' other retries are unchanged. (Java fails a SyncGroup answered
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
import { withClusterHook } from "./protocol.ts";

export interface CoordinatorWait {
  /** `retry.backoff.ms`: the wait before the join is tried again. */
  readonly retryBackoffMs: number;
  /** `max.poll.interval.ms` (the rebalance timeout): how long a join waits for its coordinator in all. */
  readonly timeoutMs: number;
  /** True once the consumer is closed: a join is not tried again. */
  readonly stopped: () => boolean;
}

/** Kafka's coordinator errors a rediscovery and a new join may cure (kafkajs' names: its error `type`). */
const COORDINATOR_NOT_READY = new Set([
  "GROUP_LOAD_IN_PROGRESS",
  "GROUP_COORDINATOR_NOT_AVAILABLE",
  "NOT_COORDINATOR_FOR_GROUP",
]);

/**
 * kafkajs' messages for those errors: its joinAndSync retries NOT_COORDINATOR as a rebalance, wrapped
 * in a KafkaJSError that keeps only the message, and gives up with that after its retries.
 */
const NOT_READY_MESSAGES = new Set(
  [14, 15, 16].map((code) => (createErrorFromCode(code) as { message: string }).message),
);

/** Whether a failed join failed because the group coordinator was not ready (anywhere in the cause chain). */
export function coordinatorNotReady(error: unknown): boolean {
  let e = error as { name?: string; type?: unknown; message?: string; cause?: unknown } | undefined;
  for (let depth = 0; depth < 8 && e; depth++) {
    if (typeof e.type === "string" && COORDINATOR_NOT_READY.has(e.type)) return true;
    if (e.name === "KafkaJSError" && NOT_READY_MESSAGES.has(e.message ?? "")) return true;
    // No broker answered with a coordinator (all retried COORDINATOR_NOT_AVAILABLE, or were unreachable);
    // a refusal (GROUP_AUTHORIZATION_FAILED) is kept as the cause (scripts/patch-dependencies.mjs).
    if (e.name === "KafkaJSGroupCoordinatorNotFound" && e.cause === undefined) return true;
    if (e.cause === e) break;
    e = e.cause as typeof e;
  }
  return false;
}

const waits = new WeakMap<object, CoordinatorWait>();

const group = ConsumerGroup.prototype;
const joinAndSync = group.joinAndSync;
group.joinAndSync = function (this: ConsumerGroup): Promise<void> {
  const wait = waits.get(this.cluster);
  if (!wait) return joinAndSync.call(this);
  const { retryBackoffMs, timeoutMs, stopped } = wait;
  return retry(() => joinAndSync.call(this), {
    policy: { initialMs: retryBackoffMs, maxMs: retryBackoffMs, jitter: 0 },
    maxAttempts: Number.POSITIVE_INFINITY,
    timeoutMs,
    classify: (error) => ({ retriable: !stopped() && coordinatorNotReady(error) }),
  });
};

/** A view of `kafka` whose consumers' joins wait for a group coordinator that is not ready (see above). */
export function withCoordinatorWait(kafka: Kafka, wait: CoordinatorWait): Kafka {
  return withClusterHook(kafka, (cluster) => waits.set(cluster, wait));
}
