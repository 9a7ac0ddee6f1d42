/**
 * ConnectorClientConfigOverridePolicy: which of a connector's `producer.override.*`,
 * `consumer.override.*` and `admin.override.*` keys the worker lets it set (worker key
 * `connector.client.config.override.policy`), as Connect's policies of that name
 * (org.apache.kafka.connect.connector.policy, KIP-458 and KIP-1188): `All` (the default) allows
 * every key, `None` none, `Principal` (deprecated in Connect) only sasl.jaas.config, sasl.mechanism
 * and security.protocol, `Allowlist` the keys listed in `connector.client.config.override.allowlist`.
 * A policy is named as Connect's plugin loader finds it: by alias (`None`), simple class name
 * (`NoneConnectorClientConfigOverridePolicy`) or class name; case matters.
 *
 * Built once per worker by worker-config.ts (WorkerConfig.overridePolicy, which also checks the
 * policy's name). Used by config validation (runtime/validate-client-overrides.ts: each key the
 * policy does not allow is an error on that key, so create and update answer 400, through
 * runtime/validate-connector-config.ts and runtime/config-validator.ts), by the clients' properties
 * (client-properties.ts) and the Worker (runtime/worker.ts): a stored config with such a key, from
 * before a policy change, fails the client as Connect's Worker does. main.ts logs Principal's
 * deprecation warning; runtime/secret-keys.ts hides the PASSWORD_KEYS values.
 */
import { ConnectError } from "./errors.ts";
import type { ClientType } from "./kafka/client-config-keys.ts";
import { javaHashOrder } from "./util/java-hash-order.ts";
import type { ParsedWorkerConfig } from "./worker-config.ts";

type OverridePolicyName = "All" | "None" | "Principal" | "Allowlist";

const POLICIES: readonly OverridePolicyName[] = ["All", "None", "Principal", "Allowlist"];
/** The package of Connect's policies (and of their loggers). */
export const OVERRIDE_POLICY_PACKAGE = "org.apache.kafka.connect.connector.policy.";
const SUFFIX = "ConnectorClientConfigOverridePolicy";

/** The interface Connect's plugin loader looks for, as its startup error names it. */
export const OVERRIDE_POLICY_INTERFACE = `${OVERRIDE_POLICY_PACKAGE}${SUFFIX}`;

/** The keys the Principal policy allows (Connect's SaslConfigs and CommonClientConfigs names). */
const PRINCIPAL_KEYS: readonly string[] = ["sasl.jaas.config", "sasl.mechanism", "security.protocol"];

/**
 * The PASSWORD-type keys of the producer, consumer and admin configs (the same for the three;
 * kafka/client-config-keys.json's, a test checks), whose values Connect's refusal shows as
 * `[hidden]`. Kept here so the Worker does not need the whole catalog.
 */
export const PASSWORD_KEYS: ReadonlySet<string> = new Set([
  "sasl.jaas.config",
  "sasl.oauthbearer.assertion.private.key.passphrase",
  "sasl.oauthbearer.client.credentials.client.secret",
  "ssl.key.password",
  "ssl.keystore.certificate.chain",
  "ssl.keystore.key",
  "ssl.keystore.password",
  "ssl.truststore.certificates",
  "ssl.truststore.password",
]);

/** The warning Connect's Principal policy logs when configured (its Set's order, so Java's HashSet order). */
export const PRINCIPAL_DEPRECATION = `The Principal ConnectorClientConfigOverridePolicy is deprecated, use the Allowlist policy instead. To replicate the Principal policy behavior, set the connector.client.config.override.allowlist configuration to "${javaHashOrder(PRINCIPAL_KEYS).join(",")}"`;

/** Connect's plugin loader's message for a policy name it cannot find. */
export function unknownOverridePolicy(spelling: string): string {
  return `Failed to find any class that implements interface ${OVERRIDE_POLICY_INTERFACE} and which name matches ${spelling}`;
}

/** The policy a worker config value names (alias, simple or full class name), or undefined. */
export function overridePolicyName(spelling: string): OverridePolicyName | undefined {
  return POLICIES.find(
    (p) => spelling === p || spelling === `${p}${SUFFIX}` || spelling === `${OVERRIDE_POLICY_PACKAGE}${p}${SUFFIX}`,
  );
}

