/**
 * Idempotency-Key while Kafka does not acknowledge (the compiled binary when GATEWAY_BIN is set, the
 * shared broker behind a loopback relay the test opens and closes): a REST Proxy v2 request whose
 * records fail is answered 200 with per-record error codes, and that answer is not kept for its key:
 * a retry with the same key once Kafka is back writes the records, and only that answer is replayed.
 */
import { expect, test } from "bun:test";
import { connect, createServer, type Socket } from "node:net";
import { curlPost } from "./support/curl.ts";
import { createIngestConnector, startIngestGateway } from "./support/gateway.ts";
import { createTopicsOn, kafkaBroker, readTopic, testClient, uniqueTopic } from "./support/kafka.ts";
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

type V2Answer = { offsets: { partition: number | null; offset: number | null; error_code: number | null }[] };

test("v2 with an Idempotency-Key: records not acknowledged answer 200 with error codes, the key is not kept, the retry once Kafka is back writes", async () => {
  const kafka = await kafkaBroker();
  const topic = uniqueTopic("ingest-idem-outage");
  const admin = (await testClient()).admin();
  await admin.connect();
  try {
    await createTopicsOn(admin, [{ topic, numPartitions: 1, replicationFactor: 1 }]);
  } finally {
    await admin.disconnect();
  }
  await using dir = await tempDir();
  await using broker = await relay(kafka.bootstrap);
  const { gw, ingest } = await startIngestGateway(dir, { "bootstrap.servers": `127.0.0.1:${broker.port}` });
  try {
    await createIngestConnector(gw, "idem-outage", {
      "ingest.path": "/ingest/idem-outage",
      "kafka.topic": topic,
      "ingest.request.timeout.ms": "1500",
    });
    const send = () =>
      curlPost(
        `${ingest}/topics/${topic}`,
        '{"records":[{"value":{"t":1}},{"value":{"t":2}}]}',
        "application/vnd.kafka.json.v2+json",
        { "Idempotency-Key": "outage-1" },
      );

    const failed = await send();
    expect(failed.status).toBe(200);
    expect((failed.json() as V2Answer).offsets).toEqual([
      expect.objectContaining({ partition: null, offset: null, error_code: 50003 }),
      expect.objectContaining({ partition: null, offset: null, error_code: 50003 }),
    ]);
    // Not kept: the same key runs again (a kept answer would be replayed, marked Idempotent-Replayed).
    const again = await send();
    expect(again.headers["idempotent-replayed"]).toBeUndefined();
    expect((again.json() as V2Answer).offsets.map((o) => o.error_code)).toEqual([50003, 50003]);

    broker.open();
    // Retries with the key until Kafka acknowledges them (the producer reconnects on its own schedule).
    const written = await waitFor(
      async () => {
        const r = await send();
        const offsets = (r.json() as V2Answer).offsets;
        const replayed = r.headers["idempotent-replayed"] ?? null;
        return replayed !== null || offsets.every((o) => o.error_code === null)
          ? { body: r.body, offsets, replayed }
          : false;
      },
      { timeoutMs: 60_000, what: "a retry with the key written" },
    );
    expect(written.replayed).toBeNull(); // a failure replayed would never be written
    const replay = await send();
    expect([replay.status, replay.body, replay.headers["idempotent-replayed"]]).toEqual([200, written.body, "true"]);

    const last = Math.max(...written.offsets.map((o) => o.offset!));
    const records = await readTopic(topic, last + 1);
    const at = (offset: number) => records.find((r) => r.offset === String(offset))?.value?.toString("utf8");
    expect(written.offsets.map((o) => JSON.parse(at(o.offset!) ?? "null"))).toEqual([{ t: 1 }, { t: 2 }]);
  } finally {
    await gw.kill();
  }
}, 120_000);
