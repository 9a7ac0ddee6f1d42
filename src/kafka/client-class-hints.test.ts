import { describe, expect, test } from "bun:test";
import { ConfigError } from "../errors.ts";
import { environmentKeys } from "../util/properties.ts";
import { taskClassListHint, withWorkerKey, workerClassListWarnings } from "./client-class-hints.ts";
import { checkClientConfigValues } from "./client-classes.ts";

const WORKER = {
  "producer.interceptor.classes": "io.confluent.monitoring.clients.interceptor.MonitoringProducerInterceptor",
  "consumer.interceptor.classes": " ",
  "consumer.partition.assignment.strategy": "org.apache.kafka.clients.consumer.RangeAssignor",
  "partition.assignment.strategy": "com.example.A",
};

describe("workerClassListWarnings", () => {
  test("each worker key naming an interceptor or another assignor than Kafka's, with its variable when the environment set it", () => {
    const fromEnvironment = environmentKeys({
      CONNECT_PRODUCER_INTERCEPTOR_CLASSES: WORKER["producer.interceptor.classes"],
    });
    expect(workerClassListWarnings(WORKER, fromEnvironment)).toEqual([
      "Worker config producer.interceptor.classes (environment variable CONNECT_PRODUCER_INTERCEPTOR_CLASSES) is set, but the gateway runs no Kafka client interceptors or custom assignors: every task whose Kafka client it reaches fails to start. Unset the environment variable CONNECT_PRODUCER_INTERCEPTOR_CLASSES.",
      "Worker config partition.assignment.strategy is set, but the gateway runs no Kafka client interceptors or custom assignors: every task whose Kafka client it reaches fails to start. Remove partition.assignment.strategy from the worker config.",
    ]);
  });

  test("keys of the worker config file name no environment variable", () => {
    expect(workerClassListWarnings({ "interceptor.classes": "com.example.I" }, new Map())).toEqual([
      "Worker config interceptor.classes is set, but the gateway runs no Kafka client interceptors or custom assignors: every task whose Kafka client it reaches fails to start. Remove interceptor.classes from the worker config.",
    ]);
  });

  test("none for a worker without them", () => {
    expect(workerClassListWarnings({ "bootstrap.servers": "localhost:9092" }, new Map())).toEqual([]);
  });
});

describe("withWorkerKey", () => {
  const notFound = () => {
    try {
      checkClientConfigValues("producer", { "partitioner.class": "com.example.P" });
    } catch (error) {
      if (error instanceof ConfigError) return error;
    }
    throw new Error("expected a ConfigError");
  };
  const CONNECT =
    "Invalid value com.example.P for configuration partitioner.class: Class com.example.P could not be found.";

  test.each([
    [
      "the prefixed key from the file",
      { "producer.partitioner.class": "com.example.P" },
      {},
      "worker key producer.partitioner.class",
    ],
    [
      "the prefixed key from the environment",
      { "producer.partitioner.class": "com.example.P" },
      { CONNECT_PRODUCER_PARTITIONER_CLASS: "com.example.P" },
      "worker key producer.partitioner.class, from environment variable CONNECT_PRODUCER_PARTITIONER_CLASS",
    ],
    [
      "the top-level key, the environment setting another",
      { "partitioner.class": "com.example.P", "producer.acks": "all" },
      { CONNECT_PRODUCER_ACKS: "all" },
      "worker key partitioner.class",
    ],
  ])("names %s after Connect's message", (_what, originals, env, source) => {
    const error = withWorkerKey(notFound(), "producer", originals, environmentKeys(env));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(`${CONNECT} (${source})`);
    expect([...error.errors.keys()]).toEqual(["partitioner.class"]);
  });
});

describe("taskClassListHint", () => {
  test("names the connector override and the worker keys with their variables", () => {
    expect(taskClassListHint("consumer", { "interceptor.classes": "com.example.I" })).toBe(
      "This task's consumer names Kafka client classes, but the gateway runs no Kafka client interceptors or custom assignors; remove interceptor.classes: the connector's consumer.override.interceptor.classes or the worker's consumer.interceptor.classes (CONNECT_CONSUMER_INTERCEPTOR_CLASSES) or interceptor.classes (CONNECT_INTERCEPTOR_CLASSES)",
    );
  });

  test("none when the failure is not a class list's", () => {
    expect(taskClassListHint("producer", { "partition.assignment.strategy": "com.example.A" })).toBeUndefined();
    expect(
      taskClassListHint("consumer", {
        "partition.assignment.strategy": "org.apache.kafka.clients.consumer.RangeAssignor",
      }),
    ).toBeUndefined();
  });
});
