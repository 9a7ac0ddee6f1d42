/**
 * SIGTERM (an operator's `docker stop`, systemd's stop) while an HTTP sink's endpoint holds a
 * request open: the gateway stops within `task.shutdown.graceful.timeout.ms` plus its own close,
 * exits 0, the held request is cut off (not left open until `sink.request.timeout`, an hour here),
 * and no offset past the records the endpoint accepted is committed; a restart delivers the rest.
 * Real gateway (GATEWAY_BIN), real broker, a Bun.serve endpoint on port 0.
 */
import { describe, expect, test } from "bun:test";
import { startGateway } from "./support/gateway.ts";
import { createTopicsOn, kafkaBroker, testClient, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

describe("SIGTERM while an HTTP sink endpoint holds a request open", () => {
  test("exit 0 within the graceful bound, the held request cut off, nothing undelivered committed, the rest delivered after a restart", async () => {
    const topic = uniqueTopic("sink-slow-stop");
    const kafka = await kafkaBroker();
    const client = await testClient();
    const admin = client.admin();
    await admin.connect();
    try {
      await createTopicsOn(admin, [{ topic, numPartitions: 1 }]);
    } finally {
      await admin.disconnect();
    }
    const producer = client.producer();
    await producer.connect();
    try {
      const messages = Array.from({ length: 20 }, (_, i) => ({ partition: 0, value: JSON.stringify({ i }) }));
      await producer.send({ topic, acks: -1, messages });
    } finally {
      await producer.disconnect();
    }

    // The endpoint answers requests until it has 10 records (a request of batch size 10, or
    // several smaller ones), then holds every later one open until `hold` is lifted, and notes a
    // held request whose client hung up.
    const accepted: number[] = [];
    let hold = true;
    let held = 0;
    let cutOff = 0;
    const release: (() => void)[] = [];
    using _server = {
      server: Bun.serve({
        port: 0,
        hostname: "127.0.0.1",
        idleTimeout: 0,
        async fetch(req) {
          const body = (await req.json()) as { i: number }[];
          if (hold && accepted.length >= 10) {
            held++;
            const aborted = new Promise<void>((resolve) => req.signal.addEventListener("abort", () => resolve()));
            const released = new Promise<void>((resolve) => release.push(resolve));
            const first = await Promise.race([aborted.then(() => "aborted"), released.then(() => "released")]);
            if (first === "aborted") {
              cutOff++;
              return new Response("gone", { status: 503 });
            }
          }
          accepted.push(...body.map((e) => e.i));
          return new Response("ok");
        },
      }),
      [Symbol.dispose]() {
        for (const r of release) r();
        this.server.stop(true);
      },
    };
    const endpoint = `http://127.0.0.1:${_server.server.port}/events`;

    await using dir = await tempDir("sink-slow-stop");
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "offset.flush.interval.ms": "60000",
        "task.shutdown.graceful.timeout.ms": "1000",
      },
    });
    // A name (so a consumer group) of its own on the shared broker, whoever else runs meanwhile.
    const name = uniqueTopic("slow-sink");
    const created = await gw.rest.post("/connectors", {
      name,
      config: {
        "connector.class": "HttpSink",
        topics: topic,
        "flink.connector.http.url": endpoint,
        "sink.batch.max-size": "10",
        "http.sink.request.batch.size": "10",
        "sink.flush-buffer.timeout": "20",
        "sink.request.timeout": "3600",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
      },
    });
    expect(created.status).toBe(201);
    await waitFor(() => held === 1, { what: "a request held after 10 records were delivered" });
    const delivered = accepted.length;
    expect(accepted).toEqual(Array.from({ length: delivered }, (_, i) => i));

    gw.proc.kill("SIGTERM");
    // Bounded by the graceful timeout (1 s here) and the close, never by sink.request.timeout.
    expect(await gw.proc.exited).toBe(0);
    await waitFor(() => cutOff === 1, { what: "the held request cut off by the stop" });
    const group = `connect-${name}`;
    const committed = async () => {
      const a = client.admin();
      await a.connect();
      try {
        const [offsets] = await a.fetchOffsets({ groupId: group, topics: [topic] });
        return Number(offsets!.partitions.find((p) => p.partition === 0)!.offset);
      } finally {
        await a.disconnect();
      }
    };
    expect(await committed()).toBeLessThanOrEqual(delivered);
    expect(gw.output()).not.toMatch(/Unhandled|uncaught/i);

    hold = false;
    await using again = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "offset.flush.interval.ms": "60000",
        "task.shutdown.graceful.timeout.ms": "1000",
      },
    });
    await waitFor(() => accepted.length >= 20, { what: "the held records delivered after the restart" });
    expect([...new Set(accepted)].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    await waitFor(async () => (await committed()) === 20, { what: "offsets committed up to 20" });
    expect(again.output()).not.toMatch(/Unhandled|uncaught/i);
  }, 60_000);
});
