/**
 * validateClientOverrides: the ConfigInfos part of a connector's `producer.override.*`,
 * `consumer.override.*` and `admin.override.*` keys, as Connect's
 * AbstractHerder.validateClientOverrides makes it. Only the clients the connector uses are
 * validated: a source's producer (and its admin client when a `topic.creation.*` key is set, its
 * consumer and admin client when it has an offsets.storage.topic of its own), a
 * sink's consumer (and its dead letter queue's producer and admin client when
 * errors.deadletterqueue.topic.name is set); other override keys are left alone. Each key of a
 * validated client is one entry: its value parsed by the client key's type (a value that does not
 * parse throws ConfigError, as Connect's `ConfigDef.parseType` does), its definition as the client
 * describes it (none for a key the client does not have) and, when the worker's override policy
 * does not allow the key, the policy's error; and the refusal of the client's security settings
 * (the worker's completed by the overrides: securityRefusal) on the override key at fault. Called
 * by validateConnectorConfig, which places these entries after the connector's keys and before its
 * converters' keys.
 */
import {
  type ConnectorClientConfigOverridePolicy,
  overridePrefix,
  overridesOf,
} from "../connector-client-config-override-policy.ts";
import { ConfigError, JavaException } from "../errors.ts";
import { checkSecurityAsKafka } from "../kafka/client-config.ts";
import { type ClientType, clientConfigKey, parseClientValue } from "../kafka/client-config-keys.ts";
import type { ConfigInfo, ConfigInfos } from "../plugin/describe-config.ts";
import { javaHashOrder } from "../util/java-hash-order.ts";
import { usesTopicCreation } from "./topic-creation.ts";

type RawConfig = Readonly<Record<string, string | null>>;

/** Whether the connector's tasks use a producer, consumer or admin client (Connect's connectorUses…). */
export function clientsUsed(connectorType: "source" | "sink", config: RawConfig): Record<ClientType, boolean> {
  const dlq = (config["errors.deadletterqueue.topic.name"] ?? "").trim() !== "";
  if (connectorType === "sink") return { producer: dlq, consumer: true, admin: dlq };
  // A distributed worker reads and writes a source's own offsets topic with a consumer and an
  // admin client too: their overrides are validated then.
  const ownOffsets = () => ownOffsetsTopic(config);
  const admin = usesTopicCreation(config) || ownOffsets();
  return { producer: true, admin, consumer: ownOffsets() };
}

const TRIM_NPE =
  'Cannot invoke "String.trim()" because the return value of "java.util.Map.getOrDefault(Object, Object)" is null';

/** Connect trims offsets.storage.topic with props.getOrDefault(key, "").trim(): a null is an NPE, its 500. */
function ownOffsetsTopic(config: RawConfig): boolean {
  const topic = config["offsets.storage.topic"];
  if (topic === null) throw new JavaException("java.lang.NullPointerException", TRIM_NPE);
  return (topic ?? "").trim() !== "";
}

/** The worker's settings of each client type, which a connector's overrides complete (clientProperties). */
export type WorkerClientProperties = (type: ClientType) => Readonly<Record<string, string>>;

const SECURITY_KEY = /^(security\.protocol|sasl\.|ssl\.)/;

/**
 * The override key on which the client's security settings (the worker's, completed by the
 * overrides) are refused before any connection (checkSecurityAsKafka: as Kafka's clients refuse a
 * key store that cannot be read, a PLAIN or SCRAM login module they cannot load, a SASL mechanism
 * not written as Kafka writes it; a key store whose key is not its certificate's, which Java takes
 * but this gateway's TLS stack cannot load), with the refusal: the gateway's deviation from
 * Connect, whose validation only parses override values. The key at fault when the connector overrides it,
 * else the first security key it overrides; none when it overrides none (the worker's own
 * settings were checked at its start).
 */
function securityRefusal(
  values: ReadonlyMap<string, string | null>,
  worker: Readonly<Record<string, string>>,
): { key: string; message: string } | undefined {
  const overridden = [...values.keys()].filter((k) => SECURITY_KEY.test(k) && values.get(k) !== null);
  if (overridden.length === 0) return undefined;
  const props: Record<string, string> = { ...worker };
  for (const [k, v] of values) if (v !== null) props[k] = v;
  try {
    checkSecurityAsKafka(props);
    return undefined;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const faulted = [...error.errors.keys()][0];
    const key = faulted !== undefined && overridden.includes(faulted) ? faulted : overridden[0]!;
    return { key, message: error.message };
  }
}

function clientSection(
  type: ClientType,
  config: RawConfig,
  policy: ConnectorClientConfigOverridePolicy,
  worker: WorkerClientProperties,
): { configs: ConfigInfo[]; groups: string[] } {
  const prefix = overridePrefix(type);
  const values = overridesOf(config, type);
  const names = javaHashOrder([...values.keys()]);
  const parsed = names.map((name) => [name, parseClientValue(type, name, values.get(name) ?? null)] as const);
  const groups: string[] = [];
  const refusal = securityRefusal(values, worker(type));
  const configs = parsed.map(([name, value]): ConfigInfo => {
    const definition = clientConfigKey(type, name);
    if (definition?.group != null && !groups.includes(definition.group)) groups.push(definition.group);
    const errors = [policy.error(name), refusal?.key === name ? refusal.message : undefined].filter(
      (e) => e !== undefined,
    );
    return {
      definition: definition ? { ...definition, name: `${prefix}${name}` } : null,
      value: {
        name: `${prefix}${name}`,
        value,
        recommended_values: [],
        errors,
        visible: true,
      },
    };
  });
  return { configs, groups };
}

/**
 * The override entries of the clients the connector uses, in Connect's order (producer, consumer,
 * admin; values are parsed producer first, then admin, then consumer, so the same bad value is
 * reported). `name` is ConfigInfos' name (the connector class).
 */
export function validateClientOverrides(
  name: string,
  connectorType: "source" | "sink",
  config: RawConfig,
  policy: ConnectorClientConfigOverridePolicy,
  worker: WorkerClientProperties = () => ({}),
): ConfigInfos {
  // As Connect: the producer's overrides are parsed, then whether the admin client is used is
  // decided (a source's null offsets.storage.topic fails there) and its overrides parsed, then the consumer's.
  const sink = connectorType === "sink";
  const dlq = (config["errors.deadletterqueue.topic.name"] ?? "").trim() !== "";
  const producer = !sink || dlq ? clientSection("producer", config, policy, worker) : undefined;
  const usesAdmin = sink ? dlq : usesTopicCreation(config) || ownOffsetsTopic(config);
  const admin = usesAdmin ? clientSection("admin", config, policy, worker) : undefined;
  const consumer = sink || ownOffsetsTopic(config) ? clientSection("consumer", config, policy, worker) : undefined;
  const sections = [producer, consumer, admin].filter((s) => s !== undefined);
  const configs = sections.flatMap((s) => s.configs);
  const groups = [...new Set(sections.flatMap((s) => s.groups))];
  const errorCount = configs.filter((c) => (c.value?.errors.length ?? 0) > 0).length;
  return { name, error_count: errorCount, groups, configs };
}
