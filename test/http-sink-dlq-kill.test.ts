/**
 * The HTTP sink with a dead letter queue (errors.tolerance=all), its gateway (the compiled binary
 * when GATEWAY_BIN is set) killed with SIGKILL twice while it delivers, on the shared broker. The
 * endpoint refuses (400) every request holding a poison record, so the sink sends such a batch's
 * records one by one and reports the poison ones to the DLQ. After each kill, every record below
 * its partition's committed offset is at the endpoint or, poison, in the DLQ: commits never pass a
 * record delivered nowhere. In the end every good record reached the endpoint and every poison
 * record the DLQ (at least once), and the group committed the topic's end.
 */
import { describe, expect, test } from "bun:test";
import { type Gateway, startGateway } from "./support/gateway.ts";
import { createTopic, kafkaBroker, producePerPartition, readAll, testClient, uniqueTopic } from "./support/kafka.ts";
import { committedOffsets } from "./support/kill-accounting.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const PARTITIONS = 3;
const PER_PARTITION = 1200;
/** Endpoint deliveries (records) at which the first and the second gateway are killed. */
const KILL_AT = [700, 1900];
const isPoison = (i: number) => i % 50 === 17;
const id = (e: { p: number; i: number }) => `${e.p}:${e.i}`;

function produceEvents(topic: string): Promise<void> {
  return producePerPartition(topic, PARTITIONS, PER_PARTITION, (p, i) =>
    JSON.stringify({ p, i, poison: isPoison(i), pad: "x".repeat(64) }),
  );
}

describe("HTTP sink with a dead letter queue across kill -9", () => {
  test("commits never pass a record that is neither at the endpoint nor in the DLQ", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const topic = uniqueTopic("sink-dlq-kill");
    const dlq = `${topic}-dlq`;
    await createTopic(topic, PARTITIONS);
    await produceEvents(topic);
    const delivered = new Set<string>();
    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(req) {
        const events = JSON.parse(await req.text()) as { p: number; i: number; poison: boolean }[];
        if (events.some((e) => e.poison)) return new Response("poison", { status: 400 });
        for (const e of events) delivered.add(id(e));
        return new Response("ok");
      },
    });
    using _server = { [Symbol.dispose]: () => server.stop(true) };
    const options = {
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "offset.flush.interval.ms": "100" },
    };
    let gw: Gateway = await startGateway(options);
    await using _cleanup = {
      [Symbol.asyncDispose]: async () => {
        if (gw.proc.exitCode === null) gw.proc.kill("SIGKILL");
      },
    };
    // A name (so a consumer group) of its own on the shared broker, whoever else runs meanwhile.
    const name = uniqueTopic("dlq-kill-sink");
    const created = await gw.rest.post("/connectors", {
      name,
      config: {
        "connector.class": "HttpSink",
        topics: topic,
        "tasks.max": "2",
        "flink.connector.http.url": `http://127.0.0.1:${server.port}/events`,
        "sink.batch.max-size": "20",
        "http.sink.request.batch.size": "20",
        "sink.flush-buffer.timeout": "20",
        "flink.connector.http.sink.writer.thread-pool.size": "4",
        "errors.tolerance": "all",
        "errors.deadletterqueue.topic.name": dlq,
        "errors.deadletterqueue.topic.replication.factor": "1",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
      },
    });
    expect(created.status).toBe(201);
    const admin = (await testClient()).admin();
    await admin.connect();
    try {
      const inDlq = async () =>
        new Set((await readAll(dlq)).map((r) => id(JSON.parse(r.value!.toString("utf8")) as { p: number; i: number })));
      for (const at of KILL_AT) {
        await waitFor(() => delivered.size >= at, { what: `${at} records delivered`, timeoutMs: 90_000 });
        await gw.kill();
        const committed = await committedOffsets(admin, `connect-${name}`, topic);
        const dead = await inDlq();
        const behind: string[] = [];
        for (let p = 0; p < PARTITIONS; p++)
          for (let i = 0; i < (committed.get(p) ?? 0); i++)
            if (!(isPoison(i) ? dead : delivered).has(`${p}:${i}`)) behind.push(`${p}:${i}`);
        console.log(`killed at ${delivered.size} delivered, ${dead.size} in the DLQ, committed ${[...committed]}`);
        expect(behind).toEqual([]);
        gw = await startGateway(options);
      }
      await waitFor(
        async () => {
          const committed = await committedOffsets(admin, `connect-${name}`, topic);
          return [...Array(PARTITIONS).keys()].every((p) => committed.get(p) === PER_PARTITION);
        },
        { what: "the topic's end committed", timeoutMs: 90_000 },
      );
      const dead = await inDlq();
      const missing: string[] = [];
      for (let p = 0; p < PARTITIONS; p++)
        for (let i = 0; i < PER_PARTITION; i++)
          if (!(isPoison(i) ? dead : delivered).has(`${p}:${i}`)) missing.push(`${p}:${i}`);
      expect(missing).toEqual([]);
      expect(await gw.stop()).toBe(0);
    } finally {
      await admin.disconnect();
    }
  }, 240_000);
});
