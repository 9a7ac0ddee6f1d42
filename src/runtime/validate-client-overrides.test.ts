import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type TempDir, tempDir } from "../../test/support/temp-dir.ts";
import { makeRsaCert } from "../../test/support/tls.ts";
import { ConnectorClientConfigOverridePolicy } from "../connector-client-config-override-policy.ts";
import { ConfigError } from "../errors.ts";
import { clientConfigKey } from "../kafka/client-config-keys.ts";
import { clientsUsed, validateClientOverrides } from "./validate-client-overrides.ts";

const none = ConnectorClientConfigOverridePolicy.of("None");
const principal = ConnectorClientConfigOverridePolicy.of("Principal");
const EVERY_CLIENT = {
  "producer.override.linger.ms": " 10 ",
  "producer.override.sasl.mechanism": "PLAIN",
  "consumer.override.max.poll.records": "5",
  "admin.override.retries": "3",
};
const DLQ = { "errors.deadletterqueue.topic.name": "dlq" };

describe("clientsUsed (Connect's connectorUsesProducer/Consumer/Admin)", () => {
  test.each([
    ["a source", "source", {}, { producer: true, consumer: false, admin: false }],
    [
      "a source creating topics",
      "source",
      { "topic.creation.groups": "" },
      { producer: true, consumer: false, admin: true },
    ],
    [
      "a source with an offsets topic of its own",
      "source",
      { "offsets.storage.topic": "o" },
      { producer: true, consumer: true, admin: true },
    ],
    [
      "a source with a blank offsets topic",
      "source",
      { "offsets.storage.topic": " " },
      { producer: true, consumer: false, admin: false },
    ],
    ["a sink", "sink", {}, { producer: false, consumer: true, admin: false }],
    ["a sink with a DLQ", "sink", DLQ, { producer: true, consumer: true, admin: true }],
    [
      "a sink with a blank DLQ",
      "sink",
      { "errors.deadletterqueue.topic.name": " " },
      { producer: false, consumer: true, admin: false },
    ],
  ] as const)("%s", (_name, type, config, expected) => {
    expect(clientsUsed(type, config)).toEqual(expected);
  });
});

describe("validateClientOverrides", () => {
  const names = (config: Record<string, string | null>, type: "source" | "sink") =>
    validateClientOverrides("C", type, config, none).configs.map((c) => c.value?.name);

  // Within a client, entries are in Java's HashMap order (checked against Java's HashMap).
  test("one entry per override of a client the connector uses: producer, consumer, then admin", () => {
    expect(names(EVERY_CLIENT, "source")).toEqual(["producer.override.sasl.mechanism", "producer.override.linger.ms"]);
    expect(names(EVERY_CLIENT, "sink")).toEqual(["consumer.override.max.poll.records"]);
    expect(names({ ...EVERY_CLIENT, ...DLQ }, "sink")).toEqual([
      "producer.override.sasl.mechanism",
      "producer.override.linger.ms",
      "consumer.override.max.poll.records",
      "admin.override.retries",
    ]);
  });

  test("an entry: the client's definition under the prefixed name, the parsed value, the policy's error", () => {
    const infos = validateClientOverrides("FileStreamSource", "source", EVERY_CLIENT, principal);
    expect(infos).toEqual({
      name: "FileStreamSource",
      error_count: 1,
      groups: [],
      configs: [
        {
          definition: { ...clientConfigKey("producer", "sasl.mechanism")!, name: "producer.override.sasl.mechanism" },
          value: {
            name: "producer.override.sasl.mechanism",
            value: "PLAIN",
            recommended_values: [],
            errors: [],
            visible: true,
          },
        },
        {
          definition: { ...clientConfigKey("producer", "linger.ms")!, name: "producer.override.linger.ms" },
          value: {
            name: "producer.override.linger.ms",
            value: "10",
            recommended_values: [],
            errors: [
              "The 'Principal' policy does not allow 'linger.ms' to be overridden in the connector configuration.",
            ],
            visible: true,
          },
        },
      ],
    });
    expect(infos.configs[1]!.definition!.display_name).toBe("linger.ms");
  });

  test("a key the client does not define: no definition, the value as given; a null value stays null", () => {
    const infos = validateClientOverrides(
      "C",
      "source",
      { "producer.override.no.such": " x ", "producer.override.acks": null },
      ConnectorClientConfigOverridePolicy.ALL,
    );
    expect(infos.error_count).toBe(0);
    expect(infos.configs.map((c) => [c.definition?.name ?? null, c.value?.value])).toEqual([
      [null, " x "],
      ["producer.override.acks", null],
    ]);
  });

  test("entries come in Java's HashMap order, whatever the config's order", () => {
    const keys = ["producer.override.batch.size", "producer.override.acks", "producer.override.sasl.jaas.config"];
    const config = (order: string[]) => Object.fromEntries(order.map((k) => [k, "1"]));
    expect(names(config(keys), "source")).toEqual(names(config([...keys].reverse()), "source"));
  });

  test("a client key with a group adds it to the groups", () => {
    const internal = "internal.throw.on.fetch.stable.offset.unsupported";
    const infos = validateClientOverrides("C", "sink", { [`consumer.override.${internal}`]: "true" }, none);
    expect(infos.groups).toEqual([clientConfigKey("consumer", internal)!.group!]);
  });

  test("a value that does not parse is Connect's ConfigException (whatever the policy); unused clients' are not parsed", () => {
    for (const policy of [none, ConnectorClientConfigOverridePolicy.ALL]) {
      expect(() => validateClientOverrides("C", "source", { "producer.override.linger.ms": "abc" }, policy)).toThrow(
        new ConfigError("Invalid value abc for configuration linger.ms: Not a number of type LONG"),
      );
    }
    expect(validateClientOverrides("C", "sink", { "producer.override.linger.ms": "abc" }, none).configs).toEqual([]);
  });
});

