/**
 * A Timestamp beyond a JavaScript Date's ±8.64e15 ms (review runhunt2: Long.MAX_VALUE, "end of time")
 * read by JsonConverter for a FileStreamSink. Connect's java.util.Date holds any long; here the record
 * fails with a DataError naming the value (a known difference, README), so it follows
 * errors.tolerance: to the dead letter queue with `all`, the task FAILED with `none`. It is never
 * written as `Struct{t=undefined undefined NaN ...}`.
 */
import { describe, expect, test } from "bun:test";
import { failedTask } from "./support/gateway.ts";
import { createTopic, produce, readAll, readTopic, uniqueTopic } from "./support/kafka.ts";
import { linesOf } from "./support/sink-gateway.ts";
import { suiteGateway } from "./support/suite-gateway.ts";
import { waitFor } from "./support/wait-for.ts";

const SCHEMA =
  '{"type":"struct","fields":[{"field":"t","type":"int64","name":"org.apache.kafka.connect.data.Timestamp"}]}';
const MESSAGE =
  "Timestamp value 9223372036854775807 is out of the range of dates supported here (dates beyond ±8.64e15 ms from the epoch are not supported)";

describe("a sink record with a Timestamp beyond the dates supported here", () => {
  const suite = suiteGateway();
  const records = [
    { key: "end-of-time", value: `{"schema":${SCHEMA},"payload":{"t":9223372036854775807}}` },
    { key: "epoch", value: `{"schema":${SCHEMA},"payload":{"t":0}}` },
  ];

  async function startSink(errors: Record<string, string>) {
    const topic = uniqueTopic("far-dates");
    await createTopic(topic);
    await produce(topic, records);
    const name = `${topic}-sink`;
    const file = suite.dir.file(`${name}.txt`);
    const config = {
      "connector.class": "FileStreamSink",
      topics: topic,
      file,
      "key.converter": "org.apache.kafka.connect.storage.StringConverter",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      ...errors,
    };
    expect((await suite.gw.rest.put(`/connectors/${name}/config`, config)).status).toBe(201);
    return { name, file };
  }

  test("with errors.tolerance=all goes to the dead letter queue with the DataError; the next record is written", async () => {
    const dlq = uniqueTopic("far-dates-dlq");
    const { file } = await startSink({
      "errors.tolerance": "all",
      "errors.deadletterqueue.topic.name": dlq,
      "errors.deadletterqueue.topic.replication.factor": "1",
      "errors.deadletterqueue.context.headers.enable": "true",
    });
    await readTopic(dlq, 1);
    await waitFor(() => linesOf(file).length > 0, { what: "the sink's file" });
    expect(linesOf(file)).toEqual(["Struct{t=Thu Jan 01 00:00:00 UTC 1970}"]);
    const dead = (await readAll(dlq)).map((r) => [
      String(r.key),
      String(r.headers["__connect.errors.exception.class.name"]),
      String(r.headers["__connect.errors.exception.message"]),
    ]);
    expect(dead).toEqual([["end-of-time", "org.apache.kafka.connect.errors.DataException", MESSAGE]]);
  }, 60_000);

  test("with errors.tolerance=none fails the task with the DataError and writes nothing", async () => {
    const { name, file } = await startSink({ "errors.tolerance": "none" });
    const task = await failedTask(suite.gw, name);
    expect(String(task.trace)).toContain(`Caused by: org.apache.kafka.connect.errors.DataException: ${MESSAGE}`);
    expect(linesOf(file)).toEqual([]);
  }, 60_000);
});
