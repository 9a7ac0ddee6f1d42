/**
 * Task spooldup (found by test/chaos-outage.test.ts, seeds 12, 34, 44), on the compiled binary and a broker of the
 * test's own: a backlog spooled during a broker outage drains within a second once the broker is back, and a SIGKILL
 * as soon as Kafka holds all of it and the gateway learnt so re-sends at most what README "held delete" allows (held
 * deletes write at once when they cover 1 MiB of records: at most that, plus the deletes on their way to the spool's
 * worker), not the whole backlog. Before, every delete of the drain waited the 2 s hold for an append commit that no
 * device sent: 10,000 duplicates of 10,000 records (now 0 or 500).
 */
import { describe, expect, test } from "bun:test";
import { countOf } from "./support/counts.ts";
import { type Gateway, ingestUrlOf, startGateway } from "./support/gateway.ts";
import { createTopicsOn, uniqueTopic } from "./support/kafka.ts";
import { outageIngestWorker, readOwnTopic, startOwnBroker, topicEnd } from "./support/own-broker.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const REQUESTS = 100;
const PER_REQUEST = 100;
/** About 700 spooled bytes a record: a backlog of ~7 MB, over three times the bound. */
const PAD = "x".repeat(580);
/** The held deletes' bound (1 MiB of records), and as much again on its way to the worker when the kill comes. */
const BOUND_BYTES = 2 * 1_048_576;

/** The connector's sample of `name`; undefined until its spool is open. */
async function metric(gw: Gateway, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const m = new RegExp(`^${name}\\{connector="backlog"\\} (\\d+)`, "m").exec(text);
  return m ? Number(m[1]) : undefined;
}

describe("a spool backlog drained after a broker outage", () => {
  test("a SIGKILL once Kafka acknowledged all of it re-sends at most 2 MiB of it, not the whole backlog", async () => {
    await using dir = await tempDir("spool-backlog-crash-");
    await using broker = await startOwnBroker(dir.file("kafka"));
    const topic = uniqueTopic("spool-backlog");
    const admin = broker.client().admin();
    await admin.connect();
    await createTopicsOn(admin, [{ topic, numPartitions: 1 }]);
    await admin.disconnect();
    // Offsets flushed as rarely as by default (60 s) or less: a committed offset would delete the rows at the restart
    // whatever the spool held, and the test would not see the held deletes.
    const worker = { ...outageIngestWorker(broker, dir.file("data")), "offset.flush.interval.ms": "600000" };
    const options = { dir: dir.path, worker };
    await using gw = await startGateway(options);
    const config = {
      "connector.class": "HttpIngestSource",
      "ingest.path": "/ingest/backlog",
      "kafka.topic": topic,
      "ingest.ack.mode": "spool",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
    };
    expect((await gw.rest.post("/connectors", { name: "backlog", config })).status).toBe(201);
    const url = `${await ingestUrlOf(gw)}/ingest/backlog`;
    const post = async (records: object[]) => {
      const headers = { "Content-Type": "application/json" };
      const r = await fetch(url, { method: "POST", headers, body: JSON.stringify(records) });
      await r.arrayBuffer();
      return r.status;
    };
    await waitFor(async () => (await post([{ n: -1 }])) === 200, { what: "the spool route" });
    await waitFor(async () => (await topicEnd(broker, topic)) === 1, { what: "the warm-up record in Kafka" });
    await waitFor(async () => (await metric(gw, "ingest_spool_records")) === 0, { what: "the warm-up drained" });

    await broker.stop();
    for (let r = 0; r < REQUESTS; r++) {
      const records = Array.from({ length: PER_REQUEST }, (_, i) => ({ n: r * PER_REQUEST + i, pad: PAD }));
      expect(await post(records)).toBe(200);
    }
    const total = REQUESTS * PER_REQUEST;
    expect(await metric(gw, "ingest_spool_records")).toBe(total);
    const bytesPerRecord = (await metric(gw, "ingest_spool_bytes"))! / total;
    const drainedBefore = (await metric(gw, "ingest_spool_drained_total"))!;

    await broker.restart();
    const restarted = performance.now();
    const timeline: string[] = [];
    const at = (what: string) => timeline.push(`${what} +${Math.round(performance.now() - restarted)} ms`);
    await waitFor(async () => (await topicEnd(broker, topic)) === 1 + total, {
      what: "Kafka holding the whole backlog",
      timeoutMs: 120_000,
      intervalMs: 5,
    });
    at("Kafka holds the backlog");
    await waitFor(async () => (await metric(gw, "ingest_spool_drained_total"))! - drainedBefore === total, {
      what: "the gateway's acknowledgements of the backlog",
      timeoutMs: 60_000,
      intervalMs: 5,
    });
    at("the task saw every acknowledgement");
    await gw.kill();
    at("killed");

    await using after = await startGateway(options);
    await waitFor(async () => (await metric(after, "ingest_spool_records")) === 0, {
      what: "the spool drained after the restart",
      timeoutMs: 120_000,
    });
    const records = await readOwnTopic(broker, topic);
    const copies = countOf(records.map((r) => (JSON.parse(r.value) as { n: number }).n));
    const duplicates = records.length - copies.size;
    console.log(
      `spool backlog crash: ${total} spooled (${bytesPerRecord} bytes each), ${duplicates} duplicates; ${timeline.join(", ")}`,
    );
    expect([...Array(total).keys()].filter((n) => !copies.has(n))).toEqual([]);
    expect(duplicates * bytesPerRecord).toBeLessThanOrEqual(BOUND_BYTES);
  }, 300_000);
});
