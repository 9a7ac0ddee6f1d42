/**
 * The HTTP sink's sink.requests.max-buffered against a slow endpoint, on the shared broker: each
 * partition's 1,500 records come in one fetch, so one delivery holds them all, put in slices of
 * max.poll.records. Once the sink pauses its partitions (at max-buffered records buffered or in
 * flight) nothing more of them is put until it resumes them: what the task holds never exceeds
 * max-buffered plus one slice (Connect: plus one poll), every record reaches the endpoint, none
 * twice, and the committed offsets reach the end. The records not put wait in the task for the
 * resume (held, not fetched again), so the default fetch.max.wait.ms costs nothing here. Regression: the whole delivery went into the
 * sink within 3 ms despite max-buffered=20 (src/runtime/sink-delivery.test.ts has the runtime's
 * side).
 *
 * The endpoint is slow by the test's hand: it holds every request until the test has read the
 * task's metrics, then answers them all. What the task holds is read as records put
 * (sink-record-send-total, counted once a put returns) minus records the endpoint accepted
 * (http_sink_records_sent_total): never more than the sink's own count.
 */
import { describe, expect, test } from "bun:test";
import { deferred } from "../src/util/async.ts";
import { startGateway } from "./support/gateway.ts";
import { createTopic, kafkaBroker, producePerPartition, testClient, uniqueTopic } from "./support/kafka.ts";
import { committedOffsets } from "./support/kill-accounting.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const PARTITIONS = 2;
const PER_PARTITION = 1500;
const MAX_BUFFERED = 20;
const SLICE = 10; // max.poll.records: the records of one put

describe("HTTP sink with sink.requests.max-buffered and a slow endpoint", () => {
  // Every case has a gateway, topic and connector of its own and mostly waits: they run at once.
  test.concurrent.each(["platformatic", "kafkajs"])(
    "%s: what the task holds stays within max-buffered plus one slice; every record delivered once",
    async (client) => {
      const kafka = await kafkaBroker();
      await using dir = await tempDir();
      const topic = uniqueTopic("sink-max-buffered");
      await createTopic(topic, PARTITIONS);
      await producePerPartition(topic, PARTITIONS, PER_PARTITION, (p, i) => JSON.stringify({ p, i }));
      /** Times each record was accepted (answered 200). */
      const accepted = new Map<string, number>();
      /** Requests the endpoint holds: their records, and the answer that releases them. */
      let held: { events: { p: number; i: number }[]; answer: () => void }[] = [];
      const server = Bun.serve({
        port: 0,
        hostname: "127.0.0.1",
        async fetch(req) {
          const events = JSON.parse(await req.text()) as { p: number; i: number }[];
          const answered = deferred<void>();
          held.push({ events, answer: () => answered.resolve() });
          await answered.promise;
          return new Response("ok");
        },
      });
      using _server = { [Symbol.dispose]: () => server.stop(true) };
      await using gw = await startGateway({
        dir: dir.path,
        worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "kafka.client": client },
      });
      const name = uniqueTopic("max-buffered-sink");
      const config = {
        "connector.class": "HttpSink",
        topics: topic,
        url: `http://127.0.0.1:${server.port}/events`,
        "sink.batch.max-size": "10",
        "sink.request.batch.size": "10",
        "sink.flush-buffer.timeout": "10",
        "sink.requests.max-buffered": String(MAX_BUFFERED),
        "consumer.override.max.poll.records": String(SLICE),
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
      };
      expect((await gw.rest.post("/connectors", { name, config })).status).toBe(201);
      const counter = (metrics: string, family: string) => {
        const line = new RegExp(`^${family}\\{connector="${name}",task="0"\\} (\\d+)$`, "m").exec(metrics);
        return line ? Number(line[1]) : 0;
      };
      let mostHeld = 0;
      let rounds = 0;
      while (accepted.size < PARTITIONS * PER_PARTITION) {
        await waitFor(() => held.length > 0, {
          what: `a request (${accepted.size} records accepted)`,
          timeoutMs: 30_000,
          intervalMs: 5,
        });
        const metrics = (await gw.rest.get("/metrics")).text;
        const put = counter(metrics, "kafka_connect_sink_task_metrics_sink_record_send_total");
        const sent = counter(metrics, "http_sink_records_sent_total");
        mostHeld = Math.max(mostHeld, put - sent);
        rounds++;
        const answering = held;
        held = [];
        for (const { events, answer } of answering) {
          for (const e of events) accepted.set(`${e.p}:${e.i}`, (accepted.get(`${e.p}:${e.i}`) ?? 0) + 1);
          answer();
        }
      }
      const admin = (await testClient()).admin();
      await admin.connect();
      try {
        await waitFor(
          async () => {
            const committed = await committedOffsets(admin, `connect-${name}`, topic);
            return [...Array(PARTITIONS).keys()].every((p) => committed.get(p) === PER_PARTITION);
          },
          { what: "the topic's end committed", timeoutMs: 30_000, intervalMs: 100 },
        );
      } finally {
        await admin.disconnect();
      }
      console.log(
        `HTTP sink (${client}) at max-buffered=${MAX_BUFFERED}: at most ${mostHeld} records held over ${rounds} rounds`,
      );
      // The sink reached its bound (so it paused), and no delivery overshot it by more than one put.
      expect(mostHeld).toBeGreaterThanOrEqual(MAX_BUFFERED);
      expect(mostHeld).toBeLessThanOrEqual(MAX_BUFFERED + SLICE);
      const missing: string[] = [];
      for (let p = 0; p < PARTITIONS; p++)
        for (let i = 0; i < PER_PARTITION; i++) if (!accepted.has(`${p}:${i}`)) missing.push(`${p}:${i}`);
      expect(missing).toEqual([]);
      expect([...accepted].filter(([, n]) => n > 1)).toEqual([]);
      expect((await gw.rest.get(`/connectors/${name}/status`)).body.tasks[0].state).toBe("RUNNING");
    },
    120_000,
  );
});
