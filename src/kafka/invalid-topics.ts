/**
 * A send refused because Kafka refuses a topic's name (INVALID_TOPIC_EXCEPTION in the metadata
 * answer), worded as Java's producer words it: `Invalid topics: [e16 bad!]` (its Metadata's
 * InvalidTopicException), so device answers, status traces and logs name the topic an operator must
 * look for (a transformation routing records there). Neither client library names it: the default
 * says "Received response with error while executing API Metadata(v12)", kafkajs "The request
 * attempted to perform an operation on an invalid topic".
 * Used by both adapters' producers (platformatic/metadata-refusals.ts, kafkajs/producer.ts) and a
 * sink task's consumer start (sink-consumer-start.ts).
 */
import { JavaException } from "../errors.ts";
import { brokerRefusal, javaExceptionFor } from "./kafka-exception-classes.ts";
import { kafkaErrorOf } from "./send-rejection.ts";
import { topicNameProblem } from "./topic-name.ts";

const INVALID_TOPIC = "INVALID_TOPIC_EXCEPTION";

/**
 * `failure` (the adapter's error for `what`, e.g. "Failed to send records to Kafka") naming the
 * invalid topics among `topics` (the send's: those whose name breaks Kafka's rule, or the only one);
 * any other failure, or one whose topic cannot be told, as it is.
 */
export function withInvalidTopics(failure: Error, what: string, topics: readonly string[]): Error {
  const detail = invalidTopicsDetail(failure, topics);
  if (detail === undefined) return failure;
  // The library's error stays the cause; the Java exception of the failure is replaced by this one.
  const cause = failure.cause instanceof JavaException ? failure.cause.cause : failure.cause;
  return brokerRefusal(`${what}: ${detail}`, INVALID_TOPIC, detail, cause ?? failure);
}

/**
 * Java's InvalidTopicException naming the invalid topics among `topics` (a sink's, subscribed by name),
 * as Java's consumer's poll throws it and a Connect sink task fails with it (found by the tenth REST
 * hunt); undefined for any other failure, or one whose topic cannot be told.
 */
export function invalidTopicsException(failure: unknown, topics: readonly string[]): JavaException | undefined {
  const detail = invalidTopicsDetail(failure, topics);
  return detail === undefined ? undefined : javaExceptionFor(INVALID_TOPIC, detail, failure);
}

/** `Invalid topics: [a, b]` when `failure` is Kafka's INVALID_TOPIC_EXCEPTION and its topics can be told. */
function invalidTopicsDetail(failure: unknown, topics: readonly string[]): string | undefined {
  if (kafkaErrorOf(failure) !== INVALID_TOPIC) return undefined;
  const invalid = topics.filter((t) => topicNameProblem(t) !== undefined);
  const named = invalid.length > 0 ? invalid : topics.length === 1 ? topics : [];
  return named.length === 0 ? undefined : `Invalid topics: [${named.join(", ")}]`;
}
