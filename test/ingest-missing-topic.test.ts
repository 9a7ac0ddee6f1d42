/**
 * An ingest connector whose topic Kafka does not know and will not create (explore4 J7), both Kafka
 * clients, on the shared broker: its auto-creation is on, so the topic is one it refuses to create,
 * `<name>_x` beside an existing `<name>.x` (Kafka refuses topic names that collide on `.` and `_`)
 * and answers UNKNOWN_TOPIC_OR_PARTITION for, as a broker with auto.create.topics.enable=false does.
 * The send-retry WARN, the spool's Degraded trace and kafka-mode ingest's unacknowledged answer name
 * the topic and the cause (they said "Kafka unreachable or slower than the devices", kafkajs' "This
 * server does not host this topic-partition" without the topic, and "may still be written").
 * The kafka-mode connector runs two tasks, task 0 restarted so that task 1 takes the requests: an
 * answer names its own task's failure (fixj1b: every task's answers read task 0's). While task 1's
 * send is retried its status trace says why, and no more once the topic exists (p3ingest: it read
 * RUNNING without a trace).
 */
import { describe, expect, test } from "bun:test";
import { curlPost } from "./support/curl.ts";
import { startIngestGateway } from "./support/gateway.ts";
import { createTopic, testClient, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const escaped = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

// The two clients' cases (a gateway and topics each) mostly wait on retries and traces: they run at once.
describe("a topic Kafka does not know", () => {
  test.concurrent.each(["kafkajs", "platformatic"])(
    "kafka.client=%s: the send-retry WARN, the spool's Degraded trace and a kafka-mode request's answer name the topic and the cause",
    async (client) => {
      await using dir = await tempDir(`ingest-missing-topic-${client}-`);
      // retry.backoff.ms 30 (default 100): platformatic's 30 metadata attempts, each with its client's 3
      // retries, take at least 119 of them (3.6 s, not 12 s) before a send fails, still past a kafka-mode
      // request's 2 s; kafkajs' 3 retries fail a send in about 0.3 s, not 1 s.
      const gateway = await startIngestGateway(dir, { "kafka.client": client, "producer.retry.backoff.ms": "30" });
      await using gw = gateway.gw;
      const base = uniqueTopic(`nocreate-${client}`);
      await createTopic(`${base}.x`, 1);
      const topic = `${base}_x`;
      const cause = `Kafka answers that topic ${topic} does not exist (the brokers do not create it: auto.create.topics.enable=false?)`;
      const connectors = { spooled: "spool", direct: "kafka" };
      // kafkajs fails its first send well within a second after it began: a request waiting longer is told why.
      const directTimeoutMs = client === "kafkajs" ? 5_000 : 2_000;
      for (const [path, mode] of Object.entries(connectors)) {
        const created = await gw.rest.post("/connectors", {
          name: `${path}-${client}`,
          config: {
            "connector.class": "HttpIngestSource",
            "ingest.path": `/${path}`,
            "kafka.topic": topic,
            "ingest.ack.mode": mode,
            "ingest.rest.proxy.enable": "false",
            "ingest.request.timeout.ms": String(mode === "kafka" ? directTimeoutMs : 2_000),
            "tasks.max": "2",
          },
        });
        expect(created.status).toBe(201);
      }
      for (const path of Object.keys(connectors))
        await waitFor(
          async () => {
            const tasks: { state: string }[] =
              (await gw.rest.get(`/connectors/${path}-${client}/status`)).body?.tasks ?? [];
            return tasks.length === (path === "direct" ? 2 : 1) && tasks.every((t) => t.state === "RUNNING");
          },
          { what: `${path}-${client} running` },
        );
      // Task 0 restarted: its queue attaches after task 1's, so task 1 takes the requests.
      const direct = `direct-${client}`;
      const started = new RegExp(
        `WorkerSourceTask\\{id=${direct}-0\\} Source task finished initialization and start`,
        "g",
      );
      expect((await gw.rest.post(`/connectors/${direct}/tasks/0/restart`, {})).status).toBe(204);
      await waitFor(() => (gw.output().match(started)?.length ?? 0) >= 2, { what: `${direct} task 0 restarted` });
      expect((await curlPost(`${gateway.ingest}/spooled`, '[{"m":1}]', "application/json")).status).toBe(200);
      // Sent, unacknowledged at its timeout: 500, naming the cause once the send failed for it (kafkajs:
      // within a second; platformatic: after its 30 metadata attempts, past this request's 2 s).
      const sent = await curlPost(`${gateway.ingest}/direct`, '{"m":1}', "application/json");
      const notAcknowledged = `1 of 1 records were not acknowledged by Kafka (some may still be written): Kafka did not acknowledge the records within ${directTimeoutMs} ms (ingest.request.timeout.ms)`;
      expect([sent.status, sent.json().message]).toEqual([
        500,
        client === "kafkajs"
          ? `${notAcknowledged}: ${cause}; the record was handed to the producer and may still be written once the topic exists`
          : `${notAcknowledged}; the record was handed to the producer and may still be written`,
      ]);
      for (const [path, task] of [
        ["spooled", 0],
        ["direct", 1],
      ] as const)
        await gw.waitForOutput(
          new RegExp(
            `WARN \\[${path}-${client}\\|task-${task}\\] Failed to send 1 records to Kafka, retrying in \\d+ ms: .*${escaped(cause)}`,
          ),
          60_000,
        );
      // While the send is retried nothing more is taken from the task: the next request's record stays queued.
      const queued = await curlPost(`${gateway.ingest}/direct`, '{"m":2}', "application/json");
      expect([queued.status, queued.json().message]).toEqual([
        503,
        `1 of 1 records were not acknowledged by Kafka (none of them was written): Kafka did not acknowledge the records within ${directTimeoutMs} ms (ingest.request.timeout.ms): ${cause}`,
      ]);
      const trace = await waitFor(
        async () => (await gw.rest.get(`/connectors/spooled-${client}/status`)).body?.tasks?.[0]?.trace,
        { what: "the spool's Degraded trace", timeoutMs: 60_000 },
      );
      expect(trace).toStartWith(`Degraded: the ingest spool is backing up (${cause}): 1 records, `);
      // The kafka-mode task whose send is retried says why in its status (p3ingest: RUNNING, no trace).
      const directTasks = async () =>
        ((await gw.rest.get(`/connectors/${direct}/status`)).body?.tasks ?? []).map(
          (t: { id: number; state: string; trace?: string }) => [t.id, t.state, t.trace ?? null],
        );
      expect(await directTasks()).toEqual([
        [0, "RUNNING", null],
        [
          1,
          "RUNNING",
          `Degraded: Kafka does not take the ingest records (${cause}); the send is being retried. Requests are not acknowledged until Kafka takes the records.`,
        ],
      ]);
      // Once the topic exists (the colliding one deleted, the brokers create it) the send goes through: no trace.
      const admin = (await testClient()).admin();
      await admin.connect();
      try {
        await admin.deleteTopics({ topics: [`${base}.x`] });
      } finally {
        await admin.disconnect();
      }
      await waitFor(async () => (await directTasks())[1]?.[2] === null, {
        what: "the trace cleared",
        timeoutMs: 60_000,
      });
      expect(await directTasks()).toEqual([
        [0, "RUNNING", null],
        [1, "RUNNING", null],
      ]);
      expect((await curlPost(`${gateway.ingest}/direct`, '{"m":3}', "application/json")).status).toBe(200);
    },
    180_000,
  );
});
