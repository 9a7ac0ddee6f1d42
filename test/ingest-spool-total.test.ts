/**
 * The worker's ingest.spool.total.max.bytes on the gateway (compiled binary when GATEWAY_BIN is
 * set) with the test's own broker, stopped for a while: two ingest.ack.mode=spool connectors fill
 * the spool to the worker's cap together while Kafka is away; the next request (to either, far
 * under its connector's own ingest.spool.max.bytes) is 503 with Retry-After and a message naming
 * the worker key, and nothing of it reaches Kafka; once the broker is back and the drainers sent
 * what was held, requests are accepted again.
 */
import { describe, expect, test } from "bun:test";
import type { Kafka } from "kafkajs";
import { type Gateway, startGateway } from "./support/gateway.ts";
import { uniqueTopic } from "./support/kafka.ts";
import { startOwnBroker } from "./support/own-broker.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const CAP = 2500;
const PAD = "x".repeat(1000); // a spooled request of one record is a little over 1000 bytes

function spoolConnector(name: string, topic: string) {
  return {
    "connector.class": "HttpIngestSource",
    "ingest.path": `/ingest/${name}`,
    "kafka.topic": topic,
    "ingest.ack.mode": "spool",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter.schemas.enable": "false",
  };
}

async function post(url: string, name: string, n: number): Promise<Response> {
  const response = await fetch(`${url}/ingest/${name}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ n, pad: PAD }),
  });
  await response.clone().arrayBuffer();
  return response;
}

/** The spool's records and bytes per connector, from /metrics. */
async function spool(gw: Gateway, connector: string): Promise<{ records: number; bytes: number }> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const of = (metric: string) =>
    Number(new RegExp(`${metric}\\{connector="${connector}"\\} (\\d+)`).exec(text)?.[1] ?? Number.NaN);
  return { records: of("ingest_spool_records"), bytes: of("ingest_spool_bytes") };
}

/** The `n` of every record of `topic` (a fresh consumer, from the beginning), once `count` arrived. */
async function numbersIn(kafka: Kafka, topic: string, count: number): Promise<number[]> {
  const seen: number[] = [];
  const consumer = kafka.consumer({ groupId: `check-${topic}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(JSON.parse(message.value!.toString()).n) });
  await waitFor(() => seen.length >= count, { what: `${count} records in ${topic}`, timeoutMs: 60_000 });
  await consumer.disconnect();
  const admin = kafka.admin();
  await admin.connect();
  const end = (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
  await admin.disconnect();
  expect(end).toBe(seen.length); // nothing beyond what was read
  return seen.sort((x, y) => x - y);
}

describe("ingest.spool.total.max.bytes", () => {
  test("two spool connectors share the worker's cap: past it 503 with Retry-After, nothing written; accepted again once drained", async () => {
    await using dir = await tempDir("ingest-spool-total-");
    await using broker = await startOwnBroker(dir.file("kafka"));
    const [topicA, topicB] = [uniqueTopic("spool-total-a"), uniqueTopic("spool-total-b")];
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": broker.bootstrap,
        "data.dir": dir.file("data"),
        "offset.flush.interval.ms": "200",
        "request.timeout.ms": "2000",
        "socket.connection.setup.timeout.ms": "2000",
        "ingest.listeners": "http://127.0.0.1:0",
        "ingest.spool.total.max.bytes": String(CAP),
      },
    });
    const url = (await gw.waitForOutput(/Ingest listener open at (http:\/\/[^\s]+?)\/?\s/))[1]!;
    for (const [name, topic] of [
      ["a", topicA],
      ["b", topicB],
    ] as const) {
      expect((await gw.rest.post("/connectors", { name, config: spoolConnector(name, topic) })).status).toBe(201);
      await waitFor(async () => (await post(url, name, 0)).status === 200, { what: `the route of ${name}` });
      await waitFor(async () => (await spool(gw, name)).records === 0, { what: `the spool of ${name} drained` });
    }

    await broker.stop();
    expect((await post(url, "a", 1)).status).toBe(200);
    expect((await post(url, "b", 1)).status).toBe(200);
    const [a, b] = [await spool(gw, "a"), await spool(gw, "b")];
    expect([a.records, b.records]).toEqual([1, 1]);
    expect(a.bytes + b.bytes).toBeLessThanOrEqual(CAP);
    expect(a.bytes + b.bytes + a.bytes).toBeGreaterThan(CAP);

    for (const name of ["a", "b"]) {
      const refused = await post(url, name, 2);
      expect([refused.status, refused.headers.get("Retry-After"), await refused.json()]).toEqual([
        503,
        "5",
        {
          error_code: 503,
          message: `The spool of this worker is full (${a.bytes + b.bytes} bytes held by all its connectors, ingest.spool.total.max.bytes=${CAP}); retry later`,
        },
      ]);
    }
    expect([(await spool(gw, "a")).records, (await spool(gw, "b")).records]).toEqual([1, 1]);

    await broker.restart();
    for (const name of ["a", "b"]) {
      await waitFor(async () => (await spool(gw, name)).records === 0, {
        what: `the spool of ${name} drained after the outage`,
        timeoutMs: 120_000,
      });
    }
    expect((await post(url, "a", 3)).status).toBe(200);
    await waitFor(async () => (await spool(gw, "a")).records === 0, { what: "the spool of a drained again" });

    const kafka = broker.client();
    expect(await numbersIn(kafka, topicA, 3)).toEqual([0, 1, 3]);
    expect(await numbersIn(kafka, topicB, 2)).toEqual([0, 1]);
  });
});
