import { describe, expect, test } from "bun:test";
import { KafkaJSError, KafkaJSGroupCoordinatorNotFound, KafkaJSNumberOfRetriesExceeded } from "kafkajs";
import { createErrorFromCode } from "kafkajs/src/protocol/error";
import { coordinatorNotReady } from "./coordinator-wait.ts";

/** kafkajs' constructors take (error, { cause }); its typings list only the error. */
const notFound = (cause?: Error) =>
  new (KafkaJSGroupCoordinatorNotFound as unknown as new (m: string, o: { cause?: Error }) => Error)(
    "Failed to find group coordinator",
    { cause },
  );

/** How kafkajs' joinAndSync gives up a NOT_COORDINATOR after its retries: the error's message kept, its type lost. */
const rebalanceRetriesExceeded = (code: number) => {
  const wrapped = new KafkaJSError(createErrorFromCode(code));
  return new KafkaJSNumberOfRetriesExceeded(wrapped, { retryCount: 3, retryTime: 800, cause: wrapped } as never);
};

// The errors a join fails with (kafkajs 2.2.4), as its ConsumerGroup.joinAndSync throws them.
describe("coordinatorNotReady", () => {
  test.each([
    ["JoinGroup answered COORDINATOR_LOAD_IN_PROGRESS", "COORDINATOR_LOAD_IN_PROGRESS", createErrorFromCode(14)],
    ["JoinGroup or SyncGroup answered COORDINATOR_NOT_AVAILABLE", "COORDINATOR_NOT_AVAILABLE", createErrorFromCode(15)],
    [
      "FindCoordinator answered COORDINATOR_LOAD_IN_PROGRESS",
      "COORDINATOR_LOAD_IN_PROGRESS",
      notFound(createErrorFromCode(14)),
    ],
    [
      "FindCoordinator answered COORDINATOR_NOT_AVAILABLE past its retries (no broker found one)",
      "Failed to find group coordinator",
      notFound(),
    ],
    ["NOT_COORDINATOR past kafkajs' rebalance retries", "NOT_COORDINATOR", rebalanceRetriesExceeded(16)],
    ["FindCoordinator refused: GROUP_AUTHORIZATION_FAILED", undefined, notFound(createErrorFromCode(30))],
    ["REBALANCE_IN_PROGRESS past kafkajs' rebalance retries", undefined, rebalanceRetriesExceeded(27)],
    ["JoinGroup refused: INCONSISTENT_GROUP_PROTOCOL", undefined, createErrorFromCode(23)],
  ])("%s: %p (undefined: not waited out)", (_, expected, error) => {
    expect(coordinatorNotReady(error)).toBe(expected);
  });
});
