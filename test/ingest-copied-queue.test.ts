/**
 * The header values every record of a request repeats (here a long `X-Kafka-Key`) count in the
 * bytes the task's queue holds (ingest.queue.max.bytes), not only in one request's 413 (review37).
 * Before, the queue counted a record's bytes as received without them: on the binary with defaults,
 * 300 concurrent requests of 64 records with a 15 KB key (~4.5 MB sent) asked ~288 MB of records
 * while Kafka was slow, RSS 85 → 572 MB, and a small request 60 s later still timed out. The
 * gateway (the compiled binary when GATEWAY_BIN is set) on the shared broker. The route's producer
 * bootstraps through a proxy that holds its connections until the test lets them through, so the
 * first request's records stay in the queue (awaiting Kafka) while the burst arrives; once Kafka
 * is reached they are written and the route answers a small request.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { connect, createServer, type Socket } from "node:net";
import { fastHash } from "../src/rest/auth/test-support.ts";
import { createIngestConnector, metric } from "./support/gateway.ts";
import { createTopic, readAll, uniqueTopic } from "./support/kafka.ts";
import { parsePrometheus, sampleValue } from "./support/prometheus-text.ts";
import { suiteGateway } from "./support/suite-gateway.ts";
import { waitFor } from "./support/wait-for.ts";

const TOPIC = uniqueTopic("ingest-copied-queue");
const LIMIT = 65_536;
const suite = suiteGateway({ "ingest.listeners": "http://127.0.0.1:0" });

/** A TCP proxy to the broker that holds every connection (reading nothing) until `release`. */
function heldProxy(host: string, port: number) {
  let released = false;
  const held: Socket[] = [];
  const pipe = (client: Socket) => {
    const upstream = connect(port, host);
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
    client.pipe(upstream).pipe(client);
    client.resume();
  };
  const server = createServer({ pauseOnConnect: true }, (client) => {
    if (released) pipe(client);
    else held.push(client);
  });
  return {
    server,
    listening: new Promise<number>((resolve) =>
      server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)),
    ),
    release() {
      released = true;
      for (const client of held.splice(0)) pipe(client);
    },
  };
}

let proxy: ReturnType<typeof heldProxy>;

afterAll(() => proxy?.server.close());

beforeAll(async () => {
  await createTopic(TOPIC, 1);
  const [host, port] = suite.kafka.bootstrap.split(":") as [string, string];
  proxy = heldProxy(host, Number(port));
  await createIngestConnector(suite.gw, "copies", {
    "kafka.topic": TOPIC,
    "ingest.path": "/ingest/copies",
    "ingest.key.source": "header",
    "ingest.max.body.bytes": String(LIMIT),
    "ingest.queue.max.bytes": String(LIMIT),
    // Before the fix the burst was queued behind the held first request: answered at this timeout.
    "ingest.request.timeout.ms": "10000",
    "producer.override.bootstrap.servers": `127.0.0.1:${await proxy.listening}`,
  });
});

/** 64 records of a 1,000-byte key each: 64,000 bytes of copies, within ingest.max.body.bytes, from a 129-byte body. */
const send = (key: string, body = `[${Array(64).fill(0).join(",")}]`) =>
  fetch(`${suite.ingest}/ingest/copies`, {
    method: "POST",
    body,
    headers: { "Content-Type": "application/json", "X-Kafka-Key": key },
  });

test("concurrent requests whose key copies pass ingest.queue.max.bytes get 503 with Retry-After, and the route answers once Kafka takes the records", async () => {
  const first = send("a".repeat(1_000));
  await waitFor(async () => ((await metric(suite.gw, "ingest_produce_batch_records_count", "copies")) ?? 0) >= 1, {
    what: "the first request's records handed to the producer",
  });
  // Before: each of these counted 64 bytes, all were queued behind the first (20 × 64,000 bytes of keys).
  const burst = await Promise.all(
    Array.from({ length: 20 }, async (_, i) => {
      const r = await send(String(i % 10).repeat(1_000));
      return {
        status: r.status,
        retryAfter: r.headers.get("Retry-After"),
        message: ((await r.json()) as { message: string }).message,
      };
    }),
  );
  // Each answered at once (nothing of it queued), whatever the held bytes were when it arrived.
  expect(burst.filter((b) => b.status !== 503 || b.retryAfter !== "5" || !queueFull(b.message))).toEqual([]);

  proxy.release();
  expect((await first).status).toBe(200);
  // Larger than ingest.queue.max.bytes with its copies (64 × (1 + 1,024) = 65,600 bytes; the copies
  // alone, 65,536, are within ingest.max.body.bytes): taken, the queue holding nothing.
  const large = await send("b".repeat(1_024));
  expect(large.status).toBe(200);
  const small = await send("small", "1");
  expect(small.status).toBe(200);
  // The accepted-bytes metric counts the copies too: 64 × (1 + 1,000) + 64 × (1 + 1,024) + (1 + 5).
  const scraped = parsePrometheus(await (await fetch(`${suite.gw.url}/metrics`)).text());
  expect(sampleValue(scraped, "ingest_bytes_accepted_total", { route: "/ingest/copies" })).toBe(64_064 + 65_600 + 6);
  const written = await readAll(TOPIC);
  expect(written.map((r) => r.key?.toString())).toEqual([
    ...Array(64).fill(`"${"a".repeat(1_000)}"`),
    ...Array(64).fill(`"${"b".repeat(1_024)}"`),
    '"small"',
  ]);
}, 120_000);

/** Whether `message` is the queue's 503 (the bytes it names held vary with timing). */
function queueFull(message: string): boolean {
  return /^The ingest queue is full \(\d+ bytes of records, ingest\.queue\.max\.bytes=65536 awaiting Kafka\); retry later$/.test(
    message,
  );
}

// bodyfair: the identity stamped on every record (ingest.identity.header, here from basic
// authentication) is one more copy each record carries; it was not counted in the records' size
// that ingest.queue.max.bytes holds and the accepted-bytes metric adds up.
test("the stamped identity header counts in each record's size, as the other copies do", async () => {
  await Bun.write(suite.dir.file("devices.creds"), `meter-1:${await fastHash.bcrypt("meter-pass-1")}\n`);
  const topic = uniqueTopic("ingest-identity-bytes");
  await createTopic(topic, 1);
  const created = await suite.gw.rest.post("/connectors", {
    name: "identity",
    config: {
      "connector.class": "HttpIngestSource",
      "kafka.topic": topic,
      "ingest.path": "/ingest/identity",
      "ingest.auth.methods": "basic",
      "ingest.auth.basic.credentials.file": suite.dir.file("devices.creds"),
    },
  });
  expect(created.status).toBe(201);
  const post = () =>
    fetch(`${suite.ingest}/ingest/identity`, {
      method: "POST",
      body: "[1,2,3]",
      headers: {
        "Content-Type": "application/json",
        Authorization: `Basic ${Buffer.from("meter-1:meter-pass-1").toString("base64")}`,
      },
    });
  await waitFor(async () => (await post()).status === 200, { what: "the identity route answering" });
  const accepted = async () =>
    sampleValue(parsePrometheus(await (await fetch(`${suite.gw.url}/metrics`)).text()), "ingest_bytes_accepted_total", {
      route: "/ingest/identity",
    });
  const before = (await accepted()) ?? 0;
  expect((await post()).status).toBe(200);
  // Three records of one byte, each with the 7 bytes of `meter-1` in its ingest.identity header.
  expect(((await accepted()) ?? 0) - before).toBe(3 * (1 + 7));
});
