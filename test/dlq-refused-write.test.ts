/**
 * A dead letter queue write Kafka refuses (explore17 F1): an HTTP sink's refused record is larger
 * than the DLQ topic's max.message.bytes. As Connect's WorkerErrantRecordReporter.awaitFutures, the
 * task FAILS with `ConnectException: java.util.concurrent.ExecutionException: <the producer's
 * error>`, the producer's error being Java's for the broker's answer
 * (org.apache.kafka.common.errors.RecordTooLargeException with Kafka's message) and the end of the
 * chain, with either Kafka client; nothing is committed past the record.
 */
import { describe, expect, test } from "bun:test";
import { startGateway } from "./support/gateway.ts";
import { createTopic, kafkaBroker, produce, testClient, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const TOO_LARGE =
  "org.apache.kafka.common.errors.RecordTooLargeException: The request included a message larger than the max message size the server will accept.";

describe.each(["platformatic", "kafkajs"])("a DLQ write Kafka refuses (kafka.client=%s)", (client) => {
  test("fails the task with Java's RecordTooLargeException as the producer's error, as Connect's trace", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const topic = uniqueTopic("dlq-refused-in");
    const dlq = uniqueTopic("dlq-refused-dlq");
    await createTopic(topic);
    await createTopic(dlq, 1, [{ name: "max.message.bytes", value: "2000" }]);
    using endpoint = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(req) {
        const event = JSON.parse(await req.text()) as { pad?: string };
        return event.pad ? new Response("refused", { status: 400 }) : new Response("ok");
      },
    });
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "kafka.client": client },
    });
    const name = uniqueTopic("dlq-refused");
    const created = await gw.rest.post("/connectors", {
      name,
      config: {
        "connector.class": "HttpSink",
        topics: topic,
        url: `http://127.0.0.1:${endpoint.port}/events`,
        "sink.writer.request.mode": "single",
        "consumer.override.auto.offset.reset": "earliest",
        "sink.flush-buffer.timeout": "20",
        "errors.tolerance": "all",
        "errors.deadletterqueue.topic.name": dlq,
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
      },
    });
    expect(created.status).toBe(201);
    await produce(topic, [{ value: '{"i":0}' }, { value: JSON.stringify({ i: 1, pad: "x".repeat(5000) }) }]);
    const task = await waitFor(
      async () => {
        const t = (await gw.rest.get(`/connectors/${name}/status`)).body.tasks?.[0];
        return t?.state === "FAILED" ? t : undefined;
      },
      { timeoutMs: 25_000, what: `${name} FAILED` },
    );
    const chain = String(task.trace)
      .split("\n")
      .filter((line) => !line.startsWith("\t"));
    expect(chain).toEqual([
      `org.apache.kafka.connect.errors.ConnectException: java.util.concurrent.ExecutionException: ${TOO_LARGE}`,
      `Caused by: java.util.concurrent.ExecutionException: ${TOO_LARGE}`,
      `Caused by: ${TOO_LARGE}`,
    ]);
    expect(gw.output()).toContain(
      `ERROR [${name}|task-0] Could not produce message to dead letter queue. topic=${dlq}`,
    );
    const admin = (await testClient()).admin();
    await admin.connect();
    try {
      const [entry] = await admin.fetchOffsets({ groupId: `connect-${name}`, topics: [topic] });
      expect(Number(entry?.partitions.find((p) => p.partition === 0)?.offset ?? -1)).toBeLessThanOrEqual(1);
    } finally {
      await admin.disconnect();
    }
  }, 60_000);
});
