/**
 * A sink's dead letter queue while the broker dies hard (kill -9, back on the same port and log
 * dirs): every poison record whose offset the group committed has its copy in the DLQ topic.
 */
import { describe, expect, test } from "bun:test";
import { quickProducer } from "./support/broker-kill.ts";
import { startGateway, taskState } from "./support/gateway.ts";
import { uniqueTopic } from "./support/kafka.ts";
import { committedOffsets, readOwnTopic, startOwnBroker } from "./support/own-broker.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

describe("a sink's dead letter queue across kill -9 of the broker", () => {
  test("every poison record below the committed offset is in the DLQ", async () => {
    await using dir = await tempDir("broker-kill-dlq-");
    await using kafka = await startOwnBroker(dir.file("kafka"));
    const topic = uniqueTopic("bk-poison");
    const dlq = `${topic}-dlq`;
    const admin = kafka.client().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "offset.flush.interval.ms": "200",
        "request.timeout.ms": "2000",
        "socket.connection.setup.timeout.ms": "2000",
      },
    });
    const config = {
      "connector.class": "FileStreamSink",
      file: dir.file("out.txt"),
      topics: topic,
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
      "errors.tolerance": "all",
      "errors.deadletterqueue.topic.name": dlq,
      "errors.deadletterqueue.topic.replication.factor": "1",
    };
    expect((await gw.rest.post("/connectors", { name: "poisoned", config })).status).toBe(201);
    // Two records a send: a few hundred a second, so the flow lasts through the outage.
    const producer = await quickProducer(kafka, "broker-kill-dlq-writer");
    let produced = 0;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        const values = Array.from({ length: 2 }, (_, i) => `not json ${produced + i}`);
        try {
          await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) });
          produced += values.length;
        } catch {
          // the broker is gone: the same values go again
        }
      }
    })();
    try {
      await waitFor(async () => (await readOwnTopic(kafka, dlq).catch(() => [])).length >= 100, {
        what: "poison records in the DLQ",
        timeoutMs: 60_000,
      });
      const before = produced;
      await kafka.kill();
      await kafka.restart();
      // Poison records keep coming before, during (the writer retries) and after the outage.
      await waitFor(() => produced >= before + 300, { what: "records after the restart", timeoutMs: 60_000 });
    } finally {
      writing = false;
    }
    await writer;
    await producer.disconnect();
    const end = (await readOwnTopic(kafka, topic)).length;
    await waitFor(async () => (await committedOffsets(kafka, "connect-poisoned", topic)).get(0) === end, {
      what: "the group committed to the end",
      timeoutMs: 60_000,
    });
    const inDlq = new Set((await readOwnTopic(kafka, dlq)).map((r) => r.value));
    const values = new Set((await readOwnTopic(kafka, topic)).map((r) => r.value));
    const lost = [...values].filter((v) => !inDlq.has(v));
    console.log(
      `DLQ across broker kill -9: ${values.size} poison records, ${inDlq.size} in the DLQ, ${lost.length} missing`,
    );
    expect(lost).toEqual([]);
    expect(await taskState(gw, "poisoned")).toBe("RUNNING");
  }, 180_000);
});
