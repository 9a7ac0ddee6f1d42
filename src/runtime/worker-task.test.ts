import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { SinkTask } from "../api/connector.ts";
import { ConfigError, ConnectError, RetriableError } from "../errors.ts";
import { checkProducerProperties } from "../kafka/client-config.ts";
import type { KafkaAdmin } from "../kafka/kafka-port.ts";
import { MemoryKafka } from "../kafka/memory-kafka.ts";
import type { TargetState } from "../store/config-store.ts";
import type { Clock } from "../util/clock.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { ActiveTopics } from "./active-topics.ts";
import { DeadLetterQueueReporter } from "./errors/dead-letter-queue-reporter.ts";
import { RetryWithToleranceOperator } from "./errors/retry-with-tolerance.ts";
import { awaitStopped, quietLogs, stopAndAwait, stringConverters, taskBasics } from "./task-test-support.ts";
import { TransformationChain } from "./transformation-chain.ts";
import { WorkerSinkTask } from "./worker-sink-task.ts";

interface Options {
  readonly admin?: (kafka: MemoryKafka) => Promise<KafkaAdmin>;
  /** The error operator's clock (the DLQ setup's backoff runs on it). */
  readonly clock?: Clock;
  readonly initialState?: TargetState;
  /** The DLQ producer's client properties (checked at start). */
  readonly producerProperties?: Readonly<Record<string, string>>;
}

/** A sink task whose consumer and plugin record what existed when they were created. */
function sinkWithDlq({
  admin = (kafka) => kafka.admin(),
  clock,
  initialState = "STARTED",
  producerProperties = { "bootstrap.servers": "localhost:9092" },
}: Options = {}) {
  const kafka = new MemoryKafka();
  kafka.createTopic("in");
  const basics = taskBasics("all");
  const dlq = new DeadLetterQueueReporter(
    { topic: "dlq", replicationFactor: 1, contextHeaders: false },
    () => admin(kafka),
    { check: () => checkProducerProperties(producerProperties), create: () => kafka.producer() },
    quietLogs().get("dlq"),
    basics.metrics,
  );
  const operator = new RetryWithToleranceOperator(
    { tolerance: "all", retryTimeoutMs: 0, retryDelayMaxMs: 1000 },
    [dlq],
    clock ?? basics.clock,
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
    initialState,
    task: plugin,
    taskClass: "test.Sink",
    errantRecordReporter: false,
    config: {},
    consumer: async () => {
      seen.push(`consumer created, topics ${await (await kafka.admin()).listTopics()}`);
      return kafka.consumer({ groupId: "connect-c", topics: ["in"], properties: {} });
    },
    converters: stringConverters,
    transformations: TransformationChain.EMPTY,
    offsetFlushIntervalMs: 1000,
    activeTopics: new ActiveTopics(() => true),
  });
  return { task, seen, listener: basics.listener, kafka };
}

describe("WorkerTask starts its error reporters first (Connect's doStart)", () => {
  test("the dead letter queue topic exists before the consumer is created and the plugin task started", async () => {
    const s = sinkWithDlq();
    s.task.start();
    await waitFor(() => s.listener.events.includes("RUNNING"));
    expect(s.seen).toEqual(["consumer created, topics in,dlq", "plugin started, topics in,dlq"]);
    await stopAndAwait(s.task);
  });

  test("a dead letter queue topic that cannot be created fails the task before it runs", async () => {
    const refused = new Error("Replication factor: 3 larger than available brokers: 1.");
    const admin: Partial<KafkaAdmin> = {
      listTopics: async () => [],
      createTopic: () => Promise.reject(refused),
      close: async () => {},
    };
    const s = sinkWithDlq({ admin: async () => admin as KafkaAdmin });
    s.task.start();
    await awaitStopped(s.task);
    expect(s.listener.events).toEqual(["FAILED"]);
    expect(s.listener.failure).toBeInstanceOf(ConnectError);
    expect(s.listener.failure).toMatchObject({
      message: "Could not initialize dead letter queue with topic=dlq",
      cause: refused,
    });
    expect(s.seen).toEqual([]);
  });

  test("an invalid dead letter queue producer configuration fails the task before it runs, with the client's message", async () => {
    const s = sinkWithDlq({ producerProperties: { "bootstrap.servers": "localhost:9092", acks: "banana" } });
    s.task.start();
    await awaitStopped(s.task);
    expect(s.listener.events).toEqual(["FAILED"]);
    expect(s.listener.failure).toBeInstanceOf(ConfigError);
    expect((s.listener.failure as Error).message).toBe(
      "Invalid value banana for configuration acks: String must be one of: all, -1, 0, 1",
    );
    expect(s.seen).toEqual([]);
  });

  test("a broker unreachable at start is retried: the task neither fails nor starts until the topic exists", async () => {
    const clock = new ManualClock();
    let attempts = 0;
    const s = sinkWithDlq({
      clock,
      admin: (kafka) => (++attempts <= 2 ? Promise.reject(new RetriableError("broker unreachable")) : kafka.admin()),
    });
    s.task.start();
    await waitFor(() => clock.pending > 0, { intervalMs: 1 });
    expect([s.listener.events, s.seen]).toEqual([[], []]);
    clock.advanceToNext();
    await waitFor(() => clock.pending > 0, { intervalMs: 1 });
    clock.advanceToNext();
    await waitFor(() => s.listener.events.includes("RUNNING"));
    expect(attempts).toBe(3);
    expect(s.seen).toEqual(["consumer created, topics in,dlq", "plugin started, topics in,dlq"]);
    await stopAndAwait(s.task);
  });
});

