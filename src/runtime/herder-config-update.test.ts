/**
 * A connector config update keeps the connector's tasks running until the task configs of its new
 * instance are stored, then replaces them, as Connect's DistributedHerder (putConnectorConfig
 * restarts the connector only; the tasks restart when reconfigureConnectorTasksWithRetry has written
 * their configs, even identical ones after a config change: AbstractHerder.taskConfigsChanged).
 * Regression (review61): the update stopped the tasks before the new instance started, so during a
 * slow asynchronous start (up to connector.start.timeout.ms) nothing ran while GET …/status still
 * showed the tasks RUNNING.
 */
import { expect, test } from "bun:test";
import { createTopic, kafkaBroker, testClient, uniqueTopic } from "../../test/support/kafka.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import type { Config } from "../api/connector.ts";
import { Schemas } from "../api/data/schema.ts";
import { sourceRecord } from "../api/record.ts";
import { kafkaPorts } from "../kafka/kafka-ports.ts";
import { deferred } from "../util/async.ts";
import { LogManager } from "../util/logger.ts";
import { type InProcessWorker, inProcessWorker, SCRIPTED_SOURCE } from "./herder-test-support.ts";

const source = (extra: Config = {}): Config => ({ "connector.class": SCRIPTED_SOURCE, ...extra });

async function states(w: InProcessWorker): Promise<[string, string[]]> {
  const { body } = await w.rest("GET", "/connectors/a/status");
  return [body.connector.state, body.tasks.map((t: { state: string }) => t.state)];
}

/** The records `topic` of the real broker holds (the sum of its high watermarks). */
async function written(topic: string): Promise<number> {
  const admin = (await testClient()).admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** One task that sends a record (offset n) to the topic its task config names every poll, paced by the signal or 5 ms. */
function sendingTask(w: InProcessWorker): { maxLive: () => number } {
  let topic = "";
  let n = 0;
  let maxLive = 0;
  w.scripted.script = {
    taskStart: (config) => {
      topic = config.topic!;
      maxLive = Math.max(maxLive, w.scripted.taskStarts - w.scripted.taskStops);
    },
    poll: async (signal) => {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 5);
        const abort = () => {
          clearTimeout(timer);
          resolve();
        };
        signal.addEventListener("abort", abort, { once: true });
      });
      n++;
      const record = { topic, value: `${n}`, valueSchema: Schemas.STRING };
      return [sourceRecord({ ...record, sourcePartition: { topic }, sourceOffset: { n } })];
    },
  };
  return { maxLive: () => maxLive };
}

test("the tasks run, RUNNING, with their stored configs while the updated connector starts; then they are replaced", async () => {
  const { bootstrap } = await kafkaBroker();
  const [one, two] = [uniqueTopic("reconfig-one"), uniqueTopic("reconfig-two")];
  await Promise.all([createTopic(one), createTopic(two)]);
  await using w = await inProcessWorker({
    worker: { "bootstrap.servers": bootstrap },
    kafka: kafkaPorts.platformatic(new LogManager({ sink: () => {} })),
  });
  const task = sendingTask(w);
  await w.rest("POST", "/connectors", { name: "a", config: source({ topic: one }) });
  await waitFor(async () => (await written(one)) > 0, { what: "records of the first task" });
  const gate = deferred<void>();
  w.scripted.script.start = () => gate.promise;
  expect((await w.rest("PUT", "/connectors/a/config", source({ topic: two }))).status).toBe(200);
  // The new instance is starting: as Connect, the connector is UNASSIGNED and the task runs on.
  expect(await states(w)).toEqual(["UNASSIGNED", ["RUNNING"]]);
  expect([w.worker.runningTasks("a").length, w.scripted.taskStops]).toEqual([1, 0]);
  const sent = await written(one);
  await waitFor(async () => (await written(one)) > sent, { what: "records sent during the start" });
  expect((await w.rest("GET", "/connectors/a/tasks")).body[0].config.topic).toBe(one);
  gate.resolve();
  await waitFor(async () => (await written(two)) > 0, { what: "records of the new task" });
  expect(await states(w)).toEqual(["RUNNING", ["RUNNING"]]);
  expect((await w.rest("GET", "/connectors/a/tasks")).body[0].config.topic).toBe(two);
  expect([w.scripted.taskStops, task.maxLive()]).toEqual([1, 1]);
  // The old task committed what it sent (and Kafka acknowledged) as it stopped.
  expect(w.offsets.get("a", { topic: one })).toEqual({ n: await written(one) });
});

