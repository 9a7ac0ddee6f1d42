/**
 * An HTTP sink whose endpoint holds a request open, stopped two ways. Real gateway (GATEWAY_BIN),
 * real broker, a Bun.serve endpoint on port 0.
 * - The connector stopped (leftovers 13): the worker gives the task `task.shutdown.graceful.timeout.ms`,
 *   then abandons it ("Graceful stop of task … failed", as Connect), and the abandoned task's request
 *   on the wire is cut off at once, not left open until `sink.request.timeout` (an hour here). Before,
 *   the task's close() waited for the attempt on the wire, so the abandoned task held its request
 *   (and its records' batch) for the whole request timeout. Offsets: the commit at stop names the
 *   first record not delivered, never one past it (nor any once the task is abandoned); once the
 *   connector is resumed those records are delivered, none lost.
 * - SIGTERM (an operator's `docker stop`, systemd's stop): the gateway stops within
 *   `task.shutdown.graceful.timeout.ms` plus its own close, exits 0, the held request is cut off, and
 *   no offset past the records the endpoint accepted is committed; a restart delivers the rest.
 */
import { describe, expect, test } from "bun:test";
import { type Gateway, startGateway } from "./support/gateway.ts";
import { createTopicsOn, kafkaBroker, testClient, uniqueTopic } from "./support/kafka.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

type HeldSink = {
  readonly topic: string;
  readonly kafka: Awaited<ReturnType<typeof kafkaBroker>>;
  readonly dir: TempDir;
  readonly gw: Gateway;
  readonly name: string;
  /** Record numbers the endpoint accepted, in order. */
  readonly accepted: number[];
  /** Lift `hold` and the endpoint accepts every request. */
  readonly state: { hold: boolean };
  /** Held requests whose client hung up. */
  cutOff(): number;
  /** Records delivered before the endpoint held one. */
  readonly delivered: number;
  /** The connector's committed offset of partition 0. */
  committed(): Promise<number>;
};

/**
 * 20 records in a topic, an endpoint that answers requests until it has 10 records (a request of batch
 * size 10, or several smaller ones), then holds every later one open until `state.hold` is lifted, and a
 * gateway whose HTTP sink has one request held; `run` gets them, and they are closed after it.
 */
async function withHeldSink(run: (sink: HeldSink) => Promise<void>): Promise<void> {
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
  const state = { hold: true };
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
        if (state.hold && accepted.length >= 10) {
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

  await using dir = await tempDir("sink-held-request");
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
  const committed = async () => {
    const a = client.admin();
    await a.connect();
    try {
      const [offsets] = await a.fetchOffsets({ groupId: `connect-${name}`, topics: [topic] });
      return Number(offsets!.partitions.find((p) => p.partition === 0)!.offset);
    } finally {
      await a.disconnect();
    }
  };
  await run({ topic, kafka, dir, gw, name, accepted, state, cutOff: () => cutOff, delivered, committed });
}

describe("HTTP sink whose endpoint holds a request open", () => {
  test("connector stopped: the stop is bounded by the graceful timeout, the held request is cut off, nothing undelivered is committed", async () => {
    await withHeldSink(async ({ gw, name, accepted, state, cutOff, delivered, committed }) => {
      const stopped = await gw.rest.put(`/connectors/${name}/stop`);
      expect(stopped.status).toBeLessThan(300);
      await gw.waitForOutput(new RegExp(`Graceful stop of task ${name}-0 failed`));
      // Cut off by the abandoned task, not after sink.request.timeout (an hour).
      await waitFor(() => cutOff() === 1, { what: "the held request cut off by the abandoned task" });
      // The held records were not delivered, so nothing past them is committed. (The stop's commit names `delivered`,
      // unless the task was abandoned before it completed, under load: an abandoned task commits nothing, as Connect.)
      expect(await committed()).toBeLessThanOrEqual(delivered);

      state.hold = false;
      const resumed = await gw.rest.put(`/connectors/${name}/resume`);
      expect(resumed.status).toBeLessThan(300);
      await waitFor(() => accepted.length >= 20, { what: "the held records delivered after the resume" });
      expect(accepted).toEqual(Array.from({ length: 20 }, (_, i) => i));
      await waitFor(async () => (await committed()) === 20, { what: "offsets committed up to 20" });
      expect(gw.output()).not.toMatch(/Unhandled|uncaught/i);
    });
  }, 60_000);

  test("SIGTERM: exit 0 within the graceful bound, the held request cut off, nothing undelivered committed, the rest delivered after a restart", async () => {
    await withHeldSink(async ({ kafka, dir, gw, accepted, state, cutOff, delivered, committed }) => {
      gw.proc.kill("SIGTERM");
      // Bounded by the graceful timeout (1 s here) and the close, never by sink.request.timeout.
      expect(await gw.proc.exited).toBe(0);
      await waitFor(() => cutOff() === 1, { what: "the held request cut off by the stop" });
      expect(await committed()).toBeLessThanOrEqual(delivered);
      expect(gw.output()).not.toMatch(/Unhandled|uncaught/i);

      state.hold = false;
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
    });
  }, 60_000);
});
