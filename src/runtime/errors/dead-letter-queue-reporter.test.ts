import { describe, expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import { ConnectError, DataError } from "../../errors.ts";
import type { KafkaAdmin, TopicSpec } from "../../kafka/kafka-port.ts";
import { MemoryKafka } from "../../kafka/memory-kafka.ts";
import { LogManager } from "../../util/logger.ts";
import { TaskMetrics } from "../task-metrics.ts";
import { DeadLetterQueueReporter } from "./dead-letter-queue-reporter.ts";
import type { ProcessingContext } from "./processing-context.ts";

const utf8 = (s: string) => new TextEncoder().encode(s);
const context: ProcessingContext = {
  connector: "c",
  task: 0,
  stage: "VALUE_CONVERTER",
  executingClass: "org.apache.kafka.connect.json.JsonConverter",
  error: new DataError("bad json"),
  attempts: 1,
  consumed: {
    topic: "in",
    partition: 0,
    offset: 7,
    timestamp: 1,
    timestampType: "CreateTime",
    key: null,
    value: utf8("{oops"),
    headers: [{ key: "h", value: utf8("v") }],
  },
};

function reporter(kafka: MemoryKafka, admin = () => kafka.admin(), producer = () => kafka.producer()) {
  const metrics = new TaskMetrics();
  const lines: string[] = [];
  const logs = new LogManager({ sink: (l) => lines.push(l) });
  const r = new DeadLetterQueueReporter(
    { topic: "dlq", replicationFactor: 3, contextHeaders: true },
    admin,
    producer,
    logs.get("dlq"),
    metrics,
  );
  return { r, metrics, lines };
}

describe("DeadLetterQueueReporter", () => {
  test("writes the original bytes with the original and the __connect.errors.* headers", async () => {
    const kafka = new MemoryKafka();
    const { r, metrics } = reporter(kafka);
    await r.report(context);
    await r.flush();
    const [record] = kafka.records("dlq");
    expect(new TextDecoder().decode(record!.value!)).toBe("{oops");
    expect(record!.headers.map((h) => h.key).slice(0, 5)).toEqual([
      "h",
      "__connect.errors.topic",
      "__connect.errors.partition",
      "__connect.errors.offset",
      "__connect.errors.connector.name",
    ]);
    expect([metrics.deadLetterQueueProduceRequests, metrics.deadLetterQueueProduceFailures]).toEqual([1, 0]);
  });

  test("a record the DLQ cannot take is logged and counted, never thrown; the next one gets a new producer", async () => {
    const kafka = new MemoryKafka();
    let producers = 0;
    const { r, metrics, lines } = reporter(kafka, undefined, async () => {
      producers++;
      if (producers === 1) throw new Error("broker unreachable");
      return kafka.producer();
    });
    await r.report(context);
    expect(metrics.deadLetterQueueProduceFailures).toBe(1);
    expect(lines.join("\n")).toContain("Could not produce message to dead letter queue. topic=dlq");
    kafka.failSends(new Error("send failed"));
    await r.report(context);
    await r.flush();
    expect(metrics.deadLetterQueueProduceFailures).toBe(2);
    await r.report(context);
    await r.flush();
    expect(kafka.records("dlq")).toHaveLength(1);
    expect([producers, metrics.deadLetterQueueProduceRequests]).toEqual([3, 3]);
  });

  test("reports do not wait for Kafka; flush and close wait for every record, which lands in report order", async () => {
    const kafka = new MemoryKafka();
    const { r } = reporter(kafka);
    await r.report(context); // creates the producer
    await r.flush();
    kafka.holdAcks();
    const offsets = [7, 8, 9];
    for (const offset of offsets) await r.report({ ...context, consumed: { ...context.consumed!, offset } });
    expect(kafka.heldSends).toBe(3); // all three sent, none acknowledged, report returned anyway
    let flushed = false;
    const flushing = r.flush().then(() => {
      flushed = true;
    });
    kafka.releaseAck(0);
    kafka.releaseAck(1);
    await Promise.resolve();
    expect(flushed).toBe(false);
    kafka.releaseAck(2);
    await flushing;
    const written = kafka.records("dlq").slice(1);
    expect(
      written.map((rec) =>
        new TextDecoder().decode(rec.headers.find((h) => h.key === "__connect.errors.offset")!.value!),
      ),
    ).toEqual(["7", "8", "9"]);
    await r.close();
  });

  test("reports made while the producer is being created share one producer", async () => {
    const kafka = new MemoryKafka();
    const gate = Promise.withResolvers<void>();
    let created = 0;
    const { r } = reporter(kafka, undefined, async () => {
      created++;
      await gate.promise;
      return kafka.producer();
    });
    const reports = [7, 8].map((offset) => r.report({ ...context, consumed: { ...context.consumed!, offset } }));
    await waitFor(() => created > 0);
    gate.resolve();
    await Promise.all(reports);
    await r.flush();
    expect(created).toBe(1);
    expect(kafka.records("dlq")).toHaveLength(2);
    await r.close();
  });

  describe("start (when the task starts, before its first poll, as Connect's createAndSetup)", () => {
    /** An admin whose calls are recorded; `topics` are those that exist. */
    function fakeAdmin(topics: string[], createTopic: (spec: TopicSpec) => Promise<boolean> = async () => true) {
      const calls: unknown[] = [];
      const admin = {
        listTopics: async () => {
          calls.push("listTopics");
          return topics;
        },
        createTopic: async (spec: TopicSpec) => {
          calls.push({ createTopic: spec });
          return createTopic(spec);
        },
        close: async () => void calls.push("close"),
      } as Partial<KafkaAdmin> as KafkaAdmin;
      return { admin: async () => admin, calls };
    }

    test("creates the topic with 1 partition and the configured replication factor; reports do not touch it", async () => {
      const kafka = new MemoryKafka();
      const { admin, calls } = fakeAdmin(["in"]);
      const { r, lines } = reporter(kafka, admin);
      await r.start();
      expect(calls).toEqual([
        "listTopics",
        { createTopic: { topic: "dlq", partitions: 1, replicationFactor: 3 } },
        "close",
      ]);
      expect(lines.join("\n")).toContain("Topic dlq doesn't exist. Will attempt to create topic.");
      await r.report(context);
      await r.flush();
      expect(calls).toHaveLength(3);
      expect(kafka.records("dlq")).toHaveLength(1);
    });

    test("a topic that exists is used as it is", async () => {
      const { admin, calls } = fakeAdmin(["in", "dlq"]);
      await reporter(new MemoryKafka(), admin).r.start();
      expect(calls).toEqual(["listTopics", "close"]);
    });

    test("a topic created meanwhile by someone else (already exists) is fine", async () => {
      const { admin, calls } = fakeAdmin([], async () => false);
      await reporter(new MemoryKafka(), admin).r.start();
      expect(calls).toEqual([
        "listTopics",
        { createTopic: { topic: "dlq", partitions: 1, replicationFactor: 3 } },
        "close",
      ]);
    });

    test("a topic that cannot be created rejects start with Connect's message and the cause; the admin is closed", async () => {
      const refused = new Error("Replication factor: 3 larger than available brokers: 1.");
      const { admin, calls } = fakeAdmin([], () => Promise.reject(refused));
      const error = await reporter(new MemoryKafka(), admin)
        .r.start()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectError);
      expect(error).toMatchObject({ message: "Could not initialize dead letter queue with topic=dlq", cause: refused });
      expect(calls.at(-1)).toBe("close");
    });

    test("an admin client that cannot be had rejects start the same way", async () => {
      const unreachable = new Error("broker unreachable");
      const error = await reporter(new MemoryKafka(), () => Promise.reject(unreachable))
        .r.start()
        .catch((e: unknown) => e);
      expect(error).toMatchObject({
        message: "Could not initialize dead letter queue with topic=dlq",
        cause: unreachable,
      });
    });
  });
});
