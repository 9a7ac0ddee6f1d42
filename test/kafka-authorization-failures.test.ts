/**
 * Kafka authorization (ACL) and TLS failures of a task's own clients, on the real binary against a
 * broker of the test's own with StandardAuthorizer: its PLAINTEXT listener (ANONYMOUS, a super user)
 * serves the worker and the test's setup; the SASL listener's user `gateway` gets only the ACLs
 * each case grants. As in Connect (Java's clients never retry an AuthorizationException), a task
 * denied its topic or group goes FAILED within seconds with Java's exception class in its trace;
 * a dead letter queue the task may not write loses the record to an ERROR line; an ingest task
 * denied its topic fails the same way (its device gets a 500 with the record unwritten; REST
 * Proxy's 403/40301 is not given yet). A broker certificate the client's trust store does not
 * trust fails the task, and the worker at startup, as Connect's SslAuthenticationException does.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, type Kafka, ResourcePatternTypes } from "kafkajs";
import { type Gateway, ingestUrlOf, spawnGateway, startGateway, taskState } from "./support/gateway.ts";
import { createTopicsOn, kafkaBroker, plainJaas } from "./support/kafka.ts";
import { type OwnBroker, startOwnBroker } from "./support/own-broker.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const PASSWORD = "gateway-secret";
const STRING = "org.apache.kafka.connect.storage.StringConverter";
const ERR = "org.apache.kafka.common.errors.";

let broker: OwnBroker;
let dir: TempDir;
let kafka: Kafka;

beforeAll(async () => {
  dir = await tempDir("acl-broker-");
  broker = await startOwnBroker(
    dir.file("broker"),
    "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer\nsuper.users=User:ANONYMOUS",
  );
  kafka = broker.client();
  const admin = kafka.admin();
  await admin.connect();
  try {
    await createTopicsOn(
      admin,
      ["no-write", "no-read", "readable", "dlq-in", "dlq", "ingest-no-write"].map((topic) => ({
        topic,
        numPartitions: 1,
      })),
    );
    const allow = (resourceType: AclResourceTypes, resourceName: string, operation: AclOperationTypes) => ({
      resourceType,
      resourceName,
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal: "User:gateway",
      host: "*",
      operation,
      permissionType: AclPermissionTypes.ALLOW,
    });
    await admin.createAcls({
      acl: [
        // may read `readable` but not use its group; may use the group of `no-read` but not read it
        allow(AclResourceTypes.TOPIC, "readable", AclOperationTypes.READ),
        // WRITE on one topic lets its idempotent producers start (InitProducerId) as Java's would
        allow(AclResourceTypes.TOPIC, "readable", AclOperationTypes.WRITE),
        allow(AclResourceTypes.GROUP, "connect-sink-no-read", AclOperationTypes.READ),
        // the DLQ sink reads its input with the plain listener; its DLQ producer may only describe
        allow(AclResourceTypes.TOPIC, "dlq", AclOperationTypes.DESCRIBE),
        allow(AclResourceTypes.TOPIC, "ingest-no-write", AclOperationTypes.DESCRIBE),
        // no-write: seen (DESCRIBE), so the broker's produce answer is the refusal, not its metadata
        allow(AclResourceTypes.TOPIC, "no-write", AclOperationTypes.DESCRIBE),
      ],
    });
  } finally {
    await admin.disconnect();
  }
}, 60_000);

afterAll(async () => {
  await broker?.[Symbol.asyncDispose]();
  await dir?.[Symbol.asyncDispose]();
});

/** `<client>.override.*` keys that reach the own broker's SASL listener as `gateway`. */
function asGateway(client: "consumer" | "producer") {
  return {
    [`${client}.override.bootstrap.servers`]: broker.info.bootstrap_sasl!,
    [`${client}.override.security.protocol`]: "SASL_PLAINTEXT",
    [`${client}.override.sasl.mechanism`]: "PLAIN",
    [`${client}.override.sasl.jaas.config`]: plainJaas(PASSWORD),
  };
}

async function failedTrace(gw: Gateway, connector: string): Promise<string> {
  return waitFor(
    async () => {
      const task = (await gw.rest.get(`/connectors/${connector}/status`)).body.tasks?.[0];
      return task?.state === "FAILED" ? String(task.trace) : undefined;
    },
    { timeoutMs: 20_000, what: `${connector} FAILED` },
  );
}

