/**
 * kafka.client=kafkajs: a send whose Produce request got no answer is retried by the same producer, with its producer id
 * and sequences, past the client's 3 retries, until delivery.timeout.ms (explore31 F1). The test's own broker frozen
 * (SIGSTOP) with an ingest request's records on the wire: each attempt times out (request.timeout.ms 2 s) until it
 * thaws, when it appends the first and drops the retries as duplicates. Before, kafkajs gave the send up after its 3
 * retries, the runtime sent the records again on a new producer (a new producer id), and the thawed broker wrote them
 * twice. A send still unanswered at delivery.timeout.ms (5 s here) is given up then, as Java's producer expires a batch,
 * and the runtime sends it again on a new producer. The compiled binary when GATEWAY_BIN is set. Each test has a broker
 * of its own, so the three run at once (test.concurrent): most of their time is waiting on a frozen broker.
 */
import { expect, test } from "bun:test";
import { type CurlResponse, curlPost } from "./support/curl.ts";
import { freeze } from "./support/freeze.ts";
import { createIngestConnector, type Gateway, ingestUrlOf, startIngestGateway } from "./support/gateway.ts";
import { createTopicsOn, uniqueTopic } from "./support/kafka.ts";
import { outageIngestWorker, ownBrokersUntilFileEnds, readOwnTopic } from "./support/own-broker.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const startOwnBroker = ownBrokersUntilFileEnds();

