/**
 * A RUNNING task's Degraded trace hides what the providers resolved for the task's own configs, as
 * its FAILED trace does (sinksec): a secrets file changed and only the task restarted, so the task
 * runs with a value the connector never resolved. Its topic, 3 characters (too short for the logs'
 * held secrets), is one Kafka does not know and will not create (`k_s` beside an existing `k.s`: the
 * shared broker auto-creates topics, but not one colliding on `.` and `_`), so the trace names it.
 * Real broker, through GET status.
 */
import { expect, test } from "bun:test";
import { appendFileSync, writeFileSync } from "node:fs";
import { startFileProviderGateway } from "./support/gateway.ts";
import { createTopic, readTopic, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const ROTATED = "k_s";

test("a task restarted with a rotated secret shows it as [hidden] in its Degraded trace", async () => {
  await using dir = await tempDir();
  // platformatic fails a send to an unknown topic after 30 metadata attempts: 3.6 s, not 12 s.
  await using gw = await startFileProviderGateway(dir, { "producer.retry.backoff.ms": "30" });
  const topic = uniqueTopic("degraded-secret");
  await createTopic(topic);
  await createTopic("k.s");
  const secrets = dir.file("secrets.properties");
  writeFileSync(secrets, `topic=${topic}\n`);
  writeFileSync(dir.file("in.txt"), "a\n");
  const created = await gw.rest.post("/connectors", {
    name: "fs",
    config: {
      "connector.class": "FileStreamSource",
      file: dir.file("in.txt"),
      topic: `\${file:${secrets}:topic}`,
      "value.converter": "org.apache.kafka.connect.storage.StringConverter",
    },
  });
  expect(created.status).toBe(201);
  await readTopic(topic, 1);

  writeFileSync(secrets, `topic=${ROTATED}\n`);
  // The restart stops the old task and starts the new one before its 204, so only the new task,
  // sending to the rotated topic, reads `b` (appended earlier, the old task could send it first).
  expect((await gw.rest.post("/connectors/fs/tasks/0/restart")).status).toBe(204);
  appendFileSync(dir.file("in.txt"), "b\n");
  const status = async () => (await gw.rest.get("/connectors/fs/status")).body;
  const degraded = await waitFor(
    async () => {
      const s = await status();
      return s.tasks[0]?.trace?.startsWith("Degraded:") ? s : undefined;
    },
    { what: "the Degraded trace" },
  );
  expect(degraded.tasks[0]).toEqual({
    id: 0,
    state: "RUNNING",
    worker_id: degraded.tasks[0].worker_id,
    version: degraded.tasks[0].version,
    trace:
      "Degraded: Kafka does not take the task's records (Kafka answers that topic [hidden] does not exist " +
      "(the brokers do not create it: auto.create.topics.enable=false?)); the send is being retried. " +
      "No more records are polled from the task until Kafka takes them.",
  });
});
