/**
 * Topic creation for source connectors (KIP-158), as Connect does it: when a connector config has
 * `topic.creation.*` keys, the `default` group (required `replication.factor` and `partitions`,
 * `-1` meaning the broker's default) and the groups listed in `topic.creation.groups` (each with
 * `include`/`exclude` regex lists and optional overrides) decide how a topic the connector writes
 * to is created, just before its first record is sent. Any other `topic.creation.<group>.<key>`
 * is a topic config (e.g. `cleanup.policy=compact`). Exclusion beats inclusion; the first listed
 * group that matches wins, then `default`. Patterns are Java regular expressions (as in the SMTs).
 * Config validation does not check these keys (as Connect 4.3.1); `topicCreationGroups` does, as
 * SourceConnectorConfig: Worker.startConnector calls it, so a bad value fails the connector at
 * start, and the task builder again (a task whose stored connector config has one fails).
 */
import { ConfigError, ConnectError, isRetriable, messageOf } from "../errors.ts";
import type { KafkaAdmin, TopicSpec } from "../kafka/kafka-port.ts";
import { ConfigDef, defineConfig, key } from "../plugin/config-def.ts";
import { compileJavaRegex } from "../transforms/util/java-regex.ts";
import { invalidValueError } from "../util/invalid-value.ts";
import type { WorkerConfig } from "../worker-config.ts";
import { splitList, topicPattern } from "./connector-config-values.ts";

export const TOPIC_CREATION_PREFIX = "topic.creation.";
const DEFAULT_GROUP = "default";
const GROUP_KEYS = new Set(["include", "exclude", "replication.factor", "partitions"]);

export interface TopicCreationGroup {
  readonly name: string;
  readonly include: RegExp;
  readonly exclude: RegExp | null;
  readonly replicationFactor: number;
  readonly partitions: number;
  readonly configs: Readonly<Record<string, string>>;
}

/** Connect enables topic creation for a connector whose config has any `topic.creation.` key. */
export function usesTopicCreation(config: Readonly<Record<string, string | null>>): boolean {
  return Object.keys(config).some((k) => k.startsWith(TOPIC_CREATION_PREFIX));
}

type Check = (value: never) => string | undefined;

/** TopicCreationConfig's validators, with Connect's messages. */
const partitionsCheck = (n: number) =>
  n !== -1 && n < 1 ? "Number of partitions must be positive, or -1 to use the broker's default" : undefined;
const replicationFactorCheck = (n: number) =>
  n !== -1 && n < 1
    ? "Replication factor must be positive and not larger than the number of brokers in the Kafka cluster, or -1 to use the broker's default"
    : undefined;

/** TopicCreationConfig's REGEX_VALIDATOR: every pattern of the list compiles (as Java). */
const patternsCheck = (list: string[]) => {
  for (const p of list) {
    try {
      compileJavaRegex(p);
    } catch (error) {
      return `Syntax error in regular expression: ${messageOf(error)}`;
    }
  }
  return undefined;
};

/**
 * A group's keys (TopicCreationConfig.configDef, or defaultGroupConfigDef for `default`, whose
 * include/exclude are only non-null and whose replication.factor/partitions have no default) with
 * their validators beside them: Connect embeds the group's definition under its prefix, and an
 * embedded validator names the key without the prefix.
 */
function groupConfigDef(group: string, defaults: { replicationFactor?: number; partitions?: number }) {
  const isDefault = group === DEFAULT_GROUP;
  const displayGroup = `Topic Creation: ${group}`;
  const def = defineConfig({
    include: key.list({
      doc: `Regular expressions for the topic names this group applies to${isDefault ? " (the default group applies to every topic)" : ""}.`,
      default: isDefault ? [".*"] : [],
      importance: "LOW",
      group: displayGroup,
      width: "LONG",
      displayName: `Inclusion Topic Pattern for ${group}`,
    }),
    exclude: key.list({
      doc: "Regular expressions for topic names this group does not apply to; exclusion overrides inclusion.",
      default: [],
      importance: "LOW",
      group: displayGroup,
      width: "LONG",
      displayName: `Exclusion Topic Pattern for ${group}`,
    }),
    "replication.factor": key.short({
      doc: "The replication factor of new topics; -1 for the broker's default. Required for the default group; other groups inherit it.",
      ...(defaults.replicationFactor === undefined ? {} : { default: defaults.replicationFactor }),
      importance: "LOW",
      group: displayGroup,
      width: "LONG",
      displayName: `Replication Factor for Topics in ${group}`,
    }),
    partitions: key.int({
      doc: "The number of partitions of new topics; -1 for the broker's default. Required for the default group; other groups inherit it.",
      ...(defaults.partitions === undefined ? {} : { default: defaults.partitions }),
      importance: "LOW",
      group: displayGroup,
      width: "LONG",
      displayName: `Partition Count for Topics in ${group}`,
    }),
  }) as unknown as ConfigDef;
  const checks: Record<string, Check> = {
    "replication.factor": replicationFactorCheck,
    partitions: partitionsCheck,
    ...(isDefault ? {} : { include: patternsCheck, exclude: patternsCheck }),
  };
  return { def: def.prefixed(`${TOPIC_CREATION_PREFIX}${group}.`), checks };
}

function groupNames(config: Readonly<Record<string, string | null>>): string[] {
  return [...new Set(splitList(config[`${TOPIC_CREATION_PREFIX}groups`]))].filter((g) => g !== DEFAULT_GROUP);
}

/**
 * Parses one group's keys as Connect's ConfigDef.parse does: key by key in order, each parsed then
 * validated, stopping at the first bad one with its ConfigException message.
 */
