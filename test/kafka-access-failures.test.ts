/**
 * Kafka authentication failures of a task's own clients, on the real binary against the test
 * broker's SASL_PLAINTEXT listener, with both Kafka clients: as in Connect (Java's clients never
 * retry an AuthenticationException), the task goes FAILED at its first poll or send, its trace
 * names the failure (never the password), one ERROR line says so, and the task runs once its
 * config is fixed. The gateway itself talks to the broker's plain listener.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { failedTask, type Gateway, startGateway } from "./support/gateway.ts";
import {
  createTopic,
  type KafkaInfo,
  kafkaBroker,
  plainJaas,
  produce,
  readTopic,
  uniqueTopic,
} from "./support/kafka.ts";
import { createRefusingHttpSink } from "./support/refusing-http-sink.ts";
import { sendCallbackCause } from "./support/send-callback-trace.ts";
import { committedOffset } from "./support/sink-task.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const WRONG = "wr0ng-Passw0rd";
const STRING = "org.apache.kafka.connect.storage.StringConverter";

/** `<client>.override.*` keys that reach the SASL listener as `gateway` with this password and mechanism. */
function saslOverrides(
  kafka: KafkaInfo,
  client: "consumer" | "producer" | "admin",
  password: string,
  mechanism = "PLAIN",
) {
  return {
    [`${client}.override.bootstrap.servers`]: kafka.bootstrapSasl,
    [`${client}.override.security.protocol`]: "SASL_PLAINTEXT",
    [`${client}.override.sasl.mechanism`]: mechanism,
    [`${client}.override.sasl.jaas.config`]: plainJaas(password),
  };
}

async function runningTask(gw: Gateway, connector: string) {
  return waitFor(
    async () => (await gw.rest.get(`/connectors/${connector}/status`)).body.tasks?.[0]?.state === "RUNNING",
    { timeoutMs: 25_000, what: `${connector} RUNNING` },
  );
}

