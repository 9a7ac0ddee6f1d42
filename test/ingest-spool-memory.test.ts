/**
 * The worker's ingest.spool.memory.max.bytes on the gateway (compiled binary when GATEWAY_BIN is
 * set) with the test's own broker, stopped for a while: three ingest.ack.mode=spool connectors
 * take records while Kafka is away. Each would keep up to 32 MiB of them in memory for its
 * drainer; together they keep at most the worker's cap (`ingest_spool_memory_bytes` on /metrics),
 * the rest is read back from the spool file. Once the broker is back, every record reaches Kafka
 * once, in order.
 */
import { describe, expect, test } from "bun:test";
import { type Gateway, startGateway } from "./support/gateway.ts";
import { uniqueTopic } from "./support/kafka.ts";
import { outageIngestWorker, readOwnTopic, startOwnBroker } from "./support/own-broker.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const CAP = 20_000;
const PAD = "x".repeat(1000);
const PER_CONNECTOR = 15;

async function post(url: string, name: string, n: number): Promise<number> {
  const response = await fetch(`${url}/ingest/${name}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ n, pad: PAD }),
  });
  await response.arrayBuffer();
  return response.status;
}

async function metric(gw: Gateway, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  return Number(pattern.exec(text)?.[1] ?? Number.NaN);
}

describe("ingest.spool.memory.max.bytes", () => {
  test("spool connectors in an outage keep their recent records in memory within the worker's cap together; all delivered once after", async () => {
    await using dir = await tempDir("ingest-spool-memory-");
    await using broker = await startOwnBroker(dir.file("kafka"));
    const names = ["a", "b", "c"];
    const topics = new Map(names.map((n) => [n, uniqueTopic(`spool-memory-${n}`)]));
    await using gw = await startGateway({
      dir: dir.path,
      worker: { ...outageIngestWorker(broker, dir.file("data")), "ingest.spool.memory.max.bytes": String(CAP) },
    });
    const url = (await gw.waitForOutput(/Ingest listener open at (http:\/\/[^\s]+?)\/?\s/))[1]!;
    const records = (name: string) =>
      metric(gw, new RegExp(`^ingest_spool_records\\{connector="${name}"\\} (\\d+)$`, "m"));
    const memory = () => metric(gw, /^ingest_spool_memory_bytes (\d+)$/m);
    for (const name of names) {
      const config = {
        "connector.class": "HttpIngestSource",
        "ingest.path": `/ingest/${name}`,
        "kafka.topic": topics.get(name)!,
        "ingest.ack.mode": "spool",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
      };
      expect((await gw.rest.post("/connectors", { name, config })).status).toBe(201);
      await waitFor(async () => (await post(url, name, 0)) === 200, { what: `the route of ${name}` });
      await waitFor(async () => (await records(name)) === 0, { what: `the spool of ${name} drained` });
    }

    await broker.stop();
    let highest = 0;
    for (let n = 1; n <= PER_CONNECTOR; n++) {
      for (const name of names) {
        expect(await post(url, name, n)).toBe(200);
        const held = await memory();
        expect(held).toBeLessThanOrEqual(CAP);
        highest = Math.max(highest, held);
      }
    }
    // Kept in memory up to the cap (~3 KB a request: record, payload, buffer), more was spooled.
    expect(highest).toBeGreaterThan(0);
    for (const name of names) expect(await records(name)).toBeGreaterThan(0);

    await broker.restart();
    for (const name of names) {
      await waitFor(async () => (await records(name)) === 0, {
        what: `the spool of ${name} drained`,
        timeoutMs: 90_000,
      });
      const delivered = (await readOwnTopic(broker, topics.get(name)!)).map((r) => JSON.parse(r.value).n);
      expect(delivered).toEqual(Array.from({ length: PER_CONNECTOR + 1 }, (_, i) => i));
    }
  }, 240_000);
});