describe.each(["platformatic", "kafkajs"])("a task denied by the broker (kafka.client=%s)", (client) => {
  test("fails within seconds with Java's exception class, never the password; a denied DLQ only logs", async () => {
    const shared = await kafkaBroker(); // its CA did not sign the own broker's certificate
    await using work = await tempDir();
    await using gw = await startGateway({
      dir: work.path,
      worker: {
        "bootstrap.servers": broker.bootstrap,
        "data.dir": work.file("data"),
        "kafka.client": client,
        "ingest.listeners": "http://127.0.0.1:0",
      },
    });
    writeFileSync(work.file("in.txt"), "a\n");
    const source = { "connector.class": "FileStreamSource", file: work.file("in.txt"), "value.converter": STRING };
    const sink = {
      "connector.class": "FileStreamSink",
      "consumer.override.auto.offset.reset": "earliest",
      "value.converter": STRING,
    };
    const configs: Record<string, Record<string, string>> = {
      "source-no-write": { ...source, topic: "no-write", ...asGateway("producer") },
      "sink-no-read": { ...sink, topics: "no-read", file: work.file("r.txt"), ...asGateway("consumer") },
      "sink-no-group": { ...sink, topics: "readable", file: work.file("g.txt"), ...asGateway("consumer") },
      "source-wrong-ca": {
        ...source,
        topic: "no-write",
        "producer.override.bootstrap.servers": broker.info.bootstrap_ssl!,
        "producer.override.security.protocol": "SSL",
        "producer.override.ssl.truststore.type": "PEM",
        "producer.override.ssl.truststore.location": shared.sslCa,
      },
    };
    for (const [name, config] of Object.entries(configs))
      expect((await gw.rest.post("/connectors", { name, config })).status).toBe(201);
    const expected: Record<string, string> = {
      "source-no-write": `${ERR}TopicAuthorizationException: `,
      "sink-no-read": `${ERR}TopicAuthorizationException: Failed to start the consumer of group connect-sink-no-read: `,
      "sink-no-group": `${ERR}GroupAuthorizationException: Failed to start the consumer of group connect-sink-no-group: `,
      "source-wrong-ca": `${ERR}SslAuthenticationException: Failed to connect the producer: SSL handshake failed (SELF_SIGNED_CERT_IN_CHAIN: `,
    };
    for (const name of Object.keys(configs)) {
      const trace = await failedTrace(gw, name);
      expect(trace.split("\n")[0]!).toStartWith(expected[name]!);
      expect(trace).not.toContain(PASSWORD);
    }

    // The DLQ producer may not write the DLQ: the record is lost to an ERROR line, the task runs on.
    const dlqSink = {
      "connector.class": "FileStreamSink",
      topics: "dlq-in",
      file: work.file("d.txt"),
      "consumer.override.auto.offset.reset": "earliest",
      "errors.tolerance": "all",
      "errors.deadletterqueue.topic.name": "dlq",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
      ...asGateway("producer"),
    };
    expect((await gw.rest.post("/connectors", { name: "dlq-denied", config: dlqSink })).status).toBe(201);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: "dlq-in", messages: [{ value: "not json" }, { value: '"good"' }] });
    await producer.disconnect();
    await waitFor(
      () => gw.output().includes("ERROR [dlq-denied|task-0] Could not produce message to dead letter queue"),
      {
        timeoutMs: 20_000,
        what: "the DLQ's ERROR line",
      },
    );
    expect((await gw.rest.get("/connectors/dlq-denied/status")).body.tasks[0].state).toBe("RUNNING");

    // The ingest connector's producer may not write its topic.
    const ingest = {
      "connector.class": "HttpIngestSource",
      "ingest.path": "/ingest/denied",
      "kafka.topic": "ingest-no-write",
      ...asGateway("producer"),
    };
    expect((await gw.rest.post("/connectors", { name: "ingest-denied", config: ingest })).status).toBe(201);
    await waitFor(async () => (await taskState(gw, "ingest-denied")) === "RUNNING", {
      timeoutMs: 20_000,
      what: "ingest-denied RUNNING",
    });
    const url = await ingestUrlOf(gw);
    const r = await fetch(`${url}/ingest/denied`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: '{"n":1}',
    });
    const answer = { status: r.status, body: await r.text() };
    // Not written, and the task fails as a source task denied its topic does.
    expect(answer.status).toBe(500);
    expect(JSON.parse(answer.body).offsets[0].partition).toBeNull();
    expect((await failedTrace(gw, "ingest-denied")).split("\n")[0]!).toStartWith(`${ERR}TopicAuthorizationException: `);
    expect(gw.output()).not.toContain(PASSWORD);
  }, 45_000);
});

test.each(["platformatic", "kafkajs"])(
  "a worker whose trust store does not trust the broker's certificate stops at startup as Connect's does: exit code 2, the handshake named (kafka.client=%s)",
  async (client) => {
    const shared = await kafkaBroker(); // its CA did not sign the own broker's certificate
    await using work = await tempDir();
    const { proc, output, pumped } = spawnGateway({
      dir: work.path,
      worker: {
        "bootstrap.servers": broker.info.bootstrap_ssl!,
        "security.protocol": "SSL",
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": shared.sslCa,
        "data.dir": work.file("data"),
        "kafka.client": client,
      },
    });
    // Bounded: a gateway that keeps running is killed, not left behind.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const code = await Promise.race([
      proc.exited,
      new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve("still running after 20 s"), 20_000);
      }),
    ]);
    clearTimeout(timer);
    if (proc.exitCode === null) proc.kill("SIGKILL");
    await pumped;
    expect(code).toBe(2);
    expect(output()).toContain("ERROR Stopping due to error");
    expect(output()).toContain(
      "Caused by: KafkaAccessError: Failed to connect the admin client: SSL handshake failed (SELF_SIGNED_CERT_IN_CHAIN: ",
    );
  },
  30_000,
);
