/**
 * Idempotency-Key while Kafka does not answer (the compiled binary when GATEWAY_BIN is set, the shared broker behind a
 * loopback relay that holds every connection until the test opens it, with either Kafka client): the task's producer
 * never connects, so a keyed request whose records the task took is answered, once ingest.request.timeout.ms ran out,
 * with its records taken back (never written: explore27 F2), and its key is released at once: a retry runs again (no
 * 409), and once Kafka is back a retry writes them, once, and that written answer is replayed from then on. (Before,
 * the request answered "may still be written" and the key stayed held (409) until the task's stop gave the records up.)
 * Records the producer already holds are not taken back: with the test's own broker frozen (SIGSTOP) after the producer
 * connected, the request answers that they "may still be written" and its key is held (409; another body with it 422)
 * until they settle, then their written answer is replayed (also abandoned-source-task-producer.test.ts).
 */
import { describe, expect, test } from "bun:test";
import { connect, createServer, type Socket } from "node:net";
import { curlPost } from "./support/curl.ts";
import { freeze } from "./support/freeze.ts";
import { createIngestConnector, ingestUrlOf, startIngestGateway } from "./support/gateway.ts";
import { createTopicsOn, kafkaBroker, readAll, testClient, uniqueTopic } from "./support/kafka.ts";
import { outageIngestWorker, readOwnTopic, startOwnBroker } from "./support/own-broker.ts";
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

// Every case has a gateway, topic and connector of its own and mostly waits: they run at once.
describe.concurrent.each(["platformatic", "kafkajs"])(
  "Idempotency-Key of records taken back in an outage (kafka.client=%s)",
  (client) => {
    test("answered 503 not written, the key released at once; once Kafka is back a retry writes them once, and that answer is replayed", async () => {
      await using g = await heldGateway(client, "idem-late");
      const send = () =>
        curlPost(`${g.ingest}/ingest/idem-late`, '[{"t":1},{"t":2}]', "application/json", {
          "Idempotency-Key": "late-1",
        });

      const first = await send();
      expect([first.status, first.headers["retry-after"]]).toEqual([503, "5"]);
      expect((first.json() as { message: string }).message).toContain("(none of them was written)");
      // Released: the same request runs again (not 409), and is not written either.
      const again = await send();
      expect([again.status, again.headers["idempotent-replayed"]]).toEqual([503, undefined]);

      g.broker.open();
      // Until written: not written (503), or, its records handed to the producer as its window ran out, they may
      // still be written (500) and the key is held (409) until they settle; the answer then is replayed.
      const written = await waitFor(
        async () => {
          const r = await send();
          if (r.status !== 200) expect([503, 500, 409]).toContain(r.status);
          return r.status === 200 && r;
        },
        { timeoutMs: 45_000, what: "the keyed request written" },
      );
      const offsets = (written.json() as { offsets: Offsets }).offsets;
      expect(offsets.map((o) => o.partition)).toEqual([0, 0]);
      const replay = await send();
      expect([replay.status, replay.headers["idempotent-replayed"]]).toEqual([200, "true"]);
      expect((replay.json() as { offsets: Offsets }).offsets).toEqual(offsets);
      const records = await readAll(g.topic);
      expect(records.map((r) => [Number(r.offset), JSON.parse(r.value!.toString("utf8"))])).toEqual([
        [offsets[0]!.offset, { t: 1 }],
        [offsets[1]!.offset, { t: 2 }],
      ]);
    }, 90_000);

    test("REST Proxy v2: each record answered 50003 not written, the key released at once; the retry once Kafka is back writes them once", async () => {
      await using g = await heldGateway(client, "idem-v2");
      const send = () =>
        curlPost(
          `${g.ingest}/topics/${g.topic}`,
          '{"records":[{"value":{"t":1}},{"value":{"t":2}}]}',
          "application/vnd.kafka.json.v2+json",
          { "Idempotency-Key": "v2-1" },
        );

      const failed = await send();
      expect(failed.status).toBe(200); // REST Proxy v2: per-record error codes
      const errors = (failed.json() as { offsets: (Offsets[number] & { error: string })[] }).offsets;
      expect(errors.map((o) => o.error_code)).toEqual([50003, 50003]);
      for (const o of errors) expect(o.error).not.toContain("may still be written");
      expect((await send()).status).toBe(200); // released: not 409

      g.broker.open();
      // As above, an answer that they may still be written holds the key (409) until they settle, then replays theirs.
      let mayBeWritten = false;
      const written = await waitFor(
        async () => {
          const r = await send();
          mayBeWritten ||= r.status === 409 || r.body.includes("may still be written");
          const offsets = r.status === 200 ? (r.json() as { offsets: Offsets }).offsets : undefined;
          return offsets?.every((o) => o.error_code === null) && { r, offsets };
        },
        { timeoutMs: 45_000, what: "the keyed request written" },
      );
      if (!mayBeWritten) expect(written.r.headers["idempotent-replayed"]).toBeUndefined();
      const replay = await send();
      expect([replay.status, replay.headers["idempotent-replayed"]]).toEqual([200, "true"]);
      const records = await readAll(g.topic);
      expect(records.map((r) => [Number(r.offset), JSON.parse(r.value!.toString("utf8"))])).toEqual([
        [written.offsets[0]!.offset, { t: 1 }],
        [written.offsets[1]!.offset, { t: 2 }],
      ]);
    }, 90_000);
  },
);

