import { describe, expect, test } from "bun:test";
import { ConfigError, KafkaError, traceOf } from "../errors.ts";
import {
  CLIENT_CLASS_KEYS,
  checkClientClasses,
  checkClientConfigValues,
  isLoadableClientClass,
  parseClientClass,
} from "./client-classes.ts";
import { clientConfigKey, clientConfigKeyNames } from "./client-config-keys.ts";

describe("isLoadableClientClass: Apache Kafka's client classes the client keys name", () => {
  test.each([
    "org.apache.kafka.clients.producer.RoundRobinPartitioner",
    "org.apache.kafka.common.serialization.ByteArraySerializer",
    "org.apache.kafka.common.serialization.StringDeserializer",
    "org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
    "org.apache.kafka.common.security.oauthbearer.DefaultJwtRetriever",
    "org.apache.kafka.common.security.authenticator.AbstractLogin$DefaultLoginCallbackHandler",
  ])("%s", (name) => {
    expect(isLoadableClientClass(name)).toBe(true);
  });

  test.each([
    "com.example.NoSuchPartitioner",
    // Removed in Apache Kafka 4.0.
    "org.apache.kafka.clients.producer.internals.DefaultPartitioner",
    "org.apache.kafka.clients.producer.UniformStickyPartitioner",
    "org.apache.kafka.common.serialization.stringserializer",
    " org.apache.kafka.common.serialization.StringSerializer",
    "",
  ])("not %p", (name) => {
    expect(isLoadableClientClass(name)).toBe(false);
  });
});

describe("parseClientClass (ConfigDef.parseType of a CLASS key)", () => {
  test("a loadable class: its trimmed name", () => {
    expect(parseClientClass("partitioner.class", "\torg.apache.kafka.clients.producer.RoundRobinPartitioner ")).toBe(
      "org.apache.kafka.clients.producer.RoundRobinPartitioner",
    );
  });

  test.each([
    [
      "com.example.P",
      "Invalid value com.example.P for configuration partitioner.class: Class com.example.P could not be found.",
    ],
    ["", "Invalid value  for configuration partitioner.class: Class  could not be found."],
  ])("%p: Connect's ConfigException, with the key's error", (value, message) => {
    let thrown: unknown;
    try {
      parseClientClass("partitioner.class", value);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).message).toBe(message);
    expect((thrown as ConfigError).errors).toEqual(new Map([["partitioner.class", [message]]]));
  });
});