describe("WorkerTask stopped while its error reporters start (Connect's doRun)", () => {
  /** A DLQ admin whose listTopics waits for `gate`, then answers or fails. */
  function gatedAdmin(outcome: "ok" | "fail") {
    const gate = Promise.withResolvers<void>();
    const calls: string[] = [];
    const admin: Partial<KafkaAdmin> = {
      listTopics: async () => {
        calls.push("listTopics");
        await gate.promise;
        if (outcome === "fail") throw new Error("broker went away");
        return ["in", "dlq"];
      },
      createTopic: async () => true,
      close: async () => void calls.push("close"),
    };
    return { admin: async () => admin as KafkaAdmin, gate, calls };
  }

  test("a setup that hangs ends at the stop (its admin client closed); nothing more is started", async () => {
    const a = gatedAdmin("ok");
    const s = sinkWithDlq({ admin: a.admin });
    s.task.start();
    await waitFor(() => a.calls.includes("listTopics"));
    await stopAndAwait(s.task);
    expect(a.calls).toEqual(["listTopics", "close"]);
    a.gate.resolve();
    expect([s.seen, s.listener.events]).toEqual([[], []]);
  });

  test("a setup that fails after the stop is logged, not reported as FAILED", async () => {
    const a = gatedAdmin("fail");
    const s = sinkWithDlq({ admin: a.admin });
    s.task.start();
    await waitFor(() => a.calls.includes("listTopics"));
    s.task.cancel();
    a.gate.resolve();
    await awaitStopped(s.task);
    expect([s.seen, s.listener.events]).toEqual([[], []]);
  });
});

describe("WorkerTask created PAUSED (Connect's doRun waits for the resume before doStart)", () => {
  /** A sinkWithDlq created PAUSED; `admins()` is how many admins it asked for. */
  function pausedSinkWithDlq() {
    let admins = 0;
    const s = sinkWithDlq({
      initialState: "PAUSED",
      admin: (kafka) => {
        admins++;
        return kafka.admin();
      },
    });
    return { s, admins: () => admins };
  }

  test("reports PAUSED and sets nothing up (no DLQ topic, consumer or plugin) until resumed", async () => {
    const { s, admins } = pausedSinkWithDlq();
    s.task.start();
    await waitFor(() => s.listener.events.includes("PAUSED"));
    expect([admins(), s.seen, await (await s.kafka.admin()).listTopics()]).toEqual([0, [], ["in"]]);
    s.task.transitionTo("STARTED");
    await waitFor(() => s.listener.events.includes("RUNNING"));
    expect(s.listener.events).toEqual(["PAUSED", "RUNNING"]);
    expect([admins(), s.seen]).toEqual([1, ["consumer created, topics in,dlq", "plugin started, topics in,dlq"]]);
    await stopAndAwait(s.task);
  });

  test("stopped while still paused, it ends without setting anything up", async () => {
    const { s, admins } = pausedSinkWithDlq();
    s.task.start();
    await waitFor(() => s.listener.events.includes("PAUSED"));
    await stopAndAwait(s.task);
    expect([admins(), s.seen, s.listener.events]).toEqual([0, [], ["PAUSED"]]);
  });
});
