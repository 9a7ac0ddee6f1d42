/**
 * The kafkajs consumer's join waits out a group coordinator that is not ready, with the policy of
 * coordinator-wait-policy.ts. Used by the kafkajs consumer (consumer.ts) through `withCoordinatorWait`.
 *
 * kafkajs 2.2.4 gives up a join (its ConsumerGroup.joinAndSync) at once when JoinGroup or SyncGroup
 * is answered COORDINATOR_LOAD_IN_PROGRESS or COORDINATOR_NOT_AVAILABLE, or when FindCoordinator is
 * (kafkajs: "Failed to find group coordinator"), and after its 3 retries on NOT_COORDINATOR: on a
 * fresh broker, whose group coordinator is still loading __consumer_offsets, the first join failed
 * the consumer (ci81/ci82). Here the whole of kafkajs' joinAndSync is made again; kafkajs' other
 * retries are unchanged, and its FindCoordinator retries inside each join grow exponentially. (Java
 * fails a SyncGroup answered COORDINATOR_LOAD_IN_PROGRESS; kafkajs' error does not say which request
 * it answered, and only a JoinGroup or FindCoordinator is answered so by a broker.)
 *
 * kafkajs keeps its consumer group out of reach, so ConsumerGroup.prototype.joinAndSync is wrapped,
 * for the groups whose cluster a `withCoordinatorWait` view created only.
 */
import type { Kafka } from "kafkajs";
import ConsumerGroup from "kafkajs/src/consumer/consumerGroup";
import { createErrorFromCode } from "kafkajs/src/protocol/error";
import { type CausedError, findInError } from "../../util/find-in-error.ts";
import { COORDINATOR_NOT_READY, type CoordinatorWait, waitForCoordinator } from "../coordinator-wait-policy.ts";
import { kafkaErrorName } from "./errors.ts";
import { withClusterHook } from "./protocol.ts";

/**
 * kafkajs' messages for the coordinator errors (14, 15, 16), with Kafka's names: its joinAndSync retries NOT_COORDINATOR as a
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
    const name = typeof e.type === "string" ? kafkaErrorName(e.type) : undefined;
    if (name !== undefined && COORDINATOR_NOT_READY.has(name)) return name;
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
  return waitForCoordinator(() => joinAndSync.call(this), wait, coordinatorNotReady);
};

/** A view of `kafka` whose consumers' joins wait for a group coordinator that is not ready (see above). */
export function withCoordinatorWait(kafka: Kafka, wait: CoordinatorWait): Kafka {
  return withClusterHook(kafka, (cluster) => waits.set(cluster, wait));
}
