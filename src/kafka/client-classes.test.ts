import { describe, expect, test } from "bun:test";
import { ConfigError, KafkaError, traceOf } from "../errors.ts";
import { checkClientClasses, isLoadableClientClass, parseClientClass } from "./client-classes.ts";

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

describe("checkClientClasses (the classes Java's client constructors load)", () => {
  function failure(type: "producer" | "consumer", props: Record<string, string>): string | undefined {
    try {
      checkClientClasses(type, props);
      return undefined;
    } catch (error) {
      expect(error).toBeInstanceOf(KafkaError);
      return traceOf(error)
        .split("\n")
        .filter((l) => !l.startsWith("\t"))
        .join("\n");
    }
  }

  test("no class lists, empty lists and Kafka's assignors pass", () => {
    expect(failure("producer", {})).toBeUndefined();
    expect(failure("producer", { "interceptor.classes": " , " })).toBeUndefined();
    expect(
      failure("consumer", {
        "partition.assignment.strategy":
          "org.apache.kafka.clients.consumer.RangeAssignor, org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
      }),
    ).toBeUndefined();
    // An assignor only matters to a consumer.
    expect(failure("producer", { "partition.assignment.strategy": "com.example.A" })).toBeUndefined();
  });

  test("an interceptor Connect cannot load: KafkaProducer's KafkaException and its cause", () => {
    expect(failure("producer", { "interceptor.classes": "com.example.I, com.example.J" })).toBe(
      [
        "org.apache.kafka.common.KafkaException: Failed to construct kafka producer",
        "Caused by: org.apache.kafka.common.KafkaException: Class com.example.I cannot be found",
      ].join("\n"),
    );
  });

  test("a loadable class is no interceptor", () => {
    expect(
      failure("consumer", { "interceptor.classes": "org.apache.kafka.common.serialization.StringDeserializer" }),
    ).toBe(
      [
        "org.apache.kafka.common.KafkaException: Failed to construct kafka consumer",
        "Caused by: org.apache.kafka.common.KafkaException: org.apache.kafka.common.serialization.StringDeserializer is not an instance of org.apache.kafka.clients.consumer.ConsumerInterceptor",
      ].join("\n"),
    );
  });

  test("an assignor Connect cannot load: ConsumerPartitionAssignor's message", () => {
    expect(
      failure("consumer", {
        "partition.assignment.strategy": "org.apache.kafka.clients.consumer.RangeAssignor,com.example.A",
      }),
    ).toBe(
      [
        "org.apache.kafka.common.KafkaException: Failed to construct kafka consumer",
        "Caused by: org.apache.kafka.common.KafkaException: com.example.A ClassNotFoundException exception occurred",
      ].join("\n"),
    );
  });
});
