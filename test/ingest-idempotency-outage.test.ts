/**
 * Idempotency-Key while Kafka does not acknowledge (the compiled binary when GATEWAY_BIN is set, the
 * shared broker behind a loopback relay the test opens and closes, with either Kafka client): a keyed
 * request whose records were sent but not acknowledged within ingest.request.timeout.ms answers that
 * they "may still be written", and its key stays held (409 with Retry-After; another body with it is
 * 422) until they settle. Once Kafka writes them, a retry gets the answer the request would have had
 * (replayed, each record written once); when they end not written (the connector stopped), the key
 * is released and a retry writes them.
 */
import { describe, expect, test } from "bun:test";
import { connect, createServer, type Socket } from "node:net";
import { curlPost } from "./support/curl.ts";
import { createIngestConnector, startIngestGateway, taskState } from "./support/gateway.ts";
import { createTopicsOn, kafkaBroker, readAll, testClient, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

/** A relay to `target` that holds every connection unanswered until `open()`, then forwards. */
async function relay(target: string) {
  const [host, port] = [target.slice(0, target.lastIndexOf(":")), Number(target.slice(target.lastIndexOf(":") + 1))];
  let forwarding = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.on("error", () => {});
    client.on("close", () => sockets.delete(client));
    if (!forwarding) return; // held: the client's requests are never answered
    const upstream = connect(port, host);
    sockets.add(upstream);
    upstream.on("error", () => client.destroy());
    upstream.on("close", () => sockets.delete(upstream));
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    /** Forwards from now on; the held connections are closed so that the client connects again. */
    open: () => {
      forwarding = true;
      for (const s of sockets) s.destroy();
    },
    [Symbol.asyncDispose]: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type Offsets = { partition: number | null; offset: number | null; error_code?: number | null }[];

/** A gateway (kafka.client `client`) reaching the shared broker through a held relay, with ingest connector `name` on a new one-partition topic. */
async function heldGateway(client: string, name: string) {
  const kafka = await kafkaBroker();
  const topic = uniqueTopic(`ingest-idem-${name}`);
  const admin = (await testClient()).admin();
  await admin.connect();
  try {
    await createTopicsOn(admin, [{ topic, numPartitions: 1, replicationFactor: 1 }]);
  } finally {
    await admin.disconnect();
  }
  const dir = await tempDir();
  const broker = await relay(kafka.bootstrap);
  const { gw, ingest } = await startIngestGateway(dir, {
    "bootstrap.servers": `127.0.0.1:${broker.port}`,
    "kafka.client": client,
    "task.shutdown.graceful.timeout.ms": "1000",
  });
  await createIngestConnector(gw, name, {
    "ingest.path": `/ingest/${name}`,
    "kafka.topic": topic,
    "ingest.request.timeout.ms": "1500",
  });
  return {
    gw,
    ingest,
    topic,
    broker,
    [Symbol.asyncDispose]: async () => {
      await gw.kill();
      await broker[Symbol.asyncDispose]();
      await dir[Symbol.asyncDispose]();
    },
  };
}

/** Sends until the answer is no longer the held key's 409. */
async function settled(send: () => ReturnType<typeof curlPost>, what: string) {
  return waitFor(
    async () => {
      const r = await send();
      return r.status !== 409 && r;
    },
    { timeoutMs: 45_000, what },
  );
}

// Every case has a gateway, topic and connector of its own and mostly waits: they run at once.
describe.concurrent.each(["platformatic", "kafkajs"])(
  "Idempotency-Key of records that may still be written (kafka.client=%s)",
  (client) => {
    test("held (409, Retry-After) while Kafka does not answer; once it writes them, a retry gets their offsets replayed and each is written once", async () => {
      await using g = await heldGateway(client, "idem-late");
      const send = () =>
        curlPost(`${g.ingest}/ingest/idem-late`, '[{"t":1},{"t":2}]', "application/json", {
          "Idempotency-Key": "late-1",
        });

      const first = await send();
      expect(first.status).toBe(500);
      expect((first.json() as { message: string }).message).toContain("may still be written");
      const held = await send();
      expect([held.status, held.headers["retry-after"]]).toEqual([409, "5"]);
      expect((held.json() as { message: string }).message).toContain("may still be written");
      // explore23 F3: another body with the held key is 422, not a 409 its client would retry for ever.
      const other = await curlPost(`${g.ingest}/ingest/idem-late`, '[{"t":3}]', "application/json", {
        "Idempotency-Key": "late-1",
      });
      expect(other.status).toBe(422);

      g.broker.open();
      const replay = await settled(send, "the held key answered");
      const offsets = (replay.json() as { offsets: Offsets }).offsets;
      expect([replay.status, replay.headers["idempotent-replayed"]]).toEqual([200, "true"]);
      expect(offsets.map((o) => o.partition)).toEqual([0, 0]);
      const records = await readAll(g.topic);
      expect(records.map((r) => [Number(r.offset), JSON.parse(r.value!.toString("utf8"))])).toEqual([
        [offsets[0]!.offset, { t: 1 }],
        [offsets[1]!.offset, { t: 2 }],
      ]);
    }, 90_000);

    test("released when they end not written (the connector stopped while held): the retry writes them, once", async () => {
      await using g = await heldGateway(client, "idem-stopped");
      const send = () =>
        curlPost(
          `${g.ingest}/topics/${g.topic}`,
          '{"records":[{"value":{"t":1}},{"value":{"t":2}}]}',
          "application/vnd.kafka.json.v2+json",
          { "Idempotency-Key": "stopped-1" },
        );

      const failed = await send();
      expect(failed.status).toBe(200); // REST Proxy v2: per-record error codes
      expect((failed.json() as { offsets: Offsets }).offsets.map((o) => o.error_code)).toEqual([50003, 50003]);
      expect((await send()).status).toBe(409);

      expect((await g.gw.rest.put("/connectors/idem-stopped/stop")).status).toBe(204);
      // The relay opens once the old task has finished: stopped within task.shutdown.graceful.timeout.ms,
      // not abandoned, so its producer is closed and none of its records can reach Kafka from then on.
      await waitFor(
        async () => {
          const status = (await g.gw.rest.get("/connectors/idem-stopped/status")).body;
          return status.connector.state === "STOPPED" && status.tasks.length === 0;
        },
        { what: "the old task stopped" },
      );
      expect(g.gw.output()).not.toContain("Graceful stop of task idem-stopped-0 failed");
      g.broker.open();
      expect((await g.gw.rest.put("/connectors/idem-stopped/resume")).status).toBe(202);
      await waitFor(async () => (await taskState(g.gw, "idem-stopped")) === "RUNNING", { what: "resumed" });
      // The stopped task gave its records up unsent: the key was released, so the retry runs (not 409,
      // not a replay of a written answer).
      const retry = await send();
      expect([retry.status, retry.headers["idempotent-replayed"]]).toEqual([200, undefined]);
      // Its answer, once final (written: with its offsets), is the key's from then on.
      const written = await waitFor(
        async () => {
          const r = await send();
          const offsets = r.status === 200 ? (r.json() as { offsets: Offsets }).offsets : undefined;
          const replayed = r.headers["idempotent-replayed"] === "true";
          return replayed && offsets?.every((o) => o.error_code === null) && { r, offsets };
        },
        { timeoutMs: 45_000, what: "the retry's written answer replayed" },
      );
      const records = await readAll(g.topic);
      expect(records.map((r) => [Number(r.offset), JSON.parse(r.value!.toString("utf8"))])).toEqual([
        [written.offsets[0]!.offset, { t: 1 }],
        [written.offsets[1]!.offset, { t: 2 }],
      ]);
    }, 90_000);
  },
);