test("a config change whose task configs are the same restarts the tasks (Connect's applied connector config)", async () => {
  await using w = await inProcessWorker();
  await w.rest("POST", "/connectors", { name: "a", config: source({ topic: "one" }) });
  await waitFor(() => w.scripted.taskStarts === 1, { what: "the task started" });
  const before = (await w.rest("GET", "/connectors/a/tasks")).body;
  await w.rest("PUT", "/connectors/a/config", source({ topic: "one", "auth.type": "NONE" }));
  await waitFor(() => w.scripted.taskStarts === 2, { what: "the task restarted" });
  expect([w.scripted.taskStops, w.worker.runningTasks("a").length]).toEqual([1, 1]);
  expect((await w.rest("GET", "/connectors/a/tasks")).body).toEqual(before);
  expect(await states(w)).toEqual(["RUNNING", ["RUNNING"]]);
});

test("a config changed and changed back while the updated connector starts leaves the tasks running", async () => {
  // Connect's taskConfigsChanged compares the connector config the stored task configs were made
  // from (appliedConnectorConfig) with the current one: back to that config, nothing restarts.
  await using w = await inProcessWorker();
  await w.rest("POST", "/connectors", { name: "a", config: source({ topic: "one" }) });
  await waitFor(() => w.scripted.taskStarts === 1, { what: "the task started" });
  const gate = deferred<void>();
  let generated = 0;
  w.scripted.script = {
    start: () => gate.promise,
    taskConfigs: () => {
      generated++;
      return [{ topic: "one" }];
    },
  };
  expect((await w.rest("PUT", "/connectors/a/config", source({ topic: "two" }))).status).toBe(200);
  expect((await w.rest("PUT", "/connectors/a/config", source({ topic: "one" }))).status).toBe(200);
  gate.resolve();
  await waitFor(() => generated > 0, { what: "the task configs generated" });
  await w.herder.healthCheck();
  expect(await states(w)).toEqual(["RUNNING", ["RUNNING"]]);
  expect([w.scripted.taskStarts, w.scripted.taskStops, w.worker.runningTasks("a").length]).toEqual([1, 0, 1]);
  // A later change is still applied to the tasks.
  w.scripted.script = {};
  await w.rest("PUT", "/connectors/a/config", source({ topic: "one", "auth.type": "NONE" }));
  await waitFor(() => w.scripted.taskStarts === 2, { what: "the task restarted" });
  expect(w.scripted.taskStops).toBe(1);
});

test("the same config again restarts the connector, not its tasks", async () => {
  await using w = await inProcessWorker();
  await w.rest("POST", "/connectors", { name: "a", config: source({ topic: "one" }) });
  await waitFor(() => w.scripted.taskStarts === 1, { what: "the task started" });
  expect((await w.rest("PUT", "/connectors/a/config", source({ topic: "one" }))).status).toBe(200);
  expect(w.scripted.connectorStarts).toBe(2);
  expect([w.scripted.taskStarts, w.scripted.taskStops]).toEqual([1, 0]);
  expect(await states(w)).toEqual(["RUNNING", ["RUNNING"]]);
});

test("a later task reconfiguration after a failed start of the updated connector restarts the tasks with the new config", async () => {
  // The failed start leaves the stored tasks running; the config is still to be applied to them.
  await using w = await inProcessWorker();
  await w.rest("POST", "/connectors", { name: "a", config: source({ topic: "one" }) });
  await waitFor(() => w.scripted.taskStarts === 1, { what: "the task started" });
  w.scripted.script = { start: () => Promise.reject(new Error("unreachable")) };
  await w.rest("PUT", "/connectors/a/config", source({ topic: "one", "auth.type": "NONE" }));
  await waitFor(async () => (await states(w))[0] === "FAILED", { what: "the connector FAILED" });
  expect([w.scripted.taskStops, w.worker.runningTasks("a").length]).toEqual([0, 1]);
  w.scripted.script = {};
  await w.rest("POST", "/connectors/a/restart");
  await waitFor(() => w.scripted.taskStarts === 2, { what: "the task restarted" });
  expect(await states(w)).toEqual(["RUNNING", ["RUNNING"]]);
});
