import { describe, expect, test } from "bun:test";
import { ConnectError, JavaException } from "../errors.ts";
import { KafkaAccessError, withUnauthorizedTopic } from "./access-errors.ts";
import { brokerRefusal, javaExceptionClass, kafkaExceptionOf } from "./kafka-exception-classes.ts";
import { withKafkaError } from "./send-rejection.ts";

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

describe("kafkaExceptionOf", () => {
  test("a broker's refusal: Java's exception for it, without the client library's error under it", () => {
    const library = new Error("The request included a message larger than the max message size");
    const refusal = brokerRefusal("Failed to send", "MESSAGE_TOO_LARGE", "Too large.", library);
    const exception = kafkaExceptionOf(new ConnectError("wrapped", { cause: refusal }));
    expect(exception).toBeInstanceOf(JavaException);
    expect([exception?.javaClass, exception?.message, exception?.cause]).toEqual([
      "org.apache.kafka.common.errors.RecordTooLargeException",
      "Too large.",
      undefined,
    ]);
  });

  // tlsmsg P3: the DLQ's ExecutionException ended with the gateway's "Kafka rejected 1 record(s) for dlq-0: …".
  test("a topic authorization refusal naming its topic says Java's TopicAuthorizationException message", () => {
    const denied = new KafkaAccessError(
      "TOPIC_AUTHORIZATION_FAILED",
      "Kafka rejected 1 record(s) for dlq-0: TOPIC_AUTHORIZATION_FAILED (Topic authorization failed.)",
    );
    const refusal = withUnauthorizedTopic(withKafkaError(denied, "TOPIC_AUTHORIZATION_FAILED"), "dlq");
    const exception = kafkaExceptionOf(new ConnectError("wrapped", { cause: refusal }));
    expect([exception?.javaClass, exception?.message]).toEqual([
      "org.apache.kafka.common.errors.TopicAuthorizationException",
      "Not authorized to access topics: [dlq]",
    ]);
  });

  test("none without a broker's answer, or with an answer not named as Java's exception", () => {
    expect(kafkaExceptionOf(new ConnectError("timed out"))).toBeUndefined();
    expect(kafkaExceptionOf(withKafkaError(new ConnectError("rejected"), "INVALID_RECORD"))).toBeUndefined();
  });
});
