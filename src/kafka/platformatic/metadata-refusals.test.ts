import { describe, expect, test } from "bun:test";
import { NetworkError, ProtocolError } from "@platformatic/kafka";
import { KafkaAccessError } from "../access-errors.ts";
import { kafkaErrorOf } from "../send-rejection.ts";
import { metadataFailure, topicRefusal } from "./metadata-refusals.ts";

describe("metadataFailure", () => {
  test("a topic Kafka refuses as invalid is named in Java's words", () => {
    const failure = metadataFailure(new ProtocolError("INVALID_TOPIC_EXCEPTION"), "bad topic!");
    expect([String(failure), kafkaErrorOf(failure)]).toEqual([
      "ConnectError: Failed to send records to Kafka: Invalid topics: [bad topic!]",
      "INVALID_TOPIC_EXCEPTION",
    ]);
  });

  test("a topic an ACL refuses is named as unauthorized", () => {
    const failure = metadataFailure(new ProtocolError("TOPIC_AUTHORIZATION_FAILED"), "denied");
    expect(failure).toBeInstanceOf(KafkaAccessError);
    expect((failure as KafkaAccessError).unauthorizedTopics).toEqual(["denied"]);
  });
});

describe("topicRefusal", () => {
  test.each([
    ["INVALID_TOPIC_EXCEPTION", true],
    ["TOPIC_AUTHORIZATION_FAILED", true],
    // The client's own refusal (its login, its cluster rights) is no topic's: it fails the producer.
    ["CLUSTER_AUTHORIZATION_FAILED", false],
    ["SASL_AUTHENTICATION_FAILED", false],
    // Retriable: the send is tried again, never refused.
    ["LEADER_NOT_AVAILABLE", false],
  ])("metadata answered %s refuses the topic for good: %p", (kafkaError, expected) => {
    expect(topicRefusal(metadataFailure(new ProtocolError(kafkaError), "t"))).toBe(expected);
  });

  test("Kafka unreachable refuses no topic", () => {
    expect(topicRefusal(metadataFailure(new NetworkError("Connection closed"), "t"))).toBe(false);
  });
});
