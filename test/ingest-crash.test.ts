/**
 * kill -9 of the gateway (the compiled binary when GATEWAY_BIN is set) under concurrent device load
 * on the real broker: every record whose request was answered 2xx is in Kafka afterwards, in both
 * acknowledgement modes. Duplicates (at-least-once) are counted and printed; records of requests
 * that got no answer or an error may be there or not (counted, no claim).
 * - spool mode, killed while requests are answered and Kafka drains them;
 * - spool mode, killed while Kafka is unreachable (every acknowledged record only in the spool),
 *   then killed again in the middle of the drain: nothing is left in the spool file, its
 *   quarantine stays empty and the task is RUNNING after each restart;
 * - kafka mode (a 2xx means Kafka acknowledged), killed mid-load.
 */
import { describe, expect, test } from "bun:test";
import { type Gateway, ingestUrlOf, metric, taskState } from "./support/gateway.ts";
import {
  delivery,
  ingestConnector,
  ingestLoad,
  NAME,
  PATH,
  spoolRows,
  startCrashIngestGateway,
} from "./support/ingest-load.ts";
import { createTopic, uniqueTopic } from "./support/kafka.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const spoolRecords = (gw: Gateway) => metric(gw, "ingest_spool_records", NAME);
const drained = (gw: Gateway) => metric(gw, "ingest_spool_drained_total", NAME);

/** Kills `gw` once `condition` holds under load, then stops the load. */
async function killWhen(gw: Gateway, load: ReturnType<typeof ingestLoad>, condition: () => Promise<boolean>) {
  load.start(`${await ingestUrlOf(gw)}${PATH}`);
  try {
    await waitFor(condition, { what: "the moment to kill", timeoutMs: 60_000 });
  } finally {
    await gw.kill();
    await load.stop();
  }
}

/** After the spool drained on `gw`: every acknowledged record in Kafka, nothing left in the file. */
/** A gateway started again on `dir` (Kafka up) drains the spool: every acknowledged record is delivered. */
async function restartAndExpectDelivered(dir: TempDir, topic: string, load: ReturnType<typeof ingestLoad>) {
  const gw = await startCrashIngestGateway(dir, "up");
  try {
    await expectSpoolDelivered(gw, dir, topic, load);
  } finally {
    await gw.kill();
  }
}

async function expectSpoolDelivered(gw: Gateway, dir: TempDir, topic: string, load: ReturnType<typeof ingestLoad>) {
  await waitFor(async () => (await spoolRecords(gw)) === 0, { what: "the spool drained", timeoutMs: 120_000 });
  expect(await taskState(gw, NAME)).toBe("RUNNING");
  const result = await delivery(topic, load);
  console.log(`ingest kill -9 (spool): ${JSON.stringify({ ...result, lost: result.lost.length })}`);
  expect(result.lost).toEqual([]);
  expect(await gw.stop()).toBe(0);
  // The drainer's deletes are committed before a graceful stop ends: no row, mark or quarantined record stays.
  expect(spoolRows(dir.file("data/spool.db"))).toEqual({ spool: 0, acked: 0, quarantine: 0 });
}

describe("device ingest after kill -9", () => {
  test("spool mode, killed under load while Kafka drains: every acknowledged record is in Kafka", async () => {
    await using dir = await tempDir("ingest-crash-spool-");
    const topic = uniqueTopic("ingest-crash-spool");
    await createTopic(topic, 2);
    const load = ingestLoad(8);
    const first = await startCrashIngestGateway(dir, "up", ingestConnector(topic, "spool"));
    await killWhen(first, load, async () => load.requestsAcked() >= 400 && ((await drained(first)) ?? 0) > 0);
    expect(load.acked.length).toBeGreaterThanOrEqual(400);

    await restartAndExpectDelivered(dir, topic, load);
  }, 240_000);

  test("spool mode, killed while Kafka is unreachable and again mid-drain: nothing acknowledged is lost", async () => {
    await using dir = await tempDir("ingest-crash-spool-down-");
    const topic = uniqueTopic("ingest-crash-spool-down");
    await createTopic(topic, 2);
    const load = ingestLoad(8);
    // Small poll batches, one produce request in flight: the backlog takes a while to drain.
    const slowDrain = {
      ...ingestConnector(topic, "spool"),
      "ingest.poll.max.records": "5",
      "producer.override.max.in.flight.requests.per.connection": "1",
    };
    const offline = await startCrashIngestGateway(dir, "down", slowDrain);
    let held = 0;
    await killWhen(offline, load, async () => {
      if (load.requestsAcked() < 300) return false;
      held = (await spoolRecords(offline)) ?? 0;
      return true;
    });
    // Kafka was never reached: every acknowledged record was in the spool file only.
    expect(held).toBeGreaterThan(0);
    expect(load.acked.length).toBeGreaterThanOrEqual(held);

    const draining = await startCrashIngestGateway(dir, "up");
    let during = { drained: 0, left: 0 };
    await killWhen(draining, load, async () => {
      const [d, left] = [(await drained(draining)) ?? 0, (await spoolRecords(draining)) ?? 0];
      during = { drained: d, left };
      return d > 0 && left > 0;
    });
    console.log(
      `ingest kill -9 (spool): ${held} records spooled offline; killed mid-drain at ${JSON.stringify(during)}`,
    );
    expect(during.drained).toBeLessThan(held); // killed while the offline backlog was being sent

    await restartAndExpectDelivered(dir, topic, load);
  }, 240_000);

  test("kafka mode, killed under load: every record answered 2xx is in Kafka", async () => {
    await using dir = await tempDir("ingest-crash-kafka-");
    const topic = uniqueTopic("ingest-crash-kafka");
    await createTopic(topic, 2);
    const load = ingestLoad(8);
    const first = await startCrashIngestGateway(dir, "up", ingestConnector(topic, "kafka"));
    await killWhen(first, load, async () => load.requestsAcked() >= 400);
    // A 2xx in kafka mode comes after Kafka's acknowledgement: no restart is needed to find them.
    const result = await delivery(topic, load);
    console.log(`ingest kill -9 (kafka): ${JSON.stringify({ ...result, lost: result.lost.length })}`);
    expect(result.lost).toEqual([]);
    expect(result.acked).toBeGreaterThanOrEqual(400);
    await using gw = await startCrashIngestGateway(dir, "up");
    expect(await taskState(gw, NAME)).toBe("RUNNING");
  }, 240_000);
});
