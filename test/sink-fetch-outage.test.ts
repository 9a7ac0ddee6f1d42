/**
 * explore31 F3: with every broker of the cluster stopped, a running sink task read RUNNING without a trace while its
 * consumer fetched nothing, and the outage was logged once at its start. The task's RUNNING status now carries a
 * Degraded trace saying its consumer cannot fetch, gone once a fetch is answered again (the broker restarted), and
 * the records written then are delivered. explore32 F3: with every broker frozen instead (SIGSTOP: connections open,
 * nothing answered) there was no trace and no fetch failure logged for as long as request.timeout.ms and the
 * library's retries of it; now the trace names the broker that has not answered. kjsfetch2: with kafka.client=kafkajs
 * the whole cluster stopped showed no trace either; now it does, as the default client's, and a frozen broker is named
 * once request.timeout.ms fails the fetch it holds. Each test has a broker of its own (startOwnBroker), so the four run
 * at once (test.concurrent): most of each one's time is waiting on the broker's start, stop and restart.
 */
import { expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { freeze } from "./support/freeze.ts";
import { runningTask, startGateway, tracedTask } from "./support/gateway.ts";
import { createTopicsOn, uniqueTopic } from "./support/kafka.ts";
import { ownBrokersUntilFileEnds } from "./support/own-broker.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const startOwnBroker = ownBrokersUntilFileEnds();

const FETCH_FAILURES = /Error (sending fetch request to node \d+|fetching metadata for the fetch requests): /g;

/** "Kafka broker N (host:port)" as a pattern, for the broker at `bootstrap`. */
const brokerNamed = (bootstrap: string) => `Kafka broker \\d+ \\(${bootstrap.replace(/\./g, "\\.")}\\)`;

/** The trace of a sink task whose fetch `broker` (brokerNamed) has not answered. */
const unansweredTrace = (broker: string, requestTimeoutMs = 30_000) =>
  new RegExp(
    `^Degraded: ${broker} has not answered a fetch request of the task's consumer for \\d+ s \\(request\\.timeout\\.ms ${requestTimeoutMs}\\); the consumer retries it every request\\.timeout\\.ms\\. No records of the partitions fetched from it are delivered to the task meanwhile\\.$`,
  );

/**
 * A running FileStreamSink `out` of a one-partition topic on the test's own broker, one record delivered; `worker`:
 * worker settings beside the defaults.
 */
async function runningSink(dir: TempDir, client = "platformatic", worker: Record<string, string> = {}) {
  const kafka = await startOwnBroker(dir.file("kafka"));
  const topic = uniqueTopic("fetchout");
  const admin = kafka.client().admin();
  await admin.connect();
  await createTopicsOn(admin, [{ topic, numPartitions: 1 }]);
  await admin.disconnect();
  const produce = async (value: string) => {
    const producer = kafka.client().producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ value }] });
    await producer.disconnect();
  };
  const gw = await startGateway({
    dir: dir.path,
    worker: {
      "bootstrap.servers": kafka.bootstrap,
      "data.dir": dir.file("data"),
      "value.converter": "org.apache.kafka.connect.storage.StringConverter",
      "key.converter": "org.apache.kafka.connect.storage.StringConverter",
      "kafka.client": client,
      ...worker,
    },
  });
  const out = dir.file("out.txt");
  expect(
    (
      await gw.rest.post("/connectors", {
        name: "out",
        config: { "connector.class": "FileStreamSink", file: out, topics: topic },
      })
    ).status,
  ).toBe(201);
  const lines = () => (existsSync(out) ? readFileSync(out, "utf8").split("\n").slice(0, -1) : []);
  const written = (value: string) => lines().includes(value);
  await produce("before the outage");
  await waitFor(() => written("before the outage"), { timeoutMs: 60_000, what: "the record before the outage" });
  const task = async () => (await gw.rest.get("/connectors/out/status")).body.tasks?.[0];
  /** The group's committed offset of the topic's partition, as GET /connectors/out/offsets reads it. */
  const committed = async () =>
    (await gw.rest.get("/connectors/out/offsets")).body.offsets?.[0]?.offset?.kafka_offset as number | undefined;
  /** Once the outage is over: the trace gone, a record produced then delivered, each record in the file once. */
  const deliversAgain = async (timeoutMs: number) => {
    await waitFor(async () => (await task())?.trace === undefined, { timeoutMs, what: "the trace gone" });
    await produce("after the outage");
    await waitFor(() => written("after the outage"), { timeoutMs, what: "the record after the outage" });
    expect(lines()).toEqual(["before the outage", "after the outage"]);
    expect(await task()).toEqual(runningTask());
  };
  return { kafka, gw, produce, written, task, committed, deliversAgain };
}