/** kafkajs' line for an attempt at a send timing out from its 5th on: past the 3 retries it used to give a send up after. */
const FIFTH_TIMEOUT = /Request Produce\(key: 0, version: \d+\) timed out \{.*"retryCount":([4-9]|\d{2,}),/;
/** The runtime's WARN once the producer gave a send up: it is replaced and the records sent again. */
const GIVEN_UP = /Failed to send \d+ records to Kafka, retrying/;
/** The adapter's one WARN of a send its producer still retries 5 s after it started (p3g). */
const HELD =
  /WARN \[unanswered\|task-0\] Kafka has not acknowledged a send of 2 records within 5 s; the producer retries it until delivery\.timeout\.ms \(120000 ms\)/g;

/** The connector's ingest.request.timeout.ms: an ingest request's answer waits as long for a send retried meanwhile. */
const INGEST_TIMEOUT_MS = 150_000;

/** An ingest request of `body` that curl waits for past the connector's timeout (curl's own limit is 50 s, support/curl.ts). */
const ingest = (url: string, body: string) =>
  curlPost(url, body, "application/json", {}, ["--max-time", String(INGEST_TIMEOUT_MS / 1000 + 20)]);

/**
 * The test's own broker, a kafkajs ingest gateway on it (`worker`: more keys) whose connector's producer connected and
 * wrote a first record ({"t":0}), the connector's URL, and `since()`: what the gateway wrote after that (the first
 * request's lines, e.g. a send given up while the producer first connected, are not the test's).
 */
async function writingGateway(dir: TempDir, worker: Record<string, string> = {}) {
  const kafka = await startOwnBroker(dir.file("kafka"));
  const topic = uniqueTopic("kafkajs-unanswered");
  const admin = kafka.client().admin();
  await admin.connect();
  await createTopicsOn(admin, [{ topic, numPartitions: 1 }]);
  await admin.disconnect();
  const keys = { ...outageIngestWorker(kafka, dir.file("data")), "kafka.client": "kafkajs", "log.level": "DEBUG" };
  const { gw } = await startIngestGateway(dir, { ...keys, ...worker });
  await createIngestConnector(gw, "unanswered", {
    "ingest.path": "/ingest/unanswered",
    "kafka.topic": topic,
    "ingest.request.timeout.ms": String(INGEST_TIMEOUT_MS),
  });
  const url = `${await ingestUrlOf(gw)}/ingest/unanswered`;
  // The producer connected and knows the topic: the next request's records go on the wire at once.
  await gw.waitUntil(
    async () => (await ingest(url, '[{"t":0}]')).status === 200,
    INGEST_TIMEOUT_MS + 30_000,
    "a first request written",
  );
  const from = gw.output().length;
  return { kafka, topic, gw, url, since: () => gw.output().slice(from) };
}

/**
 * The trace of the ingest task while the request `answer` waits on the frozen broker; if the request was answered first,
 * that answer instead (nothing then waits on Kafka: ci160 waited 60 s for a trace without saying which), and on a
 * timeout the gateway's log (Gateway.waitUntil).
 */
async function degradedWhileUnanswered(gw: Gateway, answer: Promise<CurlResponse>): Promise<string> {
  let answered: string | undefined;
  answer.then(
    (r) => (answered = `answered ${r.status}: ${r.body}`),
    (error: Error) => (answered = `curl failed: ${error.message}`),
  );
  return gw.waitUntil(
    async () => answered ?? (await gw.rest.get("/connectors/unanswered/status")).body.tasks?.[0]?.trace,
    60_000,
    "the ingest task's Degraded trace",
  );
}

test.concurrent("records whose Produce request the frozen broker left unanswered are written once, by the same producer", async () => {
  await using dir = await tempDir("kafkajs-unanswered-produce-");
  const { kafka, topic, gw, url, since } = await writingGateway(dir);
  await using _kafka = kafka;
  await using _gw = gw;

  await freeze(kafka.pid); // connections open, nothing answered
  let answer: ReturnType<typeof curlPost>;
  try {
    answer = ingest(url, '[{"t":1},{"t":2}]');
    // Said while kafkajs retries it (p3g: the task read RUNNING with no trace, and the gateway logged nothing of its own).
    expect(await degradedWhileUnanswered(gw, answer)).toBe(
      "Degraded: Kafka does not take the ingest records (the last attempt failed: Kafka has not acknowledged a send of 2 records within 5 s); the send is being retried. Requests are not acknowledged until Kafka takes the records.",
    );
    await gw.waitUntil(
      () => FIFTH_TIMEOUT.test(since()) || GIVEN_UP.test(since()),
      60_000,
      "kafkajs past its old retry budget, or the send given up",
    );
  } finally {
    process.kill(kafka.pid, "SIGCONT");
  }

  const written = await answer;
  expect(written.status, written.body).toBe(200);
  const offsets = (written.json() as { offsets: { offset: number }[] }).offsets.map((o) => o.offset);
  expect(offsets).toEqual([1, 2]);
  expect((await readOwnTopic(kafka, topic)).map((r) => [r.offset, JSON.parse(r.value)])).toEqual([
    [0, { t: 0 }],
    [1, { t: 1 }],
    [2, { t: 2 }],
  ]);
  // The same producer retried the send: it was never given up (nor the producer replaced), one WARN said so.
  expect(since()).not.toMatch(GIVEN_UP);
  expect(since().match(HELD)?.length).toBe(1);
  await waitFor(async () => (await gw.rest.get("/connectors/unanswered/status")).body.tasks[0]?.trace === undefined, {
    what: "the trace gone once the send is written",
  });
}, 240_000);

/** kafkajs' reconnection giving its own retries up (its 4th try refused): the send ended then, before. */
const RECONNECTION_GIVEN_UP =
  /Failed to connect to seed broker, trying another broker from the list: .*"retryCount":3,/g;

test.concurrent("records whose connection the killed broker dropped, refused until it restarts, are written once, by the same producer", async () => {
  await using dir = await tempDir("kafkajs-unanswered-killed-");
  const { kafka, topic, gw, url, since } = await writingGateway(dir);
  await using _kafka = kafka;
  await using _gw = gw;

  await freeze(kafka.pid); // the request goes on the wire, unanswered
  const answer = ingest(url, '[{"t":1},{"t":2}]');
  await gw.waitUntil(
    () => /Request Produce\(key: 0, version: \d+\) timed out/.test(since()),
    60_000,
    "a Produce timed out",
  );
  await kafka.kill(); // the connection dropped, then every connection refused
  await gw.waitUntil(
    () => (since().match(RECONNECTION_GIVEN_UP)?.length ?? 0) >= 2 || GIVEN_UP.test(since()),
    60_000,
    "kafkajs' reconnection given up twice, or the send given up",
  );
  await kafka.restart();

  const written = await answer;
  expect(written.status, written.body).toBe(200);
  expect((await readOwnTopic(kafka, topic)).map((r) => [r.offset, JSON.parse(r.value)])).toEqual([
    [0, { t: 0 }],
    [1, { t: 1 }],
    [2, { t: 2 }],
  ]);
  // The same producer retried the send through the outage: never given up, nor the producer replaced.
  expect(since()).not.toMatch(GIVEN_UP);
}, 240_000);

test.concurrent("a send still unanswered at delivery.timeout.ms is given up (Java's TimeoutException) and sent again on a new producer", async () => {
  await using dir = await tempDir("kafkajs-delivery-timeout-");
  const { kafka, gw, url } = await writingGateway(dir, { "producer.delivery.timeout.ms": "5000" });
  await using _kafka = kafka;
  await using _gw = gw;

  await freeze(kafka.pid);
  let answer: ReturnType<typeof curlPost>;
  try {
    answer = ingest(url, '[{"t":1},{"t":2}]');
    const expired = await gw.waitForOutput(
      /WARN \[unanswered\|task-0\] Failed to send 2 records to Kafka, retrying[\s\S]{0,300}delivery\.timeout\.ms elapsed/,
      60_000,
    );
    expect(gw.output()).toContain("Expiring 2 record(s) for ");
    expect(expired[0]).toContain("Failed to send records to Kafka: delivery.timeout.ms elapsed");
  } finally {
    process.kill(kafka.pid, "SIGCONT");
  }
  // Written by the new producer once the broker thaws (and perhaps by an attempt of the expired one: Java's window).
  const written = await answer;
  expect(written.status, written.body).toBe(200);
}, 240_000);
