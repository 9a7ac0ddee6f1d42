/**
 * A send refused because Kafka refuses a topic's name (INVALID_TOPIC_EXCEPTION in the metadata
 * answer), worded as Java's producer words it: `Invalid topics: [e16 bad!]` (its Metadata's
 * InvalidTopicException), so device answers, status traces and logs name the topic an operator must
 * look for (a transformation routing records there). Neither client library names it: the default
 * says "Received response with error while executing API Metadata(v12)", kafkajs "The request
 * attempted to perform an operation on an invalid topic".
 * Used by both adapters' producers (platformatic/metadata-refusals.ts, kafkajs/producer.ts).
 */
import { JavaException } from "../errors.ts";
import { brokerRefusal } from "./kafka-exception-classes.ts";
import { kafkaErrorOf } from "./send-rejection.ts";
import { topicNameProblem } from "./topic-name.ts";

const INVALID_TOPIC = "INVALID_TOPIC_EXCEPTION";

/**
 * `failure` (the adapter's error for `what`, e.g. "Failed to send records to Kafka") naming the
 * invalid topics among `topics` (the send's: those whose name breaks Kafka's rule, or the only one);
 * any other failure, or one whose topic cannot be told, as it is.
 */
export function withInvalidTopics(failure: Error, what: string, topics: readonly string[]): Error {
  if (kafkaErrorOf(failure) !== INVALID_TOPIC) return failure;
  const invalid = topics.filter((t) => topicNameProblem(t) !== undefined);
  const named = invalid.length > 0 ? invalid : topics.length === 1 ? topics : [];
  if (named.length === 0) return failure;
  const detail = `Invalid topics: [${named.join(", ")}]`;
  // The library's error stays the cause; the Java exception of the failure is replaced by this one.
  const cause = failure.cause instanceof JavaException ? failure.cause.cause : failure.cause;
  return brokerRefusal(`${what}: ${detail}`, INVALID_TOPIC, detail, cause ?? failure);
}
