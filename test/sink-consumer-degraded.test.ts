/**
 * explore30 F4: a sink task whose consumer cannot start (Kafka not reached: here a port nothing listens on) read RUNNING
 * without a trace, its first WARN late (the platformatic client waits for the topics first). Its RUNNING status now
 * carries a Degraded trace naming why, as a source task's does while Kafka does not take its records, gone once the
 * consumer joins (Kafka reached through the port) and consumes.
 */
import { expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { startGateway } from "./support/gateway.ts";
import { createTopic, kafkaBroker, produce, uniqueTopic } from "./support/kafka.ts";
import { closedPort, tcpForwarder } from "./support/tcp-forwarder.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

test("a sink whose consumer cannot reach Kafka is RUNNING with a Degraded trace, gone once it consumes", async () => {
  const kafka = await kafkaBroker();
  await using dir = await tempDir();
  const topic = uniqueTopic("sinkdeg");
  await createTopic(topic);
  const port = await closedPort();
  await using gw = await startGateway({
    dir: dir.path,
    worker: { "bootstrap.servers": `127.0.0.1:${port}`, "data.dir": dir.file("data") },
  });
  const out = dir.file("out.txt");
  const name = uniqueTopic("sinkdeg-sink"); // a consumer group of its own on the shared broker
  const created = await gw.rest.put(`/connectors/${name}/config`, {
    "connector.class": "FileStreamSink",
    topics: topic,
    file: out,
    "key.converter": "org.apache.kafka.connect.storage.StringConverter",
    "value.converter": "org.apache.kafka.connect.storage.StringConverter",
  });
  expect(created.status).toBe(201);
  const task = async () => (await gw.rest.get(`/connectors/${name}/status`)).body.tasks?.[0];
  const degraded = await waitFor(
    async () => {
      const status = await task();
      return status?.trace ? status : undefined;
    },
    {
      timeoutMs: 100_000,
      what: "the task's Degraded trace",
    },
  );
  expect(degraded).toEqual({
    id: 0,
    state: "RUNNING",
    worker_id: expect.any(String),
    version: expect.any(String),
    trace: expect.stringMatching(
      new RegExp(
        `^Degraded: the task's consumer cannot start consuming \\(the last attempt failed: .*ECONNREFUSED 127\\.0\\.0\\.1:${port}.*\\); the start is retried until it succeeds\\. No records are delivered to the task meanwhile\\.$`,
      ),
    ),
  });
  // Kafka reached through the port: the consumer joins, the trace goes, the records are written.
  await using _forwarder = await tcpForwarder(port, kafka.bootstrap);
  await produce(topic, [{ value: "after the outage" }]);
  await waitFor(() => existsSync(out) && readFileSync(out, "utf8").includes("after the outage"), {
    timeoutMs: 100_000,
    what: "the record written",
  });
  expect(await task()).toEqual({ id: 0, state: "RUNNING", worker_id: expect.any(String), version: expect.any(String) });
}, 240_000);
