import { describe, expect, test } from "bun:test";
import {
  ConnectorClientConfigOverridePolicy,
  connectorClientOverrides,
  OVERRIDE_POLICY_INTERFACE,
  overridePolicyName,
  PASSWORD_KEYS,
  PRINCIPAL_DEPRECATION,
} from "./connector-client-config-override-policy.ts";
import { ConnectError } from "./errors.ts";
import { clientConfigKey, clientConfigKeyNames } from "./kafka/client-config-keys.ts";
import { loadWorkerConfig } from "./worker-config.ts";

const PACKAGE = "org.apache.kafka.connect.connector.policy.";

describe("overridePolicyName: the names Connect's plugin loader finds a policy by", () => {
  test.each([
    ["All", "All"],
    ["None", "None"],
    ["Principal", "Principal"],
    ["Allowlist", "Allowlist"],
    ["NoneConnectorClientConfigOverridePolicy", "None"],
    [`${PACKAGE}NoneConnectorClientConfigOverridePolicy`, "None"],
    [`${PACKAGE}PrincipalConnectorClientConfigOverridePolicy`, "Principal"],
    [`${PACKAGE}AllowlistConnectorClientConfigOverridePolicy`, "Allowlist"],
    ["AllConnectorClientConfigOverridePolicy", "All"],
    ["none", undefined],
    [" None", undefined],
    ["ConnectorClientConfigOverridePolicy", undefined],
    [`${PACKAGE}None`, undefined],
    ["com.example.NoneConnectorClientConfigOverridePolicy", undefined],
  ])("%p → %p", (spelling, expected) => {
    expect(overridePolicyName(spelling)).toBe(expected as ReturnType<typeof overridePolicyName>);
  });

  test("an unknown name is Connect's startup error", () => {
    expect(() => ConnectorClientConfigOverridePolicy.of("none")).toThrow(
      new ConnectError(
        `Failed to find any class that implements interface ${OVERRIDE_POLICY_INTERFACE} and which name matches none`,
      ),
    );
  });
});

describe("ConnectorClientConfigOverridePolicy", () => {
  const keys = ["linger.ms", "sasl.jaas.config", "sasl.mechanism", "security.protocol", "sasl.login.class", "acks"];
  const allowed = (policy: ConnectorClientConfigOverridePolicy) => keys.filter((k) => policy.isAllowed(k));

  test.each([
    ["All", [], keys],
    ["None", [], []],
    ["Principal", [], ["sasl.jaas.config", "sasl.mechanism", "security.protocol"]],
    ["Allowlist", ["acks", "linger.ms"], ["linger.ms", "acks"]],
    ["Allowlist", [], []],
  ] as const)("%s (allowlist %p) allows %p", (name, allowlist, expected) => {
    expect(allowed(ConnectorClientConfigOverridePolicy.of(name, allowlist))).toEqual([...expected]);
  });

  test("a refused key's error names the policy and the key without its prefix, as Connect's", () => {
    const principal = ConnectorClientConfigOverridePolicy.of(`${PACKAGE}PrincipalConnectorClientConfigOverridePolicy`);
    expect(principal.name).toBe("Principal");
    expect(principal.error("linger.ms")).toBe(
      "The 'Principal' policy does not allow 'linger.ms' to be overridden in the connector configuration.",
    );
    expect(principal.error("sasl.mechanism")).toBeUndefined();
  });

  test("the worker's keys choose it, built once with the worker config", () => {
    const policy = loadWorkerConfig({
      "connector.client.config.override.policy": "AllowlistConnectorClientConfigOverridePolicy",
      "connector.client.config.override.allowlist": "acks, linger.ms",
    }).overridePolicy;
    expect([policy.name, allowed(policy)]).toEqual(["Allowlist", ["linger.ms", "acks"]]);
    expect(loadWorkerConfig({}).overridePolicy).toBe(ConnectorClientConfigOverridePolicy.ALL);
  });

  test("Principal's deprecation warning suggests the Allowlist that replaces it (Java's HashSet order)", () => {
    expect(PRINCIPAL_DEPRECATION).toBe(
      'The Principal ConnectorClientConfigOverridePolicy is deprecated, use the Allowlist policy instead. To replicate the Principal policy behavior, set the connector.client.config.override.allowlist configuration to "security.protocol,sasl.mechanism,sasl.jaas.config"',
    );
  });
});

describe("connectorClientOverrides", () => {
  const config = {
    "connector.class": "FileStreamSource",
    "producer.override.linger.ms": "10",
    "producer.override.sasl.jaas.config": "secret-jaas",
    "consumer.override.max.poll.records": "5",
    "admin.override.retries": null,
  };

  test("the client type's overrides without their prefix, when the policy allows them all", () => {
    const all = ConnectorClientConfigOverridePolicy.ALL;
    expect(connectorClientOverrides(all, config, "producer")).toEqual({
      "linger.ms": "10",
      "sasl.jaas.config": "secret-jaas",
    });
    expect(connectorClientOverrides(all, config, "consumer")).toEqual({ "max.poll.records": "5" });
    expect(connectorClientOverrides(all, config, "admin")).toEqual({});
    const none = ConnectorClientConfigOverridePolicy.of("None");
    expect(connectorClientOverrides(none, config, "admin")).toEqual({});
  });

  test("a refused key fails as Connect's Worker (ConfigValues in HashMap order, a password hidden)", () => {
    const none = ConnectorClientConfigOverridePolicy.of("None");
    expect(() => connectorClientOverrides(none, config, "producer")).toThrow(
      new ConnectError(
        "Client Config Overrides not allowed [[sasl.jaas.config,[hidden],[],[The 'None' policy does not allow 'sasl.jaas.config' to be overridden in the connector configuration.],true], [linger.ms,10,[],[The 'None' policy does not allow 'linger.ms' to be overridden in the connector configuration.],true]]",
      ),
    );
    const principal = ConnectorClientConfigOverridePolicy.of("Principal");
    expect(() => connectorClientOverrides(principal, config, "producer")).toThrow(
      "Client Config Overrides not allowed [[linger.ms,10,[],[The 'Principal' policy does not allow 'linger.ms' to be overridden in the connector configuration.],true]]",
    );
  });
});

describe("PASSWORD_KEYS", () => {
  test.each(["producer", "consumer", "admin"] as const)("are the %s config's PASSWORD keys in the catalog", (type) => {
    const passwords = clientConfigKeyNames(type).filter((k) => clientConfigKey(type, k)?.type === "PASSWORD");
    expect(passwords.sort()).toEqual([...PASSWORD_KEYS].sort());
  });
});
