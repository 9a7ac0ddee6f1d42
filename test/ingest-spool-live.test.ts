/**
 * Store-and-forward while devices keep posting (the compiled binary when GATEWAY_BIN is set): eight
 * devices post numbered records keyed by their id at a steady rate (8 × 10 records every 20 ms,
 * 4,000 records/s) before, during and after Kafka is unreachable, and keep posting while the spool
 * drains its backlog. A consumer then checks that every acknowledged record is in Kafka, that the
 * first copies of each key's records are in the device's order (a live record never overtakes an
 * older spooled one of its key: in spool mode every record goes through the spool, whose one
 * drainer sends it in sequence order) and all in one partition; duplicates are counted (README:
 * at-least-once, copies only after a crash, a send whose answer was lost, a failed batch).
 * - the test's own broker stopped, the backlog drained under live load, and the broker killed
 *   (kill -9) in the middle of that drain and restarted;
 * - on the shared broker, a backlog spooled while Kafka was unreachable (a burst: 250 records a
 *   request), then the gateway stopped
 *   (SIGTERM) in the middle of its drain and killed (kill -9) in the middle of the next one.
 * The two run at once (test.concurrent), each with its own gateway, topic and devices.
 */
import { expect, test } from "bun:test";
import { type Gateway, ingestUrlOf, metric, startGateway, taskState } from "./support/gateway.ts";
import { crashWorker } from "./support/ingest-load.ts";
import { createTopic, createTopicsOn, readAll, testClient, uniqueTopic } from "./support/kafka.ts";
import { type LiveDevices, spoolDelivery, startLiveDevices } from "./support/live-devices.ts";
import { outageIngestWorker, ownBrokersUntilFileEnds, readOwnTopic } from "./support/own-broker.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const startOwnBroker = ownBrokersUntilFileEnds();

const NAME = "live";
const PATH = "/ingest/live";
const LOAD = { devices: 8, batch: 10, tickMs: 20, valueBytes: 200 };

function liveConnector(topic: string) {
  return {
    "connector.class": "HttpIngestSource",
    "ingest.path": PATH,
    "kafka.topic": topic,
    "ingest.ack.mode": "spool",
    "ingest.key.source": "header",
    "key.converter": "org.apache.kafka.connect.storage.StringConverter",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter.schemas.enable": "false",
  };
}

const depth = (gw: Gateway) => metric(gw, "ingest_spool_records", NAME);

/** The route's URL once it answers (an empty batch: 422, nothing written) and the task runs. */
async function routeUrl(gw: Gateway): Promise<string> {
  const url = `${await ingestUrlOf(gw)}${PATH}`;
  const empty = () => fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: "[]" });
  await waitFor(async () => (await empty()).status === 422 && (await taskState(gw, NAME)) === "RUNNING", {
    what: "the ingest route and a RUNNING task",
  });
  return url;
}

/** Waits until `devices` have `more` acknowledgements beyond what they have now. */
async function acknowledged(devices: LiveDevices, more: number, what: string): Promise<void> {
  const target = devices.ackedCount() + more;
  await waitFor(() => devices.ackedCount() >= target, { what, timeoutMs: 120_000 });
}

/**
 * Waits for the drain to be under way (the spool down to `fraction` of `backlog` or below) and
 * returns the depth then: more than 0, the drain is not over (the caller then stops something).
 * A fraction near 1 leaves most of the drain to observe it in: a drain of ~12,000 records can take
 * less than a few scrapes of /metrics (ci101 saw 0 with 0.7).
 */
async function midDrain(gw: Gateway, backlog: number, fraction: number): Promise<number> {
  const seen = await waitFor(
    async () => {
      const d = await depth(gw);
      return d !== undefined && d <= backlog * fraction && { d };
    },
    { what: `the spool drained below ${fraction} of ${backlog}`, timeoutMs: 120_000, intervalMs: 10 },
  );
  expect(seen.d).toBeGreaterThan(0);
  return seen.d;
}

/** Caught up with the live load: the spool holds less than a quarter second of it. */
async function caughtUp(gw: Gateway): Promise<void> {
  await waitFor(async () => ((await depth(gw)) ?? Number.POSITIVE_INFINITY) < 1_000, {
    what: "the drain caught up with the live load",
    timeoutMs: 120_000,
  });
}

async function expectDelivered(
  records: Parameters<typeof spoolDelivery>[0],
  devices: LiveDevices,
  what: string,
  mark?: ReadonlyMap<number, number>,
) {
  const result = spoolDelivery(records, devices, mark);
  console.log(`${what}: ${JSON.stringify({ ...result, lost: result.lost.length })}`);
  expect(result.lost).toEqual([]);
  expect(result.outOfOrder).toEqual([]);
  expect(result.split).toEqual([]);
  expect(result.wrongKey).toBe(0);
  return result;
}

