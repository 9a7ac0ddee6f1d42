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
    ["JoinGroup answered COORDINATOR_LOAD_IN_PROGRESS", true, createErrorFromCode(14)],
    ["JoinGroup or SyncGroup answered COORDINATOR_NOT_AVAILABLE", true, createErrorFromCode(15)],
    ["FindCoordinator answered COORDINATOR_LOAD_IN_PROGRESS", true, notFound(createErrorFromCode(14))],
    ["FindCoordinator answered COORDINATOR_NOT_AVAILABLE past its retries (no broker found one)", true, notFound()],
    ["NOT_COORDINATOR past kafkajs' rebalance retries", true, rebalanceRetriesExceeded(16)],
    ["FindCoordinator refused: GROUP_AUTHORIZATION_FAILED", false, notFound(createErrorFromCode(30))],
    ["REBALANCE_IN_PROGRESS past kafkajs' rebalance retries", false, rebalanceRetriesExceeded(27)],
    ["JoinGroup refused: INCONSISTENT_GROUP_PROTOCOL", false, createErrorFromCode(23)],
  ])("%s: retried %p", (_, expected, error) => {
    expect(coordinatorNotReady(error)).toBe(expected);
  });
});