// Every expected outcome below is what kafka-clients 4.3.1 does: a KafkaProducer or KafkaConsumer
// constructed with the same properties (bootstrap 127.0.0.1:1, byte-array serdes), run against the jar.
describe("checkClientClasses (the classes Java's client constructors load)", () => {
  function failure(type: "producer" | "consumer", props: Record<string, string>): string | undefined {
    try {
      checkClientClasses(type, props);
      return undefined;
    } catch (error) {
      expect(error instanceof KafkaError || error instanceof ConfigError).toBe(true);
      return traceOf(error)
        .split("\n")
        .filter((l) => !l.startsWith("\t"))
        .join("\n");
    }
  }
  const P = "org.apache.kafka.common.KafkaException: Failed to construct kafka producer";
  const C = "org.apache.kafka.common.KafkaException: Failed to construct kafka consumer";
  const because = (head: string, cause: string) => `${head}\nCaused by: ${cause}`;
  const kafka = (message: string) => `org.apache.kafka.common.KafkaException: ${message}`;
  const SD = "org.apache.kafka.common.serialization.StringDeserializer";
  const SS = "org.apache.kafka.common.serialization.StringSerializer";
  const PARTITIONER = "org.apache.kafka.clients.producer.Partitioner";
  const ABSTRACT_LOGIN = "org.apache.kafka.common.security.authenticator.AbstractLogin";

  // Found by the tenth REST hunt: Connect's sink task with `consumer.override.group.id: " "` FAILED, the gateway's ran.
  test("a consumer's group.id that trims to empty fails first, as ClassicKafkaConsumer's constructor", () => {
    const empty = because(
      C,
      "org.apache.kafka.common.errors.InvalidGroupIdException: The configured group.id should not be an empty string or whitespace.",
    );
    for (const groupId of ["", " ", "\t"]) {
      expect(failure("consumer", { "group.id": groupId, "interceptor.classes": "x.Nope" })).toBe(empty);
    }
    expect(failure("consumer", { "group.id": " g " })).toBeUndefined();
    expect(failure("producer", { "group.id": " " })).toBeUndefined();
  });

  test("no class lists, blank lists and Kafka's own classes pass", () => {
    expect(failure("producer", {})).toBeUndefined();
    expect(failure("producer", { "interceptor.classes": " " })).toBeUndefined();
    expect(
      failure("producer", { "partitioner.class": "org.apache.kafka.clients.producer.RoundRobinPartitioner" }),
    ).toBeUndefined();
    expect(failure("producer", { "key.serializer": SS, "value.serializer": SS })).toBeUndefined();
    expect(failure("consumer", { "key.deserializer": SD, "value.deserializer": SD })).toBeUndefined();
    expect(
      failure("consumer", {
        "partition.assignment.strategy":
          "org.apache.kafka.clients.consumer.RangeAssignor, org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
      }),
    ).toBeUndefined();
    // An assignor only matters to a consumer.
    expect(failure("producer", { "partition.assignment.strategy": "com.example.A" })).toBeUndefined();
  });

  test.each<[string, "producer" | "consumer", Record<string, string>, string]>([
    [
      "an unknown interceptor",
      "producer",
      { "interceptor.classes": "com.example.I, com.example.J" },
      because(P, kafka("Class com.example.I cannot be found")),
    ],
    [
      "a loadable class is no interceptor: asSubclass's ClassCastException",
      "consumer",
      { "interceptor.classes": SD },
      because(C, `java.lang.ClassCastException: class ${SD}`),
    ],
    [
      "an interface is no interceptor",
      "producer",
      { "interceptor.classes": PARTITIONER },
      because(P, `java.lang.ClassCastException: interface ${PARTITIONER}`),
    ],
    [
      "an unknown assignor",
      "consumer",
      { "partition.assignment.strategy": "org.apache.kafka.clients.consumer.RangeAssignor,com.example.A" },
      because(C, kafka("com.example.A ClassNotFoundException exception occurred")),
    ],
    [
      "a loadable class is no assignor: a Class concatenated",
      "consumer",
      { "partition.assignment.strategy": SD },
      because(
        C,
        kafka(`class ${SD} is not an instance of org.apache.kafka.clients.consumer.ConsumerPartitionAssignor`),
      ),
    ],
    [
      "an interface as assignor: no constructor",
      "consumer",
      { "partition.assignment.strategy": "org.apache.kafka.clients.consumer.ConsumerPartitionAssignor" },
      because(
        C,
        kafka(
          "Could not find a public no-argument constructor for org.apache.kafka.clients.consumer.ConsumerPartitionAssignor",
        ),
      ),
    ],
    [
      "an abstract class as assignor",
      "consumer",
      { "partition.assignment.strategy": ABSTRACT_LOGIN },
      because(C, kafka(`Could not instantiate class ${ABSTRACT_LOGIN}`)),
    ],
    [
      "the Partitioner interface as partitioner.class",
      "producer",
      { "partitioner.class": PARTITIONER },
      because(P, kafka(`Could not find a public no-argument constructor for ${PARTITIONER}`)),
    ],
    [
      "an abstract class as partitioner.class",
      "producer",
      { "partitioner.class": ABSTRACT_LOGIN },
      because(P, kafka(`Could not instantiate class ${ABSTRACT_LOGIN}`)),
    ],
    [
      "a deserializer as key.serializer",
      "producer",
      { "key.serializer": SD },
      because(P, kafka(`class ${SD} is not an instance of org.apache.kafka.common.serialization.Serializer`)),
    ],
    [
      "a producer builds its partitioner before its serializers",
      "producer",
      { "key.serializer": SD, "partitioner.class": PARTITIONER },
      because(P, kafka(`Could not find a public no-argument constructor for ${PARTITIONER}`)),
    ],
    [
      "a producer builds its serializers before its interceptors",
      "producer",
      { "key.serializer": SD, "interceptor.classes": "com.example.I" },
      because(P, kafka(`class ${SD} is not an instance of org.apache.kafka.common.serialization.Serializer`)),
    ],
    [
      "a consumer builds its interceptors before its deserializers",
      "consumer",
      { "key.deserializer": SS, "interceptor.classes": "com.example.I" },
      because(C, kafka("Class com.example.I cannot be found")),
    ],
    [
      "a consumer builds its deserializers before its assignors",
      "consumer",
      { "key.deserializer": SS, "partition.assignment.strategy": "com.example.A" },
      because(C, kafka(`class ${SS} is not an instance of org.apache.kafka.common.serialization.Deserializer`)),
    ],
    [
      "a class key Connect cannot load: the config's ConfigException, before any class list",
      "producer",
      { "partitioner.class": "com.example.P", "interceptor.classes": "a, ,b" },
      "org.apache.kafka.common.config.ConfigException: Invalid value com.example.P for configuration partitioner.class: Class com.example.P could not be found.",
    ],
    [
      "an empty entry in interceptor.classes: ValidList's ConfigException",
      "producer",
      { "interceptor.classes": "com.example.I, ,com.example.J" },
      "org.apache.kafka.common.config.ConfigException: Configuration 'interceptor.classes' values must not be empty.",
    ],
    [
      "only separators",
      "producer",
      { "interceptor.classes": " , " },
      "org.apache.kafka.common.config.ConfigException: Configuration 'interceptor.classes' values must not be empty.",
    ],
    [
      "a trailing comma in partition.assignment.strategy",
      "consumer",
      { "partition.assignment.strategy": "org.apache.kafka.clients.consumer.RangeAssignor," },
      "org.apache.kafka.common.config.ConfigException: Configuration 'partition.assignment.strategy' values must not be empty.",
    ],
  ])("%s", (_, type, props, trace) => {
    expect(failure(type, props)).toBe(trace);
  });
});

describe("checkClientConfigValues", () => {
  test("an admin client's class keys are parsed; its class lists are none of its keys", () => {
    expect(() => checkClientConfigValues("admin", { "sasl.login.class": "com.example.L" })).toThrow(
      "Invalid value com.example.L for configuration sasl.login.class: Class com.example.L could not be found.",
    );
    expect(() => checkClientConfigValues("admin", { "interceptor.classes": "," })).not.toThrow();
  });

  test.each(["producer", "consumer", "admin"] as const)("CLIENT_CLASS_KEYS.%s are the client's CLASS keys", (type) => {
    const catalog = clientConfigKeyNames(type).filter((k) => clientConfigKey(type, k)?.type === "CLASS");
    expect([...CLIENT_CLASS_KEYS[type]].sort()).toEqual(catalog.sort());
  });
});
