/**
 * A dead letter queue write Kafka refuses (explore17 F1): an HTTP sink's refused record is larger
 * than the DLQ topic's max.message.bytes. As Connect's WorkerErrantRecordReporter.awaitFutures, the
 * task FAILS with `ConnectException: java.util.concurrent.ExecutionException: <the producer's
 * error>`, the producer's error being Java's for the broker's answer
 * (org.apache.kafka.common.errors.RecordTooLargeException with Kafka's message) and the end of the
 * chain, with either Kafka client; nothing is committed past the record.
 */
import { describe, expect, test } from "bun:test";
import { failedTask } from "./support/gateway.ts";
import { createTopic, produce, uniqueTopic } from "./support/kafka.ts";
import { createRefusingHttpSink } from "./support/refusing-http-sink.ts";
import { committedOffset } from "./support/sink-task.ts";
import { suiteGateway } from "./support/suite-gateway.ts";

const TOO_LARGE =
  "org.apache.kafka.common.errors.RecordTooLargeException: The request included a message larger than the max message size the server will accept.";

describe.each(["platformatic", "kafkajs"])("a DLQ write Kafka refuses (kafka.client=%s)", (client) => {
  const suite = suiteGateway({ "kafka.client": client });

  test("fails the task with Java's RecordTooLargeException as the producer's error, as Connect's trace", async () => {
    const { gw } = suite;
    const topic = uniqueTopic("dlq-refused-in");
    const dlq = uniqueTopic("dlq-refused-dlq");
    await createTopic(topic);
    await createTopic(dlq, 1, [{ name: "max.message.bytes", value: "2000" }]);
    using sink = await createRefusingHttpSink(gw, {
      topic,
      dlq,
      refused: (e) => e.pad !== undefined,
      connector: { "sink.writer.request.mode": "single" },
    });
    const { name } = sink;
    await produce(topic, [{ value: '{"i":0}' }, { value: JSON.stringify({ i: 1, pad: "x".repeat(5000) }) }]);
    const task = await failedTask(gw, name);
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
    expect(await committedOffset(`connect-${name}`, topic)).toBeLessThanOrEqual(1);
  }, 60_000);
});
