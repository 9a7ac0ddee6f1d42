import { describe, expect, test } from "bun:test";
import { javaExceptionClass } from "./kafka-exception-classes.ts";

describe("javaExceptionClass", () => {
  test.each([
    ["INVALID_TOPIC_EXCEPTION", "org.apache.kafka.common.errors.InvalidTopicException"],
    ["NOT_LEADER_OR_FOLLOWER", "org.apache.kafka.common.errors.NotLeaderOrFollowerException"],
    ["UNKNOWN_TOPIC_OR_PARTITION", "org.apache.kafka.common.errors.UnknownTopicOrPartitionException"],
    ["INVALID_TIMESTAMP", "org.apache.kafka.common.errors.InvalidTimestampException"],
    ["MESSAGE_TOO_LARGE", "org.apache.kafka.common.errors.RecordTooLargeException"],
    ["TOPIC_AUTHORIZATION_FAILED", "org.apache.kafka.common.errors.TopicAuthorizationException"],
    ["INVALID_RECORD", "org.apache.kafka.common.InvalidRecordException"],
  ])("%s is %s", (name, javaClass) => {
    expect(javaExceptionClass(name)).toBe(javaClass);
  });
});
