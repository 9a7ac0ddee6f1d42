import { describe, expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import { DataError } from "../../errors.ts";
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
    { topic: "dlq", replicationFactor: 1, contextHeaders: true },
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

  test("a DLQ that cannot be set up or written is logged and counted, never thrown; setup is retried", async () => {
    const kafka = new MemoryKafka();
    let attempts = 0;
    const { r, metrics, lines } = reporter(kafka, async () => {
      attempts++;
      if (attempts === 1) throw new Error("broker unreachable");
      return kafka.admin();
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
    expect([attempts, metrics.deadLetterQueueProduceRequests]).toEqual([2, 3]);
  });

  test("reports do not wait for Kafka; flush and close wait for every record, which lands in report order", async () => {
    const kafka = new MemoryKafka();
    const { r } = reporter(kafka);
    await r.report(context); // creates the topic and the producer
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
});
