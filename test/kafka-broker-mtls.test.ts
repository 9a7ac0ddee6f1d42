/**
 * A broker listener that requires a client certificate (ssl.client.auth=required, the test broker's
 * `bootstrap_mtls`), with both Kafka client adapters on the real gateway (the compiled binary when
 * GATEWAY_BIN is set): the worker's admin at start, a source task's producer, a sink task's
 * consumer and its dead letter queue producer pass it with the client certificate in each key store
 * format (PEM files, inline PEM, PKCS12, JKS with a key password, a PEM key encrypted with
 * ssl.key.password). Refusals as Java's clients give them: no key store stops the worker at startup
 * with SslAuthenticationException ("SSL handshake failed", the broker's alert, that it requires a
 * client certificate); a certificate of another CA fails the task the same way; a connector whose
 * `producer.override.ssl.key.password` is wrong is refused when validated, naming the key store. No password or private
 * key reaches the log or the status.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import {
  type MtlsKeyStores,
  type MtlsListener,
  makeMtlsKeyStores,
  mtlsBroker,
  mtlsWorker,
} from "./support/broker-mtls.ts";
import { type Gateway, spawnGateway, startGateway } from "./support/gateway.ts";
import { createTopic, type KafkaInfo, readTopic, testClient, uniqueTopic } from "./support/kafka.ts";
import { sendCallbackCause } from "./support/send-callback-trace.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const SSL_AUTH = "org.apache.kafka.common.errors.SslAuthenticationException";
const STRING = "org.apache.kafka.connect.storage.StringConverter";
const REFUSED = "the broker refused the client's certificate";

let info: KafkaInfo;
let mtls: MtlsListener;
let dir: TempDir;
let stores: MtlsKeyStores;

beforeAll(async () => {
  ({ info, mtls } = await mtlsBroker());
  dir = await tempDir("broker-mtls-");
  stores = await makeMtlsKeyStores(dir.path, mtls);
}, 60_000);

afterAll(async () => {
  await dir?.[Symbol.asyncDispose]();
});

/** Neither a store or key password nor a line of the private key in `text`. */
function expectNoSecrets(text: string): void {
  for (const secret of ["mtls-store-pass-7", "mtls-key-pass-9", "wrong-key-pass-3", ...stores.keySecrets])
    expect(text).not.toContain(secret);
}

async function failedTrace(gw: Gateway, connector: string): Promise<string> {
  return waitFor(
    async () => {
      const task = (await gw.rest.get(`/connectors/${connector}/status`)).body.tasks?.[0];
      return task?.state === "FAILED" ? String(task.trace) : undefined;
    },
    { timeoutMs: 30_000, what: `task ${connector}-0 FAILED` },
  );
}

