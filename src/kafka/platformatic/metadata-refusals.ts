/**
 * Metadata refusals: a send's metadata failure for a topic, and whether it refuses that topic for good (its records fail
 * alone, as Java's waitOnMetadata fails each such record's send) or fails the producer (Kafka unreachable, a failed
 * login). Called by PlatformaticProducer while it admits a send of a topic it has no metadata of yet.
 */
import { isRetriable } from "../../errors.ts";
import { isAccessError, KafkaAccessError, withUnauthorizedTopic } from "../access-errors.ts";
import { withInvalidTopics } from "../invalid-topics.ts";
import { kafkaErrorOf } from "../send-rejection.ts";
import { wrap } from "./errors.ts";

/** The failure of a send because `topic`'s metadata was not had: a topic refused names itself (as Java's). */
export function metadataFailure(error: unknown, topic: string): Error {
  const what = "Failed to send records to Kafka";
  const failure = withInvalidTopics(wrap(error, what), what, [topic]);
  return failure instanceof KafkaAccessError ? withUnauthorizedTopic(failure, topic) : failure;
}

/**
 * A metadata failure that refuses the topic for good (the broker's answer for it: INVALID_TOPIC_EXCEPTION,
 * TOPIC_AUTHORIZATION_FAILED, …), not the client (a failed login) nor Kafka unreachable (retriable).
 */
export function topicRefusal(failure: Error): boolean {
  const kafkaError = kafkaErrorOf(failure);
  if (kafkaError === undefined || isRetriable(failure)) return false;
  // Java fails fast only on INVALID_TOPIC_EXCEPTION, TOPIC_AUTHORIZATION_FAILED (others time out after max.block.ms).
  return kafkaError === "TOPIC_AUTHORIZATION_FAILED" || !isAccessError(kafkaError);
}
