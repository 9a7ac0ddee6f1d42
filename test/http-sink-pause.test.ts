/**
 * Pausing an HTTP sink connector stops its requests (explore8 L1): before, a PAUSED task kept sending
 * its whole buffer (up to sink.requests.max-buffered records) at the endpoint's pace, and committing
 * it, while its status said PAUSED. Real gateway, shared broker, a Bun.serve endpoint on port 0.
 *
 * 100 records in one partition, requests of 10. The endpoint holds the first request; meanwhile the
 * task buffers the rest. The connector is paused (status PAUSED), then the held request is released:
 * it finishes and its 10 records are committed (offset.flush.interval.ms goes on while PAUSED), and the
 * completion that would have started the next request starts none: by the time the commit of 10 is
 * seen, the task's own count of requests (http_sink_batch_size_count, counted as a request starts)
 * is still 1 and the endpoint got nothing more. After the resume every record arrives, in order,
 * once, and the offsets reach 100.
 */
import { describe, expect, test } from "bun:test";
import { deferred } from "../src/util/async.ts";
import { startGateway } from "./support/gateway.ts";
import { createTopic, kafkaBroker, producePerPartition, testClient, uniqueTopic } from "./support/kafka.ts";
import { committedOffsets } from "./support/kill-accounting.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const RECORDS = 100;

describe("HTTP sink connector paused", () => {
  test("no request starts while PAUSED (the one in flight finishes and commits); the resume delivers the rest, none lost or repeated", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir("sink-pause");
    const topic = uniqueTopic("sink-pause");
    await createTopic(topic, 1);
    await producePerPartition(topic, 1, RECORDS, (_p, i) => JSON.stringify({ i }));

    const accepted: number[] = [];
    let requests = 0;
    const held = deferred<void>();
    const release = deferred<void>();
    using server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(req) {
        const body = (await req.json()) as { i: number }[];
        if (++requests === 1) {
          held.resolve();
          await release.promise;
        }
        accepted.push(...body.map((e) => e.i));
        return new Response("ok");
      },
    });

    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "offset.flush.interval.ms": "200",
      },
    });
    const name = uniqueTopic("paused-sink");
    const created = await gw.rest.post("/connectors", {
      name,
      config: {
        "connector.class": "HttpSink",
        topics: topic,
        url: `http://127.0.0.1:${server.port}/events`,
        "sink.batch.max-size": "10",
        "sink.request.batch.size": "10",
        "sink.flush-buffer.timeout": "20",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
      },
    });
    expect(created.status).toBe(201);
    const admin = (await testClient()).admin();
    await admin.connect();
    try {
      const committed = async () => (await committedOffsets(admin, `connect-${name}`, topic)).get(0) ?? -1;
      /** A counter of the sink's task 0 on /metrics. */
      const taskCounter = async (family: string) => {
        const metrics = (await gw.rest.get("/metrics")).text;
        const line = new RegExp(`^${family}\\{connector="${name}",task="0"\\} (\\d+)$`, "m").exec(metrics);
        return line ? Number(line[1]) : 0;
      };
      await held.promise;
      // Every record is in the task before the pause: its buffer is what a PAUSED task must not send.
      await waitFor(
        async () => (await taskCounter("kafka_connect_sink_task_metrics_sink_record_send_total")) === RECORDS,
        { what: "every record put into the task" },
      );

      expect((await gw.rest.put(`/connectors/${name}/pause`)).status).toBe(202);
      await waitFor(
        async () => {
          const status = (await gw.rest.get(`/connectors/${name}/status`)).body as {
            connector: { state: string };
            tasks: { state: string }[];
          };
          return status.connector.state === "PAUSED" && status.tasks[0]?.state === "PAUSED";
        },
        { what: "connector and task PAUSED" },
      );
      release.resolve();
      // The request in flight finishes and is committed while PAUSED; its completion started nothing.
      const afterRelease = await waitFor(async () => ((c) => c >= 10 && c)(await committed()), {
        what: "the released request's 10 records committed",
      });
      expect(afterRelease).toBe(10);
      expect(await taskCounter("http_sink_batch_size_count")).toBe(1);
      expect(requests).toBe(1);
      expect(accepted).toEqual(Array.from({ length: 10 }, (_, i) => i));

      expect((await gw.rest.put(`/connectors/${name}/resume`)).status).toBe(202);
      await waitFor(() => accepted.length >= RECORDS, { what: "every record delivered after the resume" });
      expect(accepted).toEqual(Array.from({ length: RECORDS }, (_, i) => i));
      await waitFor(async () => (await committed()) === RECORDS, { what: "offsets committed up to the end" });
      expect(gw.output()).not.toMatch(/Unhandled|uncaught/i);
    } finally {
      await admin.disconnect();
    }
  }, 60_000);
});