// explore4 J5 and J6: what fails every connection of the task is refused in validation, on the
// override key at fault (Connect's validation only parses the values; its task fails at start).
describe("validateClientOverrides: the client's security settings, the worker's completed by the overrides", () => {
  let dir: TempDir;
  beforeAll(async () => {
    dir = await tempDir("override-security-");
    await makeRsaCert(dir.path, "own", "own");
    await makeRsaCert(dir.path, "other", "other");
  });
  afterAll(() => dir[Symbol.asyncDispose]());

  const MSK_IAM = {
    "producer.override.sasl.mechanism": "AWS_MSK_IAM",
    "producer.override.sasl.jaas.config": "software.amazon.msk.auth.iam.IAMLoginModule required;",
  };
  const SASL_WORKER = {
    "security.protocol": "SASL_PLAINTEXT",
    "sasl.mechanism": "PLAIN",
    "sasl.jaas.config": 'org.apache.kafka.common.security.plain.PlainLoginModule required username="w" password="w";',
  };
  const errorsOf = (
    config: Record<string, string>,
    worker: Record<string, string>,
    type: "source" | "sink" = "source",
  ) =>
    validateClientOverrides("C", type, config, ConnectorClientConfigOverridePolicy.ALL, () => worker)
      .configs.filter((c) => (c.value?.errors.length ?? 0) > 0)
      .map((c) => [c.value!.name, c.value!.errors]);

  test("a key store whose key is not its certificate's is refused on the key", async () => {
    const cert = await Bun.file(dir.file("own.pem")).text();
    const otherKey = await Bun.file(dir.file("other.key")).text();
    const ssl = { "security.protocol": "SSL" };
    expect(
      errorsOf(
        {
          "producer.override.ssl.keystore.certificate.chain": cert,
          "producer.override.ssl.keystore.key": otherKey,
          "producer.override.linger.ms": "5",
        },
        ssl,
      ),
    ).toEqual([
      [
        "producer.override.ssl.keystore.key",
        [
          "Invalid value for configuration ssl.keystore.key: the private key is not the key of the first certificate in ssl.keystore.certificate.chain",
        ],
      ],
    ]);
    // Only the chain overridden, the key the worker's: on the override the connector wrote.
    expect(
      errorsOf(
        { "consumer.override.ssl.keystore.certificate.chain": cert },
        { ...ssl, "ssl.keystore.key": otherKey },
        "sink",
      ),
    ).toEqual([
      [
        "consumer.override.ssl.keystore.certificate.chain",
        [
          "Invalid value for configuration ssl.keystore.key: the private key is not the key of the first certificate in ssl.keystore.certificate.chain",
        ],
      ],
    ]);
    // The matching pair, and a key store over PLAINTEXT (never read, as in Java), pass.
    const own = await Bun.file(dir.file("own.key")).text();
    const pair = {
      "producer.override.ssl.keystore.certificate.chain": cert,
      "producer.override.ssl.keystore.key": own,
    };
    expect(errorsOf(pair, ssl)).toEqual([]);
    expect(errorsOf({ ...pair, "producer.override.ssl.keystore.key": otherKey }, {})).toEqual([]);
  });

  test("a login module Kafka's clients cannot load, and a mechanism not written as Kafka writes it, are refused", () => {
    expect(
      errorsOf(
        { "producer.override.sasl.jaas.config": 'com.example.Nope required username="u" password="p";' },
        SASL_WORKER,
      ),
    ).toEqual([
      [
        "producer.override.sasl.jaas.config",
        ["Invalid value [hidden] for configuration sasl.jaas.config: No LoginModule found for com.example.Nope"],
      ],
    ]);
    expect(errorsOf({ "producer.override.sasl.mechanism": "plain" }, SASL_WORKER)).toEqual([
      [
        "producer.override.sasl.mechanism",
        [
          "Invalid value plain for configuration sasl.mechanism: SASL mechanism names are case-sensitive, as in Kafka's clients: use PLAIN (the supported mechanisms are PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512)",
        ],
      ],
    ]);
    expect(errorsOf({ "producer.override.sasl.mechanism": "SCRAM-SHA-256" }, SASL_WORKER)).toEqual([]);
  });

  // As recorded from Connect (test/fixtures/connect-rest/override-policy.ts): what only this gateway's
  // clients refuse is left to the task's start.
  test("what Kafka's clients accept but this gateway's do not (no username, GSSAPI) is not refused", () => {
    const moduleOnly = "org.apache.kafka.common.security.plain.PlainLoginModule required;";
    expect(errorsOf({ "producer.override.sasl.jaas.config": moduleOnly }, SASL_WORKER)).toEqual([]);
    expect(errorsOf({ "producer.override.sasl.mechanism": "GSSAPI" }, SASL_WORKER)).toEqual([]);
  });

  // review-sec6 P2-3: the MSK set was refused with "No LoginModule found for …IAMLoginModule", a
  // class Java loads in MSK setups; the mechanism is what the task's start refuses.
  test("AWS MSK IAM's override set is not refused for its login module", () => {
    expect(errorsOf(MSK_IAM, SASL_WORKER)).toEqual([]);
  });

  test("a connector that overrides no security key is not refused for the worker's settings", () => {
    expect(errorsOf({ "producer.override.linger.ms": "5" }, { ...SASL_WORKER, "sasl.mechanism": "plain" })).toEqual([]);
  });
});
