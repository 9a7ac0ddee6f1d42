import { describe, expect, test } from "bun:test";
import { configFromEnvironment } from "../util/properties.ts";
import { environmentVariableOf, taskClassListHint, workerClassListWarnings } from "./client-class-hints.ts";

describe("environmentVariableOf", () => {
  test.each(["producer.interceptor.classes", "consumer.partition.assignment.strategy", "a_b.c-d"])(
    "%s maps back to its key",
    (key) => {
      expect(configFromEnvironment({ [environmentVariableOf(key)]: "x" })).toEqual({ [key]: "x" });
    },
  );
});

describe("workerClassListWarnings", () => {
  test("each worker key naming an interceptor or another assignor than Kafka's, with its variable", () => {
    expect(
      workerClassListWarnings({
        "producer.interceptor.classes": "io.confluent.monitoring.clients.interceptor.MonitoringProducerInterceptor",
        "consumer.interceptor.classes": " ",
        "consumer.partition.assignment.strategy": "org.apache.kafka.clients.consumer.RangeAssignor",
        "partition.assignment.strategy": "com.example.A",
      }),
    ).toEqual([
      "Worker config producer.interceptor.classes (environment variable CONNECT_PRODUCER_INTERCEPTOR_CLASSES) is set, but the gateway runs no Kafka client interceptors or custom assignors: every task whose Kafka client it reaches fails to start. Remove producer.interceptor.classes from the worker config.",
      "Worker config partition.assignment.strategy (environment variable CONNECT_PARTITION_ASSIGNMENT_STRATEGY) is set, but the gateway runs no Kafka client interceptors or custom assignors: every task whose Kafka client it reaches fails to start. Remove partition.assignment.strategy from the worker config.",
    ]);
  });

  test("none for a worker without them", () => {
    expect(workerClassListWarnings({ "bootstrap.servers": "localhost:9092" })).toEqual([]);
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
