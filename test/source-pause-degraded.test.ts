/**
 * explore7 K1: a source task whose send to Kafka is being retried (Degraded) goes PAUSED when its
 * connector is paused, as Connect checks shouldPause() between send retries; its records are
 * written once after the resume, when Kafka takes them. Real broker, reached through a forwarder
 * that starts only after the pause.
 */
import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { startGateway } from "./support/gateway.ts";
import { createTopic, kafkaBroker, readAll, readTopic, uniqueTopic } from "./support/kafka.ts";
import { closedPort, tcpForwarder } from "./support/tcp-forwarder.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

test("a FileStream source task retrying its send goes PAUSED on pause; after resume its lines are written once", async () => {
  const kafka = await kafkaBroker();
  await using dir = await tempDir();
  await using gw = await startGateway({
    dir: dir.path,
    worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data") },
  });
  const topic = uniqueTopic("pause-degraded");
  await createTopic(topic);
  const port = await closedPort();
  writeFileSync(dir.file("in.txt"), "a\nb\nc\n");
  const created = await gw.rest.post("/connectors", {
    name: "fs",
    config: {
      "connector.class": "FileStreamSource",
      file: dir.file("in.txt"),
      topic,
      "value.converter": "org.apache.kafka.connect.storage.StringConverter",
      "producer.override.bootstrap.servers": `127.0.0.1:${port}`,
    },
  });
  expect(created.status).toBe(201);
  const task = async () => (await gw.rest.get("/connectors/fs/status")).body.tasks[0];
  await waitFor(async () => (await task())?.trace?.startsWith("Degraded:"), { what: "the Degraded trace" });
  // The fifth retry (backoff from 100 ms) comes after the FileStream poll under way when the send
  // first failed (1 s at most): the loop then waits for the send, where the pause was not seen.
  await waitFor(() => (gw.output().match(/Failed to send \d+ records to Kafka/g) ?? []).length >= 5, {
    what: "five send retries",
  });

  expect((await gw.rest.put("/connectors/fs/pause")).status).toBe(202);
  const paused = await waitFor(
    async () => {
      const t = await task();
      return t?.state === "PAUSED" ? t : undefined;
    },
    { what: "the task PAUSED" },
  );
  expect(paused.trace).toBeUndefined();

  await using _kafkaBack = await tcpForwarder(port, kafka.bootstrap);
  expect((await gw.rest.put("/connectors/fs/resume")).status).toBe(202);
  await readTopic(topic, 3);
  await waitFor(async () => (await task())?.state === "RUNNING" && (await task())?.trace === undefined, {
    what: "the task RUNNING without a trace",
  });
  expect((await readAll(topic)).map((r) => r.value?.toString())).toEqual(["a", "b", "c"]);
});