describe.each(["platformatic", "kafkajs"])("a broker that requires client certificates, kafka.client=%s", (client) => {
  async function gateway(work: TempDir, keyStore: Record<string, string>): Promise<Gateway> {
    return startGateway({
      dir: work.path,
      worker: { ...mtlsWorker(info, mtls, keyStore), "kafka.client": client, "data.dir": work.file("data") },
    });
  }

  /** A FileStreamSource through the worker's key store: its line arrives in Kafka. */
  async function sourceMovesALine(gw: Gateway, work: TempDir, name: string): Promise<void> {
    const topic = uniqueTopic(`mtls-${name}`);
    writeFileSync(work.file(`${name}.txt`), `through ${name}\n`);
    const created = await gw.rest.post("/connectors", {
      name,
      config: {
        "connector.class": "FileStreamSource",
        file: work.file(`${name}.txt`),
        topic,
        "value.converter": STRING,
      },
    });
    expect(created.status).toBe(201);
    expect((await readTopic(topic, 1)).map((r) => r.value?.toString())).toEqual([`through ${name}`]);
  }

  test.each(["pemFiles", "inlinePem", "pkcs12", "jks", "encryptedPem"] as const)(
    "key store %s: the worker's admin at start and a source task's producer pass the listener",
    async (format) => {
      await using work = await tempDir();
      await using gw = await gateway(work, stores[format]);
      // The worker's admin read the cluster id through the mTLS listener.
      await waitFor(async () => (await gw.rest.get("/")).body.kafka_cluster_id === info.clusterId, {
        what: "the cluster id",
      });
      await sourceMovesALine(gw, work, `source-${format}`);
      expectNoSecrets(gw.output());
    },
    60_000,
  );

  test("a sink task's consumer and its dead letter queue producer pass it; another CA's certificate fails the task, a wrong key password is refused at validation", async () => {
    await using work = await tempDir();
    await using gw = await gateway(work, stores.pemFiles);
    const topic = uniqueTopic("mtls-sink");
    const dlq = `${topic}-dlq`;
    await createTopic(topic);
    const producer = (await testClient()).producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: '{"n":1}' }, { value: "not json" }, { value: '{"n":2}' }] });
    await producer.disconnect();
    const out = work.file("sink.out");
    const sink = await gw.rest.post("/connectors", {
      // A name (so a consumer group) of its own on the shared broker: no other test file's, nor
      // another run's of this one (scripts/test runs files side by side, helpers run them at once).
      name: uniqueTopic("broker-mtls-sink"),
      config: {
        "connector.class": "FileStreamSink",
        topics: topic,
        file: out,
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
        "errors.tolerance": "all",
        "errors.deadletterqueue.topic.name": dlq,
        "errors.deadletterqueue.topic.replication.factor": "1",
      },
    });
    expect(sink.status).toBe(201);
    expect((await readTopic(dlq, 1)).map((r) => r.value?.toString())).toEqual(["not json"]);
    await waitFor(() => Bun.file(out).exists(), { what: "the sink's file" });
    await waitFor(async () => (await Bun.file(out).text()) === "{n=1}\n{n=2}\n", { what: "the sink's two records" });

    /** A FileStreamSource whose producer overrides its key store with `keyStore`: the answer to its creation. */
    const create = async (name: string, keyStore: Record<string, string>) => {
      writeFileSync(work.file(`${name}.txt`), "a line\n");
      return gw.rest.post("/connectors", {
        name,
        config: {
          "connector.class": "FileStreamSource",
          file: work.file(`${name}.txt`),
          topic: uniqueTopic(name),
          ...Object.fromEntries(Object.entries(keyStore).map(([k, v]) => [`producer.override.${k}`, v])),
        },
      });
    };
    const otherCaCreated = await create("other-ca", stores.otherCa);
    expect(otherCaCreated.status).toBe(201);
    const otherCa = await failedTrace(gw, "other-ca");
    // Its producer's first send failed: Connect's send callback failure over the client's (explore19 F4).
    expect(sendCallbackCause(otherCa)).toStartWith(`${SSL_AUTH}: `);
    expect(otherCa).toContain("SSL handshake failed (ERR_SSL_");
    expect(otherCa).toContain(REFUSED);
    // A key store that cannot be read is refused when the connector is validated (explore4 J6: as a key
    // that is not its certificate's), naming the override key; Connect creates it and fails its task.
    const refused = async (name: string, keyStore: Record<string, string>) => {
      const created = await create(name, keyStore);
      expect(created.status).toBe(400);
      return String(created.body.message);
    };
    const wrongKey = await refused("wrong-key-password", {
      ...stores.encryptedPem,
      "ssl.key.password": "wrong-key-pass-3",
    });
    // Kafka's PEM key store: "Failed to load PEM SSL keystore <file>" caused by "Invalid PEM keystore configs".
    // About one wrong password in 256 decrypts to bytes with valid padding that then fail to parse
    // (ci92: "(wrong password, or a key this gateway cannot read: Unparsed DER bytes …"): both say wrong password.
    expect(wrongKey).toContain(
      `Failed to load PEM SSL keystore ${stores.encryptedPem["ssl.keystore.location"]}: Invalid PEM keystore configs: cannot decrypt the private key (wrong password`,
    );
    expect(wrongKey).toContain("check ssl.key.password)");
    // Kafka's JKS key store: UnrecoverableKeyException "Cannot recover key".
    const wrongJksKey = await refused("wrong-jks-key-password", {
      ...stores.jks,
      "ssl.key.password": "wrong-key-pass-3",
    });
    expect(wrongJksKey).toContain("Cannot recover key");
    for (const message of [wrongKey, wrongJksKey]) expectNoSecrets(message);
    expectNoSecrets(gw.output());
    expectNoSecrets(JSON.stringify((await gw.rest.get("/connectors?expand=status")).body));
  }, 90_000);

  test("no key store: the worker stops at startup as Connect's does, naming the refused handshake", async () => {
    await using work = await tempDir();
    const { proc, output, pumped } = spawnGateway({
      dir: work.path,
      worker: { ...mtlsWorker(info, mtls, {}), "kafka.client": client, "data.dir": work.file("data") },
    });
    let code: number;
    try {
      // The condition is the gateway's exit (its output says why it did not, if it does not); a
      // gateway that keeps running is killed, not left behind.
      code = await waitFor(() => proc.exitCode ?? undefined, {
        what: "the gateway's exit",
        timeoutMs: 75_000,
      }).catch((error: Error) => Promise.reject(new Error(`${error.message}\n${output()}`)));
    } finally {
      if (proc.exitCode === null) proc.kill("SIGKILL");
    }
    await pumped;
    expect(code).toBe(2);
    expect(output()).toContain("ERROR Stopping due to error");
    expect(output()).toContain("Failed to connect the admin client: SSL handshake failed (ERR_SSL_");
    expect(output()).toContain(REFUSED);
  }, 90_000);
});
