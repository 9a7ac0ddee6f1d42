/**
 * A send Kafka did not take because it does not know the topic (UNKNOWN_TOPIC_OR_PARTITION: the
 * topic does not exist and the brokers do not create it, auto.create.topics.enable=false): both
 * adapters' producers mark the failure with the topics (kafkajs/producer.ts,
 * platformatic/partition-leaders.ts), so the retry WARN names them, and the ingest spool's
 * Degraded trace and kafka-mode ingest's unacknowledged answer say so instead of blaming
 * reachability (explore4 J7).
 */
import { findInError } from "../util/find-in-error.ts";

const MISSING_TOPICS = Symbol("missing topics");

/** What to say of `topics` (one, or those of a send to several, one of which Kafka does not know). */
export function missingTopicText(topics: readonly string[]): string {
  const named =
    topics.length === 1 ? `topic ${topics[0]} does not exist` : `a topic of ${topics.join(", ")} does not exist`;
  return `Kafka answers that ${named} (the brokers do not create it: auto.create.topics.enable=false?)`;
}

/** `error`, marked as Kafka's answer that it does not know `topics` (see missingTopicsOf). */
export function withMissingTopics<E extends Error>(error: E, topics: readonly string[]): E {
  return Object.assign(error, { [MISSING_TOPICS]: [...topics] });
}

/** The topics a send failure says Kafka does not know (withMissingTopics, here or on a cause), else undefined. */
export function missingTopicsOf(error: unknown): readonly string[] | undefined {
  return findInError(error, (e: { [MISSING_TOPICS]?: readonly string[] }) => e[MISSING_TOPICS]);
}
