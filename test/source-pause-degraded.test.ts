/**
 * explore7 K1: a source task whose send to Kafka is being retried (Degraded) goes PAUSED when its
 * connector is paused, as Connect checks shouldPause() between send retries; its records are
 * written once when Kafka takes them, and it goes RUNNING without a trace after the resume. Real
 * broker, reached through a forwarder that starts only after the pause, for each kind of source
 * task: FileStream, a kafka-mode ingest connector (the request waiting on its record is answered
 * 200 once Kafka takes it) and the HTTP source (sinksec).
 */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { curlPost } from "./support/curl.ts";
import { type Gateway, startGateway, startIngestGateway, taskState } from "./support/gateway.ts";
import { createTopic, kafkaBroker, readAll, readTopic, uniqueTopic } from "./support/kafka.ts";
import { closedPort, tcpForwarder } from "./support/tcp-forwarder.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

/**
 * Creates connector `name` with `config`, its producer pointed at a closed port, and `start`s its
 * input once its task runs; awaits the Degraded trace and the loop in its retry wait, pauses it
 * (task PAUSED without a trace), brings Kafka back through a forwarder on that port, resumes it
 * (RUNNING without a trace) and returns the topic's values once `count` are there.
 */
async function pausedWhileDegraded(
  gw: Gateway,
  name: string,
  topic: string,
  count: number,
  config: Record<string, string>,
  start: () => void = () => undefined,
): Promise<(string | undefined)[]> {
  const kafka = await kafkaBroker();
  const port = await closedPort();
  const created = await gw.rest.post("/connectors", {
    name,
    config: { ...config, "producer.override.bootstrap.servers": `127.0.0.1:${port}` },
  });
  expect(created.status).toBe(201);
  const task = async () => (await gw.rest.get(`/connectors/${name}/status`)).body.tasks[0];
  await waitFor(async () => (await taskState(gw, name)) === "RUNNING", { what: "the task RUNNING" });
  start();
  await waitFor(async () => (await task())?.trace?.startsWith("Degraded:"), { what: "the Degraded trace" });
  // The fifth retry (backoff from 100 ms) comes after the poll under way when the send first failed
  // (FileStream's: 1 s at most): the loop then waits for the send, where the pause was not seen.
  await waitFor(() => (gw.output().match(/Failed to send \d+ records to Kafka/g) ?? []).length >= 5, {
    what: "five send retries",
  });

  expect((await gw.rest.put(`/connectors/${name}/pause`)).status).toBe(202);
  const paused = await waitFor(
    async () => {
      const t = await task();
      return t?.state === "PAUSED" ? t : undefined;
    },
    { what: "the task PAUSED" },
  );
  expect(paused.trace).toBeUndefined();

  await using _kafkaBack = await tcpForwarder(port, kafka.bootstrap);
  expect((await gw.rest.put(`/connectors/${name}/resume`)).status).toBe(202);
  await readTopic(topic, count);
  await waitFor(async () => (await task())?.state === "RUNNING" && (await task())?.trace === undefined, {
    what: "the task RUNNING without a trace",
  });
  return (await readAll(topic)).map((r) => r.value?.toString());
}

const STRING_VALUES = { "value.converter": "org.apache.kafka.connect.storage.StringConverter" };

// Every case has a gateway, topic and peer of its own and mostly waits: they run at once.
describe.concurrent("a source task retrying its send goes PAUSED on pause; its records are written once", () => {
  test("FileStream source", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data") },
    });
    const topic = uniqueTopic("pause-degraded");
    await createTopic(topic);
    writeFileSync(dir.file("in.txt"), "a\nb\nc\n");
    const values = await pausedWhileDegraded(gw, "fs", topic, 3, {
      "connector.class": "FileStreamSource",
      file: dir.file("in.txt"),
      topic,
      ...STRING_VALUES,
    });
    expect(values).toEqual(["a", "b", "c"]);
  });

  test("ingest connector in kafka mode: the waiting request is answered 200 once Kafka takes its record", async () => {
    await using dir: TempDir = await tempDir();
    const { gw, ingest } = await startIngestGateway(dir);
    await using _gw = gw;
    const topic = uniqueTopic("pause-degraded-ingest");
    await createTopic(topic);
    let answer: ReturnType<typeof curlPost> | undefined;
    const values = await pausedWhileDegraded(
      gw,
      "devices",
      topic,
      1,
      {
        "connector.class": "HttpIngest",
        "ingest.path": "/devices",
        "kafka.topic": topic,
        "ingest.ack.mode": "kafka",
        "ingest.rest.proxy.enable": "false",
        "ingest.request.timeout.ms": "55000",
      },
      () => {
        answer = curlPost(`${ingest}/devices`, '{"m":1}', "application/json", {}, ["--max-time", "60"]);
      },
    );
    expect(values).toEqual(['{"m":1}']);
    expect((await answer!).status).toBe(200);
  });

  test("HTTP source", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    let polls = 0;
    const api = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      // The records on the first poll only: later polls find nothing new.
      fetch: () => Response.json(++polls === 1 ? [{ id: 1 }, { id: 2 }, { id: 3 }] : []),
    });
    await using _api = { [Symbol.asyncDispose]: async () => void (await api.stop(true)) };
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data") },
    });
    const topic = uniqueTopic("pause-degraded-http");
    await createTopic(topic);
    const values = await pausedWhileDegraded(gw, "api", topic, 3, {
      "connector.class": "io.confluent.connect.http.HttpSourceConnector",
      "http.url": `http://127.0.0.1:${api.port}/e`,
      "kafka.topic": topic,
      "http.timer.interval.ms": "200",
      "http.response.records.path": "$[*]",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
    });
    expect(values.map((v) => JSON.parse(v!).id)).toEqual([1, 2, 3]);
  });
});