test.concurrent("devices keep posting through an outage, its drain, and a broker kill -9 in the middle of the drain: every acknowledged record once at least, in order per key", async () => {
  await using dir = await tempDir("ingest-spool-live-outage-");
  await using broker = await startOwnBroker(dir.file("kafka"));
  const topic = uniqueTopic("spool-live");
  const admin = broker.client().admin();
  await admin.connect();
  await createTopicsOn(admin, [{ topic, numPartitions: 3 }]);
  await admin.disconnect();
  await using gw = await startGateway({ dir: dir.path, worker: outageIngestWorker(broker, dir.file("data")) });
  expect((await gw.rest.post("/connectors", { name: NAME, config: liveConnector(topic) })).status).toBe(201);
  const devices = startLiveDevices({ ...LOAD, target: await routeUrl(gw) });
  try {
    await acknowledged(devices, 4_000, "acknowledgements before the outage");
    await caughtUp(gw);

    await broker.stop();
    await acknowledged(devices, 12_000, "acknowledgements while the broker is stopped");
    await broker.restart();
    const backlog = (await depth(gw))!;
    const drainedBefore = (await metric(gw, "ingest_spool_drained_total", NAME))!;
    const acknowledgedBefore = devices.ackedCount();
    // The second outage starts in the middle of the drain, devices still posting.
    const left = await midDrain(gw, backlog, 0.95);
    await broker.kill();
    console.log(`broker killed with ${left} of a ${backlog}-record backlog left`);
    // Live requests were answered during the drain; they are answered during the second outage too.
    expect(devices.ackedCount()).toBeGreaterThan(acknowledgedBefore);
    expect((await metric(gw, "ingest_spool_drained_total", NAME))!).toBeGreaterThan(drainedBefore);
    await acknowledged(devices, 8_000, "acknowledgements while the broker is killed");
    await broker.restart();
    await caughtUp(gw);
    await acknowledged(devices, 4_000, "acknowledgements after the drain");
  } finally {
    await devices.stop();
  }
  await waitFor(async () => (await depth(gw)) === 0, { what: "the spool drained", timeoutMs: 120_000 });
  expect(await taskState(gw, NAME)).toBe("RUNNING");
  await expectDelivered(await readOwnTopic(broker, topic), devices, "spool live, broker outages");
}, 400_000);

/** Each partition's end offset (high watermark) of `topic` on the shared broker. */
async function topicEnds(topic: string): Promise<Map<number, number>> {
  const admin = (await testClient()).admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  } finally {
    await admin.disconnect();
  }
}

/** A gateway on `dir` with the shared broker (`kafka` up) or a port nothing listens on. */
async function gatewayOn(dir: TempDir, kafka: "up" | "down"): Promise<Gateway> {
  return startGateway({ dir: dir.path, worker: await crashWorker(dir, kafka) });
}

test.concurrent("devices keep posting while the gateway is stopped (SIGTERM) and killed (kill -9) in the middle of draining a backlog: every acknowledged record at least once, in order per key", async () => {
  await using dir = await tempDir("ingest-spool-live-restart-");
  const topic = uniqueTopic("spool-live-restart");
  await createTopic(topic, 3);
  const down = await gatewayOn(dir, "down");
  expect((await down.rest.post("/connectors", { name: NAME, config: liveConnector(topic) })).status).toBe(201);
  const devices = startLiveDevices({ ...LOAD, target: await routeUrl(down) });
  let stoppedAt: Map<number, number> | undefined;
  try {
    // A backlog the drain takes seconds for: devices post 25 times more a request meanwhile.
    devices.batch = 250;
    await acknowledged(devices, 200_000, "acknowledgements while Kafka is unreachable");
    devices.target = undefined;
    devices.batch = LOAD.batch;
    expect(await down.stop()).toBe(0);

    const first = await gatewayOn(dir, "up");
    devices.target = await routeUrl(first);
    const left = await midDrain(first, (await depth(first))!, 0.95);
    devices.target = undefined;
    expect(await first.stop()).toBe(0);
    console.log(`gateway stopped (SIGTERM) with ${left} records left`);
    // What the stopped gateway delivered: the next one sends none of it again (its stop waited for
    // the sends on the wire and committed what they delivered).
    stoppedAt = await topicEnds(topic);

    const second = await gatewayOn(dir, "up");
    devices.target = await routeUrl(second);
    const leftAtKill = await midDrain(second, (await depth(second))!, 0.95);
    devices.target = undefined;
    await second.kill();
    console.log(`gateway killed (kill -9) with ${leftAtKill} records left`);

    await using last = await gatewayOn(dir, "up");
    devices.target = await routeUrl(last);
    await caughtUp(last);
    await acknowledged(devices, 4_000, "acknowledgements after the drain");
    await devices.stop();
    await waitFor(async () => (await depth(last)) === 0, { what: "the spool drained", timeoutMs: 120_000 });
    expect(await taskState(last, NAME)).toBe("RUNNING");
  } finally {
    await devices.stop();
  }
  const result = await expectDelivered(await readAll(topic), devices, "spool live, gateway restarts", stoppedAt);
  expect(result.resentAfterMark).toBe(0);
}, 400_000);
