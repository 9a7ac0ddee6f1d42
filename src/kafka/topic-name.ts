/**
 * Kafka's rule for topic names (org.apache.kafka.common.internals.Topic.validate, Kafka 4.3.1): not
 * empty, not `.` or `..`, at most 249 characters, only ASCII alphanumerics, '.', '_' and '-'. A
 * name breaking it is refused by every broker (INVALID_TOPIC_EXCEPTION), so validation refuses it
 * up front in the gateway's own connectors' topic keys, with Kafka's own wording (their
 * `validationOnly` rules: a config stored before the rule only WARNs at start, runs as it did).
 */
import type { ConfigProblem } from "../plugin/descriptor.ts";
import { invalidValue } from "../util/invalid-value.ts";

const MAX_NAME_LENGTH = 249;

/** Kafka's message for an invalid topic name (`Topic name is invalid: …`), or undefined when it is valid. */
export function topicNameProblem(name: string): string | undefined {
  const reason = invalidTopicReason(name);
  return reason === undefined ? undefined : `Topic name is invalid: ${reason}`;
}

function invalidTopicReason(name: string): string | undefined {
  if (name === "") return "the empty string is not allowed";
  if (name === ".") return "'.' is not allowed";
  if (name === "..") return "'..' is not allowed";
  // Java's String.length counts UTF-16 code units, as JavaScript's does.
  if (name.length > MAX_NAME_LENGTH)
    return `the length of '${name}' is longer than the max allowed length ${MAX_NAME_LENGTH}`;
  if (!/^[a-zA-Z0-9._-]*$/.test(name))
    return `'${name}' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'`;
  return undefined;
}

/**
 * The problems of the topics configured under `key`, one per invalid name, as Connect's
 * ConfigException shows it (`Invalid value <name> for configuration <key>: Topic name is invalid: …`).
 * An empty name is left to the key's own check (a `kafka.topic` that may not be empty).
 */
export function topicNameProblems(key: string, topics: readonly string[], o: { empty: boolean }): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const topic of topics) {
    if (topic === "" && !o.empty) continue;
    const problem = topicNameProblem(topic);
    if (problem !== undefined) problems.push({ key, message: invalidValue(key, topic, problem) });
  }
  return problems;
}