function parseGroup(
  group: string,
  defaults: { replicationFactor?: number; partitions?: number },
  config: Readonly<Record<string, string>>,
): Record<string, unknown> {
  const { def, checks } = groupConfigDef(group, defaults);
  const prefix = `${TOPIC_CREATION_PREFIX}${group}.`;
  const values: Record<string, unknown> = {};
  for (const k of def.keys) {
    let value: unknown;
    try {
      value = new ConfigDef([k]).parse(config)[k.name];
    } catch (error) {
      const first = error instanceof ConfigError ? [...error.errors.values()][0]?.[0] : undefined;
      throw first === undefined ? error : new ConfigError(first, new Map([[k.name, [first]]]));
    }
    const unprefixed = k.name.slice(prefix.length);
    const reason = checks[unprefixed]?.(value as never);
    if (reason !== undefined) {
      const shown = Array.isArray(value) ? `[${value.join(", ")}]` : String(value);
      throw invalidValueError(unprefixed, shown, reason, k.name);
    }
    values[k.name] = value;
  }
  return values;
}

/** Connect joins a group's patterns with `|` into one java.util.regex.Pattern matched against the whole name. */
function pattern(list: readonly string[]): RegExp | null {
  return list.length === 0 ? null : topicPattern(list.join("|"));
}

/**
 * Parses a connector config's `topic.creation.*` groups, listed groups first, `default` last;
 * undefined when it has no such key. Throws ConfigError on the first key that does not parse.
 */
export function topicCreationGroups(config: Readonly<Record<string, string>>): TopicCreationGroup[] | undefined {
  if (!usesTopicCreation(config)) return undefined;
  // SourceConnectorConfig parses the default group first; the other groups inherit its values.
  const values = parseGroup(DEFAULT_GROUP, {}, config);
  const defaults = {
    replicationFactor: values[`${TOPIC_CREATION_PREFIX}${DEFAULT_GROUP}.replication.factor`] as number,
    partitions: values[`${TOPIC_CREATION_PREFIX}${DEFAULT_GROUP}.partitions`] as number,
  };
  for (const name of groupNames(config)) Object.assign(values, parseGroup(name, defaults, config));
  const group = (name: string): TopicCreationGroup => {
    const prefix = `${TOPIC_CREATION_PREFIX}${name}.`;
    const configs: Record<string, string> = {};
    for (const [k, v] of Object.entries(config)) {
      if (k.startsWith(prefix) && !GROUP_KEYS.has(k.slice(prefix.length))) configs[k.slice(prefix.length)] = v;
    }
    return {
      name,
      // The default group matches every topic: its include/exclude keys are ignored, as in Connect.
      include: name === DEFAULT_GROUP ? /^/ : (pattern(values[`${prefix}include`] as string[]) ?? /(?!)/),
      exclude: name === DEFAULT_GROUP ? null : pattern(values[`${prefix}exclude`] as string[]),
      replicationFactor: values[`${prefix}replication.factor`] as number,
      partitions: values[`${prefix}partitions`] as number,
      configs,
    };
  };
  return [...groupNames(config).map(group), group(DEFAULT_GROUP)];
}

/**
 * Whether a source connector's tasks create the topics they write to: its `topic.creation.*` keys
 * count only when the worker creates topics (`topic.creation.enable`); with the worker's switch off
 * Connect ignores them (TopicCreation.newTopicCreation) and topics are the brokers' to create.
 */
export function connectorCreatesTopics(
  worker: Pick<WorkerConfig, "topic.creation.enable">,
  config: Readonly<Record<string, string | null>>,
): boolean {
  return worker["topic.creation.enable"] && usesTopicCreation(config);
}

/**
 * The groups a source connector's topics are created by: its topicCreationGroups when it creates
 * topics (`connectorCreatesTopics`), else undefined. Throws ConfigError as they do.
 */
export function workerTopicCreationGroups(
  worker: Pick<WorkerConfig, "topic.creation.enable">,
  config: Readonly<Record<string, string>>,
): TopicCreationGroup[] | undefined {
  return connectorCreatesTopics(worker, config) ? topicCreationGroups(config) : undefined;
}

/** How `topic` is to be created: by the first group whose patterns match it. */
export function topicSpecFor(topic: string, groups: readonly TopicCreationGroup[]): TopicSpec {
  const g = groups.find((x) => !x.exclude?.test(topic) && x.include.test(topic)) ?? groups.at(-1)!;
  return { topic, partitions: g.partitions, replicationFactor: g.replicationFactor, configs: g.configs };
}

/** Topic creation failed for a reason a retry will not cure: the task fails (not a per-record error). */
export class TopicCreationError extends ConnectError {
  override name = "TopicCreationError";
}

/** What a source task's sender uses to create the topics it writes to (SourceTaskSender). */
export interface TopicCreator {
  /** Creates the topic if it does not exist yet. */
  ensure(topic: string): Promise<void>;
  close(): Promise<void>;
}

/** Creates topics for a source task on an admin client made on first use. */
export function topicCreator(admin: () => Promise<KafkaAdmin>, groups: readonly TopicCreationGroup[]) {
  let client: Promise<KafkaAdmin> | undefined;
  return {
    async ensure(topic: string): Promise<void> {
      client ??= admin().catch((error) => {
        client = undefined;
        throw error;
      });
      try {
        await (await client).createTopic(topicSpecFor(topic, groups));
      } catch (error) {
        if (isRetriable(error)) throw error;
        throw new TopicCreationError(`Unable to create topic ${topic}: ${messageOf(error)}`, { cause: error });
      }
    },
    async close(): Promise<void> {
      const c = client;
      client = undefined;
      if (c) await (await c.catch(() => undefined))?.close();
    },
  };
}
