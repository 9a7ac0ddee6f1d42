/**
 * The worker's ingest.spool.total.max.bytes on the gateway (compiled binary when GATEWAY_BIN is
 * set) with the test's own broker, stopped for a while: two ingest.ack.mode=spool connectors fill
 * the spool to the worker's cap together while Kafka is away; the next request (to either, far
 * under its connector's own ingest.spool.max.bytes) is 503 with Retry-After and a message naming
 * the worker key, and nothing of it reaches Kafka; once the broker is back and the drainers sent
 * what was held, requests are accepted again. Then, the broker still away, one connector is deleted
 * (its record stays in the spool file) and the gateway restarted: it logs a WARN naming the deleted
 * connector; a new spool connector holding nothing gets one request in past the cap (not a second),
 * `/metrics` shows the worker's total and cap, and once the deleted connector is created again and
 * the broker is back, everything reaches Kafka.
 */
import { describe, expect, test } from "bun:test";
import { type Gateway, startGateway } from "./support/gateway.ts";
import { uniqueTopic } from "./support/kafka.ts";
import { type OwnBroker, outageIngestWorker, readOwnTopic, startOwnBroker } from "./support/own-broker.ts";
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

/** The worker-wide spool gauges (no labels) from /metrics. */
async function total(gw: Gateway): Promise<{ bytes: number; max: number }> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const of = (metric: string) => Number(new RegExp(`^${metric} (\\d+)$`, "m").exec(text)?.[1] ?? Number.NaN);
  return { bytes: of("ingest_spool_total_bytes"), max: of("ingest_spool_total_max_bytes") };
}

/** The `n` of every record of `topic` (a fresh consumer, from the beginning), once `count` arrived. */
/** The `n` of every record in `topic` (each position once, so a record written twice shows twice), sorted. */
async function numbersIn(broker: OwnBroker, topic: string): Promise<number[]> {
  return (await readOwnTopic(broker, topic)).map((r) => JSON.parse(r.value).n as number).sort((x, y) => x - y);
}

describe("ingest.spool.total.max.bytes", () => {
  test("two spool connectors share the worker's cap: past it 503 with Retry-After, nothing written; a deleted connector's rows: WARN at start, a new connector still gets one request in; all delivered in the end", async () => {
    await using dir = await tempDir("ingest-spool-total-");
    await using broker = await startOwnBroker(dir.file("kafka"));
    const [topicA, topicB, topicC] = ["a", "b", "c"].map((c) => uniqueTopic(`spool-total-${c}`)) as [
      string,
      string,
      string,
    ];
    const worker = { ...outageIngestWorker(broker, dir.file("data")), "ingest.spool.total.max.bytes": String(CAP) };
    const ingestUrl = async (g: Gateway) =>
      (await g.waitForOutput(/Ingest listener open at (http:\/\/[^\s]+?)\/?\s/))[1]!;
    const create = async (g: Gateway, name: string, topic: string) =>
      expect((await g.rest.post("/connectors", { name, config: spoolConnector(name, topic) })).status).toBe(201);
    // This gateway deletes a connector and stops with Kafka away: each spool task's stop then waits
    // for the worker's graceful timeout (it cannot end) and is abandoned, after 1 s instead of 5.
    await using gw = await startGateway({
      dir: dir.path,
      worker: { ...worker, "task.shutdown.graceful.timeout.ms": "1000" },
    });
    const url = await ingestUrl(gw);
    for (const [name, topic] of [
      ["a", topicA],
      ["b", topicB],
    ] as const) {
      await create(gw, name, topic);
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
    expect(await total(gw)).toEqual({ bytes: a.bytes + b.bytes, max: CAP });

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

    // b deleted: its record stays in the file, counted, with no drainer; the restarted gateway says so.
    expect((await gw.rest.delete("/connectors/b")).status).toBe(204);
    await gw.stop();
    await using gw2 = await startGateway({ dir: dir.path, worker });
    const url2 = await ingestUrl(gw2);
    await gw2.waitForOutput(
      new RegExp(
        `WARN The spool file holds 1 records \\(${b.bytes} bytes\\) of connector b, which does not exist \\(deleted\\?\\): no task drains them and count in ingest\\.spool\\.total\\.max\\.bytes=${CAP}\\. Create a connector named b with ingest\\.ack\\.mode=spool to send them to Kafka`,
      ),
    );
    expect(gw2.output()).not.toMatch(/records \(\d+ bytes\) of connector a,/);
    await waitFor(async () => (await total(gw2)).bytes === a.bytes + b.bytes, { what: "the total after the restart" });

    // c holds nothing: its request is taken past the cap, the next one is not; a (holding one) is refused.
    await create(gw2, "c", topicC);
    const first = await waitFor(
      async () => {
        const response = await post(url2, "c", 5);
        return response.status !== 404 && response;
      },
      { what: "the route of c" },
    );
    expect(first.status).toBe(200);
    expect((await spool(gw2, "c")).records).toBe(1);
    const over = a.bytes + b.bytes + (await spool(gw2, "c")).bytes;
    expect(over).toBeGreaterThan(CAP);
    expect(await total(gw2)).toEqual({ bytes: over, max: CAP });
    for (const name of ["c", "a"]) expect((await post(url2, name, 6)).status).toBe(503);

    await create(gw2, "b", topicB);
    await broker.restart();
    for (const name of ["a", "b", "c"]) {
      await waitFor(async () => (await spool(gw2, name)).records === 0, {
        what: `the spool of ${name} drained after the outage`,
        timeoutMs: 120_000,
      });
    }
    expect((await total(gw2)).bytes).toBe(0);
    expect((await post(url2, "a", 3)).status).toBe(200);
    await waitFor(async () => (await spool(gw2, "a")).records === 0, { what: "the spool of a drained again" });

    expect(await numbersIn(broker, topicA)).toEqual([0, 1, 3]);
    expect(await numbersIn(broker, topicB)).toEqual([0, 1]);
    expect(await numbersIn(broker, topicC)).toEqual([5]);
    // Its own broker starts twice (a JVM each, up to 120 s under load) beside two gateway starts and
    // waits of up to 120 s: CI's 60 s per test cut it off on a loaded machine, as the other own-broker tests.
  }, 300_000);
});