describe("Idempotency-Key of records the producer holds while the broker does not answer", () => {
  test("held (409, Retry-After; another body 422) while they may still be written; once the broker answers, replayed, each written once", async () => {
    await using dir = await tempDir("ingest-idem-held-");
    await using kafka = await startOwnBroker(dir.file("kafka"));
    const topic = uniqueTopic("ingest-idem-held");
    const admin = kafka.client().admin();
    await admin.connect();
    await createTopicsOn(admin, [{ topic, numPartitions: 1 }]);
    await admin.disconnect();
    await using gw = (await startIngestGateway(dir, outageIngestWorker(kafka, dir.file("data")))).gw;
    await createIngestConnector(gw, "idem-held", {
      "ingest.path": "/ingest/idem-held",
      "kafka.topic": topic,
      "ingest.request.timeout.ms": "1500",
    });
    const url = `${await ingestUrlOf(gw)}/ingest/idem-held`;
    // The producer connected and knows the topic: the keyed request's records are handed to it at once.
    await waitFor(async () => (await curlPost(url, '[{"t":0}]', "application/json")).status === 200, {
      what: "a first request written",
    });
    const send = () => curlPost(url, '[{"t":1},{"t":2}]', "application/json", { "Idempotency-Key": "held-1" });

    await freeze(kafka.pid); // connections open, nothing answered
    try {
      const first = await send();
      expect(first.status).toBe(500);
      expect((first.json() as { message: string }).message).toContain("may still be written");
      const held = await send();
      expect([held.status, held.headers["retry-after"]]).toEqual([409, "5"]);
      expect((held.json() as { message: string }).message).toContain("may still be written");
      // explore23 F3: another body with the held key is 422, not a 409 its client would retry for ever.
      const other = await curlPost(url, '[{"t":3}]', "application/json", { "Idempotency-Key": "held-1" });
      expect(other.status).toBe(422);
    } finally {
      process.kill(kafka.pid, "SIGCONT");
    }

    const replay = await waitFor(
      async () => {
        const r = await send();
        return r.status !== 409 && r;
      },
      { timeoutMs: 45_000, what: "the held key answered" },
    );
    expect([replay.status, replay.headers["idempotent-replayed"]]).toEqual([200, "true"]);
    const offsets = (replay.json() as { offsets: Offsets }).offsets.map((o) => o.offset);
    const records = await readOwnTopic(kafka, topic);
    expect(records.map((r) => [r.offset, JSON.parse(r.value)])).toEqual([
      [0, { t: 0 }],
      [offsets[0], { t: 1 }],
      [offsets[1], { t: 2 }],
    ]);
  }, 120_000);
});
