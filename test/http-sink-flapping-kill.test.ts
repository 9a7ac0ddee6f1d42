/**
 * The HTTP sink (errors.tolerance=all, a dead letter queue) against an endpoint that flaps, its
 * gateway (the compiled binary when GATEWAY_BIN is set) killed with SIGKILL twice mid-delivery, on
 * the shared broker. The endpoint answers its requests in turn: 200, 500, a connection reset before
 * any answer, a hang past sink.request.timeout (1 s), 200, 200; a request holding a poison record
 * that it would accept is 400. After each kill every record below its partition's committed offset
 * is at the endpoint or, poison, in the DLQ; in the end every good record reached the endpoint, and
 * the DLQ holds poison records only: 500s, resets and timeouts are retried (sink.retry.max-attempts=-1),
 * never dead-lettered, whatever errors.tolerance says. Chaos hunt 2026-12-03 (holds);
 * http-sink-dlq-kill.test.ts has the same kills against an endpoint that never flaps.
 */
import { describe, expect, test } from "bun:test";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { type Gateway, startGateway } from "./support/gateway.ts";
import { createTopic, kafkaBroker, producePerPartition, readAll, testClient, uniqueTopic } from "./support/kafka.ts";
import { committedOffsets } from "./support/kill-accounting.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const PARTITIONS = 6;
const PER_PARTITION = 150;
const KILL_AT = [150, 450];
const isPoison = (i: number) => i % 97 === 13;
const id = (e: { p: number; i: number }) => `${e.p}:${e.i}`;

describe("HTTP sink against a flapping endpoint across kill -9", () => {
  test("commits never pass undelivered records; only poison in the DLQ", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const topic = uniqueTopic("sink-flap-kill");
    const dlq = `${topic}-dlq`;
    await createTopic(topic, PARTITIONS);
    await producePerPartition(topic, PARTITIONS, PER_PARTITION, (p, i) =>
      JSON.stringify({ p, i, poison: isPoison(i) }),
    );
    const delivered = new Set<string>();
    const modes = new Map<string, number>();
    let n = 0;
    const sockets = new Set<Socket>();
    const held: ServerResponse[] = [];
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        const events = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
          p: number;
          i: number;
          poison: boolean;
        }[];
        const k = n++ % 6;
        const mode = k === 1 ? "500" : k === 2 ? "reset" : k === 3 ? "hang" : "ok";
        modes.set(mode, (modes.get(mode) ?? 0) + 1);
        if (mode === "500") res.writeHead(500).end("flap");
        else if (mode === "reset") req.socket.destroy();
        else if (mode === "hang") held.push(res);
        else if (events.some((e) => e.poison)) res.writeHead(400).end("poison");
        else {
          for (const e of events) delivered.add(id(e));
          res.writeHead(200).end("ok");
        }
      });
    });
    server.on("connection", (s) => {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    await using _server = {
      [Symbol.asyncDispose]: async () => {
        for (const s of sockets) s.destroy();
        await new Promise((resolve) => server.close(resolve));
      },
    };
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
    const name = uniqueTopic("flap-kill-sink");
    const created = await gw.rest.post("/connectors", {
      name,
      config: {
        "connector.class": "HttpSink",
        topics: topic,
        "tasks.max": "2",
        // The restarted gateway's consumers get the partitions once the killed ones' sessions end.
        "consumer.override.session.timeout.ms": "6000",
        "consumer.override.heartbeat.interval.ms": "1000",
        "flink.connector.http.url": `http://127.0.0.1:${port}/events`,
        // One request in six hangs past sink.request.timeout (1 s, its least), waited out by its partition's
        // records: the hangs take most of the test's time. A batch answered 400 (it holds a poison record) is sent
        // again record by record: 10 records a batch makes fewer requests than 20 (each mode still dozens of times).
        "sink.batch.max-size": "10",
        "http.sink.request.batch.size": "10",
        "sink.flush-buffer.timeout": "20",
        "sink.request.timeout": "1",
        "sink.retry.max-attempts": "-1",
        "sink.retry.backoff.initial.ms": "20",
        "sink.retry.backoff.max.ms": "100",
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
        (await readAll(dlq)).map((r) => id(JSON.parse(r.value!.toString("utf8")) as { p: number; i: number }));
      for (const at of KILL_AT) {
        await waitFor(() => delivered.size >= at, { what: `${at} records delivered`, timeoutMs: 90_000 });
        await gw.kill();
        const committed = await committedOffsets(admin, `connect-${name}`, topic);
        const dead = new Set(await inDlq());
        const behind: string[] = [];
        for (let p = 0; p < PARTITIONS; p++)
          for (let i = 0; i < (committed.get(p) ?? 0); i++)
            if (!(isPoison(i) ? dead : delivered).has(`${p}:${i}`)) behind.push(`${p}:${i}`);
        console.log(`killed at ${delivered.size} delivered, ${dead.size} in DLQ, committed ${[...committed]}`);
        expect(behind).toEqual([]);
        gw = await startGateway(options);
      }
      await waitFor(
        async () => {
          const committed = await committedOffsets(admin, `connect-${name}`, topic);
          return [...Array(PARTITIONS).keys()].every((p) => committed.get(p) === PER_PARTITION);
        },
        { what: "the topic's end committed", timeoutMs: 120_000 },
      ).catch((e) => {
        throw new Error(`${e.message}\n${gw.output().slice(-4000)}`);
      });
      const deadList = await inDlq();
      const dead = new Set(deadList);
      const missing: string[] = [];
      const wrongDlq = deadList.filter((d) => !isPoison(Number(d.split(":")[1])));
      for (let p = 0; p < PARTITIONS; p++)
        for (let i = 0; i < PER_PARTITION; i++)
          if (!(isPoison(i) ? dead : delivered).has(`${p}:${i}`)) missing.push(`${p}:${i}`);
      console.log(`modes ${JSON.stringify([...modes])}, dlq ${deadList.length}`);
      expect(missing).toEqual([]);
      expect(wrongDlq).toEqual([]);
      expect(
        (await gw.rest.get(`/connectors/${name}/status`)).body.tasks.map((t: { state: string }) => t.state),
      ).toEqual(["RUNNING", "RUNNING"]);
      for (const r of held) r.destroy();
      expect(await gw.stop()).toBe(0);
    } finally {
      await admin.disconnect();
    }
  }, 120_000);
});