/** The override prefix of a client type: `producer.override.`, `consumer.override.`, `admin.override.`. */
export function overridePrefix(type: ClientType): string {
  return `${type}.override.`;
}

export class ConnectorClientConfigOverridePolicy {
  private constructor(
    /** The policy's name as its messages show it (`All`, `None`, `Principal`, `Allowlist`). */
    readonly name: OverridePolicyName,
    private readonly allowed: (key: string) => boolean,
  ) {}

  static readonly ALL = new ConnectorClientConfigOverridePolicy("All", () => true);

  /** The policy `spelling` names; `allowlist` is the Allowlist policy's keys. Throws ConnectError for an unknown name. */
  static of(spelling: string, allowlist: readonly string[] = []): ConnectorClientConfigOverridePolicy {
    const name = overridePolicyName(spelling);
    switch (name) {
      case "All":
        return ConnectorClientConfigOverridePolicy.ALL;
      case "None":
        return new ConnectorClientConfigOverridePolicy(name, () => false);
      case "Principal":
        return new ConnectorClientConfigOverridePolicy(name, (k) => PRINCIPAL_KEYS.includes(k));
      case "Allowlist": {
        const keys = new Set(allowlist);
        return new ConnectorClientConfigOverridePolicy(name, (k) => keys.has(k));
      }
      default:
        throw new ConnectError(unknownOverridePolicy(spelling));
    }
  }

  /** Whether a connector may override the client key `key` (without its `<type>.override.` prefix). */
  isAllowed(key: string): boolean {
    return this.allowed(key);
  }

  /** The error Connect's policy adds to a key it does not allow (its ConfigValue's message); undefined when allowed. */
  error(key: string): string | undefined {
    if (this.allowed(key)) return undefined;
    return `The '${this.name}' policy does not allow '${key}' to be overridden in the connector configuration.`;
  }
}

/**
 * The policy of a worker's `connector.client.config.override.policy` and `…allowlist` keys; built
 * once, by loadWorkerConfig (WorkerConfig.overridePolicy), which everything else reads.
 */
export function overridePolicyOf(
  worker: Pick<
    ParsedWorkerConfig,
    "connector.client.config.override.policy" | "connector.client.config.override.allowlist"
  >,
): ConnectorClientConfigOverridePolicy {
  const spelling = worker["connector.client.config.override.policy"];
  return ConnectorClientConfigOverridePolicy.of(spelling, worker["connector.client.config.override.allowlist"]);
}

/**
 * The connector's `<type>.override.` keys without the prefix, with their values, in the order of
 * the HashMap Connect collects them into from the config's copy (another HashMap): keys of one hash
 * bucket in the copy's order.
 */
export function overridesOf(
  connectorConfig: Readonly<Record<string, string | null>>,
  type: ClientType,
): Map<string, string | null> {
  const prefix = overridePrefix(type);
  const values = new Map<string, string | null>();
  for (const k of javaHashOrder(Object.keys(connectorConfig), true))
    if (k.startsWith(prefix)) values.set(k.slice(prefix.length), connectorConfig[k] ?? null);
  return values;
}

/**
 * The connector's `<type>.override.` keys without the prefix, when the policy allows every one;
 * otherwise Connect's Worker's refusal, a ConnectError listing each refused ConfigValue
 * (`Client Config Overrides not allowed [[linger.ms,10,[],[The 'None' policy does not allow …],true]]`,
 * in Java's HashMap order; a PASSWORD key's value shows as `[hidden]`). Validation refuses such
 * keys before a config is stored, so this fails only for configs stored under another policy.
 */
export function connectorClientOverrides(
  policy: ConnectorClientConfigOverridePolicy,
  connectorConfig: Readonly<Record<string, string | null>>,
  type: ClientType,
): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const [k, v] of overridesOf(connectorConfig, type)) if (v !== null) overrides[k] = v;
  const refused = javaHashOrder(Object.keys(overrides)).filter((k) => !policy.isAllowed(k));
  if (refused.length === 0) return overrides;
  const configValues = refused.map((k) => {
    const shown = PASSWORD_KEYS.has(k) ? "[hidden]" : overrides[k];
    return `[${k},${shown},[],[${policy.error(k)}],true]`;
  });
  throw new ConnectError(`Client Config Overrides not allowed [${configValues.join(", ")}]`);
}