// Each case has a gateway, topics and connectors of its own and mostly waits (failures, restarts): they run at once.
describe.concurrent.each(["platformatic", "kafkajs"])(
  "a task whose Kafka client cannot authenticate (kafka.client=%s)",
  (client) => {
    test("goes FAILED at once with the authentication failure in its trace and one ERROR line for it (a source task: after its send callback's); fixing the config runs it", async () => {
      const kafka = await kafkaBroker();
      await using dir = await tempDir();
      const topic = uniqueTopic("sasl-denied");
      await createTopic(topic);
      await using gw = await startGateway({
        dir: dir.path,
        worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "kafka.client": client },
      });
      writeFileSync(dir.file("in.txt"), "from-source\n");
      const sink = {
        "connector.class": "FileStreamSink",
        topics: topic,
        file: dir.file("out.txt"),
        "consumer.override.auto.offset.reset": "earliest",
        "value.converter": STRING,
      };
      const source = {
        "connector.class": "FileStreamSource",
        topic,
        file: dir.file("in.txt"),
        "value.converter": STRING,
      };
      // Sink names (so consumer groups) of their own on the shared broker, whoever else runs meanwhile.
      const sinkPassword = uniqueTopic("sink-password");
      const sinkMechanism = uniqueTopic("sink-mechanism");
      const configs: Record<string, Record<string, string>> = {
        [sinkPassword]: { ...sink, ...saslOverrides(kafka, "consumer", WRONG) },
        [sinkMechanism]: {
          ...sink,
          file: dir.file("out2.txt"),
          ...saslOverrides(kafka, "consumer", WRONG, "SCRAM-SHA-256"),
        },
        "source-password": { ...source, ...saslOverrides(kafka, "producer", WRONG) },
      };
      for (const [name, config] of Object.entries(configs)) {
        expect((await gw.rest.post("/connectors", { name, config })).status).toBe(201);
      }
      const expected: Record<string, string> = {
        [sinkPassword]: `org.apache.kafka.common.errors.SaslAuthenticationException: Failed to start the consumer of group connect-${sinkPassword}: `,
        [sinkMechanism]: `org.apache.kafka.common.errors.UnsupportedSaslMechanismException: Failed to start the consumer of group connect-${sinkMechanism}: `,
        "source-password": "org.apache.kafka.common.errors.SaslAuthenticationException: Failed to ",
      };
      for (const name of Object.keys(configs)) {
        const task = await failedTask(gw, name);
        const trace = String(task.trace);
        // The source task's send failed: Connect's first line, the client's failure under it (explore19 F4).
        const failure = name.startsWith("source-") ? sendCallbackCause(trace) : trace.split("\n")[0];
        expect(failure).toStartWith(expected[name]!);
        expect(failure).toMatch(/authentication failed|SASL mechanism/i);
        expect(trace).not.toContain(WRONG);
        // The compiled binary embeds its source map (scripts/build): frames name source files, not
        // offsets in the bundle (`/$bunfs/root/gateway:153:66320`); run from the sources, absolute paths.
        expect(trace).toMatch(/\n\tat .*[(/]src\/[\w/.-]+\.ts:\d+:\d+\)\n/);
        expect(trace).not.toContain("$bunfs");
      }
      // One line of the task's failure; a source task's send callback logs its failed send first, as Connect's.
      for (const name of Object.keys(configs)) {
        const isSource = name.startsWith("source-");
        const failed = ` ERROR [${name}|task-0] Worker${isSource ? "Source" : "Sink"}Task{id=${name}-0} Task threw an uncaught`;
        await gw.waitForOutput(new RegExp(RegExp.escape(failed)));
        const errors = gw
          .output()
          .split("\n")
          .filter((l) => l.includes(` ERROR [${name}|task-0]`));
        if (!isSource) expect(errors).toEqual([expect.stringContaining(failed)]);
        else
          expect(errors).toEqual([
            expect.stringContaining(` ERROR [${name}|task-0] WorkerSourceTask{id=${name}-0} failed to send record to `),
            expect.stringContaining(failed),
          ]);
      }
      expect(gw.output()).not.toContain(WRONG);

      // Fixed: a new config restarts the tasks, which now run.
      const fixedSink = { ...sink, ...saslOverrides(kafka, "consumer", "gateway-secret") };
      const fixedSource = { ...source, ...saslOverrides(kafka, "producer", "gateway-secret") };
      expect((await gw.rest.put(`/connectors/${sinkPassword}/config`, fixedSink)).status).toBe(200);
      expect((await gw.rest.put("/connectors/source-password/config", fixedSource)).status).toBe(200);
      await runningTask(gw, sinkPassword);
      await runningTask(gw, "source-password");
      await produce(topic, [{ value: "from-test" }]);
      const values = (await readTopic(topic, 2)).map((r) => r.value?.toString());
      expect(values).toContain("from-source");
      await waitFor(
        () => {
          const out = readFileSync(dir.file("out.txt"), "utf8");
          return out.includes("from-test") && out.includes("from-source");
        },
        { timeoutMs: 25_000, what: "both records in the sink's file" },
      );
    }, 60_000);

    test("the dead letter queue: a refused admin fails the task at start; a refused producer loses the record to an ERROR line, as Connect's", async () => {
      const kafka = await kafkaBroker();
      await using dir = await tempDir();
      const topic = uniqueTopic("sasl-dlq-in");
      await createTopic(topic);
      await using gw = await startGateway({
        dir: dir.path,
        worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "kafka.client": client },
      });
      const sink = {
        "connector.class": "FileStreamSink",
        topics: topic,
        "consumer.override.auto.offset.reset": "earliest",
        "errors.tolerance": "all",
        "errors.deadletterqueue.topic.replication.factor": "1",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
      };
      const adminDlq = uniqueTopic("sasl-dlq-a");
      // Names (so consumer groups) of their own on the shared broker, whoever else runs meanwhile.
      const [dlqAdmin, dlqProducer] = [uniqueTopic("dlq-admin"), uniqueTopic("dlq-producer")];
      const created = await Promise.all([
        gw.rest.post("/connectors", {
          name: dlqAdmin,
          config: {
            ...sink,
            file: dir.file("a.txt"),
            "errors.deadletterqueue.topic.name": adminDlq,
            ...saslOverrides(kafka, "admin", WRONG),
          },
        }),
        gw.rest.post("/connectors", {
          name: dlqProducer,
          config: {
            ...sink,
            file: dir.file("p.txt"),
            "errors.deadletterqueue.topic.name": uniqueTopic("sasl-dlq-p"),
            ...saslOverrides(kafka, "producer", WRONG),
          },
        }),
      ]);
      expect(created.map((r) => r.status)).toEqual([201, 201]);
      const task = await failedTask(gw, dlqAdmin);
      expect(String(task.trace).split("\n")[0]).toBe(
        `org.apache.kafka.connect.errors.ConnectException: Could not initialize dead letter queue with topic=${adminDlq}`,
      );
      expect(String(task.trace)).toContain("Caused by: org.apache.kafka.common.errors.SaslAuthenticationException: ");

      await runningTask(gw, dlqProducer);
      await produce(topic, [{ value: "not json" }, { value: '"good"' }]);
      await waitFor(() => existsSync(dir.file("p.txt")) && readFileSync(dir.file("p.txt"), "utf8").includes("good"), {
        timeoutMs: 25_000,
        what: "the good record in the sink's file",
      });
      await waitFor(
        // The task's context on the reporter's lines, as Connect's MDC puts it there.
        () => gw.output().includes(`ERROR [${dlqProducer}|task-0] Could not produce message to dead letter queue`),
        { timeoutMs: 25_000, what: "the DLQ's ERROR line" },
      );
      expect(gw.output()).not.toContain(WRONG);
      expect((await gw.rest.get(`/connectors/${dlqProducer}/status`)).body.tasks[0].state).toBe("RUNNING");
    }, 60_000);

    test("the dead letter queue: an HTTP sink's refused record (errantRecordReporter) the DLQ producer cannot write fails the task, nothing committed past it, as Connect's awaitFutures", async () => {
      const kafka = await kafkaBroker();
      await using dir = await tempDir();
      const topic = uniqueTopic("sasl-dlq-errant");
      await createTopic(topic);
      await using gw = await startGateway({
        dir: dir.path,
        worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "kafka.client": client },
      });
      using sink = await createRefusingHttpSink(gw, {
        topic,
        dlq: uniqueTopic("sasl-dlq-e"),
        refused: (e) => e.bad === true,
        connector: {
          "errors.deadletterqueue.topic.replication.factor": "1",
          ...saslOverrides(kafka, "producer", WRONG),
        },
      });
      const { name, accepted } = sink;
      await runningTask(gw, name);
      await produce(topic, [{ value: '{"i":0}' }, { value: '{"i":1,"bad":true}' }, { value: '{"i":2}' }]);
      const task = await failedTask(gw, name);
      const trace = String(task.trace);
      expect(trace.split("\n")[0]).toStartWith(
        "org.apache.kafka.connect.errors.ConnectException: java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.SaslAuthenticationException: ",
      );
      expect(trace).toContain("Caused by: java.util.concurrent.ExecutionException: ");
      expect(trace).not.toContain(WRONG);
      expect(gw.output()).toContain(`ERROR [${name}|task-0] Could not produce message to dead letter queue`);
      expect(gw.output()).not.toContain(WRONG);
      expect(accepted).not.toContain(1);
      expect(await committedOffset(`connect-${name}`, topic)).toBeLessThanOrEqual(1);
    }, 60_000);
  },
);
