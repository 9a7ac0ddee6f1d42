/**
 * Topic creation for source connectors (KIP-158), as Connect does it: when a connector config has
 * `topic.creation.*` keys, the `default` group (required `replication.factor` and `partitions`,
 * `-1` meaning the broker's default) and the groups listed in `topic.creation.groups` (each with
 * `include`/`exclude` regex lists and optional overrides) decide how a topic the connector writes
 * to is created, just before its first record is sent. Any other `topic.creation.<group>.<key>`
 * is a topic config (e.g. `cleanup.policy=compact`). Exclusion beats inclusion; the first listed
 * group that matches wins, then `default`. Patterns are Java regular expressions (as in the SMTs).
 */
import { ConnectError, isRetriable, messageOf } from "../errors.ts";
import type { KafkaAdmin, TopicSpec } from "../kafka/kafka-port.ts";
import { type ConfigDef, defineConfig, key } from "../plugin/config-def.ts";
import { compileJavaRegex } from "../transforms/util/java-regex.ts";
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

const minusOneOrPositive = (n: number | null) =>
  n !== null && n !== -1 && n < 1 ? "Value must be -1 or at least 1" : undefined;

function groupConfigDef(group: string, defaults: { replicationFactor?: number; partitions?: number }): ConfigDef {
  const display = group === DEFAULT_GROUP ? DEFAULT_GROUP : group;
  const displayGroup = `Topic Creation: ${group}`;
  const prefix = `${TOPIC_CREATION_PREFIX}${group}.`;
  const def = defineConfig({
    include: key.list({
      doc: `Regular expressions for the topic names this group applies to${group === DEFAULT_GROUP ? " (the default group applies to every topic)" : ""}.`,
      default: group === DEFAULT_GROUP ? [".*"] : [],
      importance: "LOW",
      group: displayGroup,
      width: "LONG",
      displayName: `Inclusion Topic Pattern for ${display}`,
      validators: [validPatterns],
    }),
    exclude: key.list({
      doc: "Regular expressions for topic names this group does not apply to; exclusion overrides inclusion.",
      default: [],
      importance: "LOW",
      group: displayGroup,
      width: "LONG",
      displayName: `Exclusion Topic Pattern for ${display}`,
      validators: [validPatterns],
    }),
    "replication.factor": key.int({
      doc: "The replication factor of new topics; -1 for the broker's default. Required for the default group; other groups inherit it.",
      ...(defaults.replicationFactor === undefined ? {} : { default: defaults.replicationFactor }),
      importance: "LOW",
      group: displayGroup,
      width: "LONG",
      displayName: `Replication Factor for Topics in ${display}`,
      validators: [minusOneOrPositive],
    }),
    partitions: key.int({
      doc: "The number of partitions of new topics; -1 for the broker's default. Required for the default group; other groups inherit it.",
      ...(defaults.partitions === undefined ? {} : { default: defaults.partitions }),
      importance: "LOW",
      group: displayGroup,
      width: "LONG",
      displayName: `Partition Count for Topics in ${display}`,
      validators: [minusOneOrPositive],
    }),
  }) as unknown as ConfigDef;
  return def.prefixed(prefix);
}

function groupNames(config: Readonly<Record<string, string | null>>): string[] {
  return [...new Set(splitList(config[`${TOPIC_CREATION_PREFIX}groups`]))].filter((g) => g !== DEFAULT_GROUP);
}

/**
 * The keys of a config that uses topic creation (Connect's SourceConnectorConfig enrichment). Only
 * a task being built parses them: Connect's config validation does not list them.
 */
function topicCreationConfigDef(config: Readonly<Record<string, string | null>>): ConfigDef | undefined {
  if (!usesTopicCreation(config)) return undefined;
  let def = groupConfigDef(DEFAULT_GROUP, {});
  const defaults = readDefaults(def, config);
  for (const group of groupNames(config)) def = def.concat(groupConfigDef(group, defaults));
  return def;
}

function readDefaults(def: ConfigDef, config: Readonly<Record<string, string | null>>) {
  const values = def.validate(config);
  const number = (k: string) => {
    const v = values.get(`${TOPIC_CREATION_PREFIX}${DEFAULT_GROUP}.${k}`);
    return v && v.errors.length === 0 && v.value !== null ? Number(v.value) : undefined;
  };
  return { replicationFactor: number("replication.factor"), partitions: number("partitions") };
}

/** Connect joins a group's patterns with `|` into one java.util.regex.Pattern matched against the whole name. */
function pattern(list: readonly string[]): RegExp | null {
  return list.length === 0 ? null : topicPattern(list.join("|"));
}

/** TopicCreationConfig's REGEX_VALIDATOR: every pattern of the list compiles (as Java). */
const validPatterns = (list: string[] | null) => {
  for (const p of list ?? []) {
    try {
      compileJavaRegex(p);
    } catch (error) {
      return `Syntax error in regular expression: ${messageOf(error)}`;
    }
  }
  return undefined;
};

/** The groups of a valid config, listed groups first, `default` last; undefined when unused. */
export function topicCreationGroups(config: Readonly<Record<string, string>>): TopicCreationGroup[] | undefined {
  const def = topicCreationConfigDef(config);
  if (!def) return undefined;
  const values = def.parse(config) as Record<string, unknown>;
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