test.concurrent("a running sink whose whole cluster stops is Degraded until a fetch is answered, then delivers", async () => {
  await using dir = await tempDir();
  const sink = await runningSink(dir);
  await using kafka = sink.kafka;
  await using gw = sink.gw;
  const { produce, written, task } = sink;

  await kafka.stop();
  const degraded = await tracedTask(gw, "out", 60_000);
  expect(degraded).toEqual(
    runningTask(
      /^Degraded: the task's consumer cannot fetch from Kafka \(the last attempt failed: .*Connection to .*\); it keeps retrying\. No records of the partitions it cannot fetch are delivered to the task meanwhile\.$/,
    ),
  );
  // Each failure is logged while the outage lasts (the first five, then one a minute), not once at its start only.
  await waitFor(() => (gw.output().match(FETCH_FAILURES)?.length ?? 0) >= 3, {
    what: "the fetch failures logged on",
  });

  await kafka.restart();
  await produce("after the outage");
  await waitFor(() => written("after the outage"), { timeoutMs: 100_000, what: "the record after the outage" });
  await waitFor(async () => (await task())?.trace === undefined, { what: "the trace gone" });
  expect(await task()).toEqual(runningTask());
  expect(gw.output()).toMatch(/(Fetch request to node \d+|Metadata for the fetch requests) answered again/);
}, 300_000);

test.concurrent("kafka.client=kafkajs: a running sink whose whole cluster stops is Degraded until a fetch is answered, then delivers", async () => {
  await using dir = await tempDir();
  const sink = await runningSink(dir, "kafkajs");
  await using kafka = sink.kafka;
  await using gw = sink.gw;

  await kafka.stop();
  const degraded = await tracedTask(gw, "out", 60_000);
  expect(degraded).toEqual(
    runningTask(
      /^Degraded: the task's consumer cannot fetch from Kafka \(the last attempt failed: Error sending fetch request to node \d+: .*\); it keeps retrying\. No records of the partitions it cannot fetch are delivered to the task meanwhile\.$/,
    ),
  );

  await kafka.restart();
  await sink.deliversAgain(100_000);
}, 300_000);

test.concurrent("a running sink whose broker freezes is Degraded, naming the broker that has not answered, until it answers", async () => {
  await using dir = await tempDir();
  const sink = await runningSink(dir);
  await using kafka = sink.kafka;
  await using gw = sink.gw;

  await freeze(kafka.pid);
  try {
    const degraded = await tracedTask(gw, "out", 60_000);
    const broker = brokerNamed(kafka.bootstrap);
    expect(degraded).toEqual(runningTask(unansweredTrace(broker)));
    await gw.waitForOutput(
      new RegExp(
        `WARN .*${broker} has not answered a fetch request for \\d+ s \\(request\\.timeout\\.ms 30000\\); retrying it every request\\.timeout\\.ms`,
      ),
    );
  } finally {
    process.kill(kafka.pid, "SIGCONT");
  }

  await sink.deliversAgain(60_000);
}, 300_000);

test.concurrent("kafka.client=kafkajs: a running sink whose broker freezes is Degraded, naming the broker, once request.timeout.ms fails its fetch", async () => {
  await using dir = await tempDir();
  // kafkajs reports a held Fetch once request.timeout.ms failed it: 10 s keeps the test short.
  const sink = await runningSink(dir, "kafkajs", {
    "offset.flush.interval.ms": "1000",
    "consumer.request.timeout.ms": "10000",
  });
  await using kafka = sink.kafka;
  await using gw = sink.gw;
  const { committed } = sink;
  // After the freeze the broker is fenced and its offsets partition reloads (NOT_COORDINATOR): the member rejoins and
  // restarts from the group's last commit (at-least-once, as Connect's WorkerSinkTask). Committed first, so the record
  // before the freeze is not delivered again.
  await waitFor(async () => (await committed()) === 1, { what: "the record before the freeze committed" });

  await freeze(kafka.pid);
  try {
    const degraded = await tracedTask(gw, "out", 90_000);
    expect(degraded).toEqual(runningTask(unansweredTrace(brokerNamed(kafka.bootstrap), 10_000)));
  } finally {
    process.kill(kafka.pid, "SIGCONT");
  }

  await sink.deliversAgain(100_000);
}, 300_000);
