import { describe, expect, test } from "bun:test";
import type { Kafka } from "kafkajs";
import { KafkaJSNumberOfRetriesExceeded } from "kafkajs";
import { createErrorFromCode } from "kafkajs/src/protocol/error";
import type { ConsumerOptions } from "../kafka-port.ts";
import { awaitTopics, fenceZombies } from "./join-preparation.ts";

// kjsleader: a sink's consumer (re)started while a broker was down waited for that broker's partitions to have a
// leader, then failed; Java's consumer joins and fetches the partitions that have one.
describe("awaitTopics", () => {
  describe("when a partition of the topic has no leader (its broker is down)", () => {
    test("is done at the first answer: the member joins without waiting for that leader", async () => {
      let asked = 0;
      const cluster = {
        connect: async () => {},
        disconnect: async () => {},
        addMultipleTargetTopics: async () => {},
        refreshMetadata: async () => void asked++,
        findTopicPartitionMetadata: () => [
          { partitionId: 0, leader: 1 },
          { partitionId: 1, leader: 2 },
          { partitionId: 2, leader: -1 },
        ],
      };
      const kafka = { [Symbol("private:Kafka:createCluster")]: () => cluster } as unknown as Kafka;

      await awaitTopics(kafka, ["in"], true);

      expect(asked).toBe(1);
    });
  });
});

// explore18 F2: the start's DescribeGroups (fencing a dead predecessor) met COORDINATOR_LOAD_IN_PROGRESS
// before the join's coordinator wait: the start failed into the task's backoff (seconds after the
// coordinator was ready), without the WARN of the wait.
describe("fenceZombies", () => {
  /** A Kafka whose admin's DescribeGroups is refused `times` times as kafkajs' retrier gives it up, then answers no member. */
  function loadingCoordinator(times: number) {
    let asked = 0;
    const admin = {
      connect: async () => {},
      disconnect: async () => {},
      describeGroups: async () => {
        if (++asked <= times) {
          const loading = createErrorFromCode(14);
          throw new KafkaJSNumberOfRetriesExceeded(loading, {
            retryCount: 5,
            retryTime: 3000,
            cause: loading,
          } as never);
        }
        return { groups: [{ members: [] }] };
      },
    };
    return { kafka: { admin: () => admin } as unknown as Kafka, asked: () => asked };
  }

  const options = {
    groupId: "connect-s",
    predecessors: { remembered: () => ["m-dead"], given: () => {}, joined: () => {}, gone: () => {} },
    properties: { "client.id": "connector-consumer-s-0" },
  } as unknown as ConsumerOptions;

  test("waits out a group coordinator that is loading, with the join's WARN, rather than failing the start", async () => {
    const { kafka, asked } = loadingCoordinator(2);
    const warnings: string[] = [];
    const wait = {
      retryBackoffMs: 0,
      timeoutMs: 300_000,
      signal: new AbortController().signal,
      warn: (reason: string) => void warnings.push(reason),
    };
    await fenceZombies(kafka, options, wait);
    expect({ asked: asked(), warnings }).toEqual({ asked: 3, warnings: ["COORDINATOR_LOAD_IN_PROGRESS"] });
  });

  test("another refusal fails the start as before", async () => {
    const admin = {
      connect: async () => {},
      disconnect: async () => {},
      describeGroups: async () => {
        throw createErrorFromCode(30); // GROUP_AUTHORIZATION_FAILED
      },
    };
    const wait = { retryBackoffMs: 0, timeoutMs: 300_000, signal: new AbortController().signal, warn: () => {} };
    const failed = await fenceZombies({ admin: () => admin } as unknown as Kafka, options, wait).catch((e) => e);
    expect((failed as { type?: string }).type).toBe("GROUP_AUTHORIZATION_FAILED");
  });
});
