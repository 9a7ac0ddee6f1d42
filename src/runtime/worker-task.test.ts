import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { SinkTask } from "../api/connector.ts";
import { ConnectError } from "../errors.ts";
import type { KafkaAdmin } from "../kafka/kafka-port.ts";
import { MemoryKafka } from "../kafka/memory-kafka.ts";
import { DeadLetterQueueReporter } from "./errors/dead-letter-queue-reporter.ts";
import { RetryWithToleranceOperator } from "./errors/retry-with-tolerance.ts";
import { quietLogs, stringConverters, taskBasics } from "./task-test-support.ts";
import { TransformationChain } from "./transformation-chain.ts";
import { WorkerSinkTask } from "./worker-sink-task.ts";

/** A sink task whose consumer and plugin record what existed when they were created. */
function sinkWithDlq(admin: (kafka: MemoryKafka) => Promise<KafkaAdmin> = (kafka) => kafka.admin()) {
  const kafka = new MemoryKafka();
  kafka.createTopic("in");
  const basics = taskBasics("all");
  const dlq = new DeadLetterQueueReporter(
    { topic: "dlq", replicationFactor: 1, contextHeaders: false },
    () => admin(kafka),
    () => kafka.producer(),
    quietLogs().get("dlq"),
    basics.metrics,
  );
  const operator = new RetryWithToleranceOperator(
    { tolerance: "all", retryTimeoutMs: 0, retryDelayMaxMs: 1000 },
    [dlq],
    basics.clock,
    basics.id,
    basics.metrics,
  );
  const seen: string[] = [];
  const plugin: SinkTask = {
    initialize: () => {},
    start: async () => void seen.push(`plugin started, topics ${await (await kafka.admin()).listTopics()}`),
    put: () => {},
    stop: () => {},
  };
  const task = new WorkerSinkTask({
    ...basics,
    operator,
    initialState: "STARTED",
    task: plugin,
    taskClass: "test.Sink",
    config: {},
    consumer: async () => {
      seen.push(`consumer created, topics ${await (await kafka.admin()).listTopics()}`);
      return kafka.consumer({ groupId: "connect-c", topics: ["in"], properties: {} });
    },
    converters: stringConverters,
    transformations: TransformationChain.EMPTY,
    offsetFlushIntervalMs: 1000,
    onTopic: () => {},
  });
  return { task, seen, listener: basics.listener };
}

describe("WorkerTask starts its error reporters first (Connect's doStart)", () => {
  test("the dead letter queue topic exists before the consumer is created and the plugin task started", async () => {
    const s = sinkWithDlq();
    s.task.start();
    await waitFor(() => s.listener.events.includes("RUNNING"));
    expect(s.seen).toEqual(["consumer created, topics in,dlq", "plugin started, topics in,dlq"]);
    s.task.stop();
    expect(await s.task.awaitStop(5000)).toBe(true);
  });

  test("a dead letter queue topic that cannot be created fails the task before it runs", async () => {
    const refused = new Error("Replication factor: 3 larger than available brokers: 1.");
    const admin: Partial<KafkaAdmin> = {
      listTopics: async () => [],
      createTopic: () => Promise.reject(refused),
      close: async () => {},
    };
    const s = sinkWithDlq(async () => admin as KafkaAdmin);
    s.task.start();
    expect(await s.task.awaitStop(5000)).toBe(true);
    expect(s.listener.events).toEqual(["FAILED"]);
    expect(s.listener.failure).toBeInstanceOf(ConnectError);
    expect(s.listener.failure).toMatchObject({
      message: "Could not initialize dead letter queue with topic=dlq",
      cause: refused,
    });
    expect(s.seen).toEqual([]);
  });
});
