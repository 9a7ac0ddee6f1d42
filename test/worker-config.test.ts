/**
 * Worker configuration on the real binary: SASL/PLAIN and SSL to the broker for every client the
 * gateway creates (admin, producers, consumers) through worker.properties, per-client overrides,
 * CONNECT_* environment variables, advertised host and port, and accepted-but-unused keys.
 */
import { describe, expect, test } from "bun:test";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { exitCodeWithin, spawnGateway, startGateway } from "./support/gateway.ts";
import { kafkaBroker, saslWorker, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

async function pipelineWorks(worker: Record<string, string>, dir: string): Promise<string> {
  await using gw = await startGateway({ dir, worker: { ...worker, "offset.flush.interval.ms": "200" } });
  const kafka = await kafkaBroker();
  expect((await gw.rest.get("/")).body.kafka_cluster_id).toBe(kafka.clusterId);
  const input = `${dir}/in.txt`;
  const output = `${dir}/out.txt`;
  const topic = uniqueTopic("secure");
  writeFileSync(input, "");
  const converters = {
    "value.converter": "org.apache.kafka.connect.storage.StringConverter",
    "key.converter": "org.apache.kafka.connect.storage.StringConverter",
  };
  expect(
    (
      await gw.rest.post("/connectors", {
        name: "src",
        config: { "connector.class": "FileStreamSource", file: input, topic, ...converters },
      })
    ).status,
  ).toBe(201);
  expect(
    (
      await gw.rest.post("/connectors", {
        // A name (so a consumer group) of its own on the shared broker, whoever else runs meanwhile.
        name: uniqueTopic("snk"),
        config: { "connector.class": "FileStreamSink", file: output, topics: topic, ...converters },
      })
    ).status,
  ).toBe(201);
  appendFileSync(input, "secret-free line\n");
  await waitFor(() => existsSync(output) && readFileSync(output, "utf8") === "secret-free line\n", {
    what: "the line in the sink file",
  });
  return gw.output();
}

describe("connecting to a secured broker", () => {
  test("SASL_PLAINTEXT with PLAIN for every client, from top-level worker keys", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const log = await pipelineWorks(
      {
        ...saslWorker(kafka, "gateway-secret"),
        "data.dir": dir.file("data"),
      },
      dir.path,
    );
    expect(log).not.toContain("gateway-secret");
  });

  test("SSL with a PEM trust store, set per client type (producer.*, consumer.*, admin.*)", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const ssl = (prefix: string) => ({
      [`${prefix}security.protocol`]: "SSL",
      [`${prefix}ssl.truststore.type`]: "PEM",
      [`${prefix}ssl.truststore.location`]: kafka.sslCa,
    });
    await pipelineWorks(
      {
        "bootstrap.servers": kafka.bootstrapSsl,
        ...ssl("producer."),
        ...ssl("consumer."),
        ...ssl("admin."),
        ...ssl(""),
        "data.dir": dir.file("data"),
      },
      dir.path,
    );
  });

  test.each(["platformatic", "kafkajs"])(
    "wrong SASL credentials stop startup as Connect's do: one ERROR line naming the refusal, exit code 2 (kafka.client=%s)",
    async (client) => {
      const kafka = await kafkaBroker();
      await using dir = await tempDir();
      const spawned = spawnGateway({
        dir: dir.path,
        worker: { ...saslWorker(kafka, "wrong-password"), "data.dir": dir.file("data"), "kafka.client": client },
      });
      const code = await exitCodeWithin(spawned, 25_000);
      const { output } = spawned;
      expect(code).toBe(2);
      const errors = output()
        .split("\n")
        .filter((l) => l.includes(" ERROR "));
      expect(errors).toEqual([expect.stringContaining("ERROR Stopping due to error")]);
      expect(output()).toContain(
        "Failed to connect to and describe Kafka cluster. Check worker's broker connection and security properties.",
      );
      expect(output()).toContain("Caused by: KafkaAccessError: Failed to connect the admin client: ");
      expect(output()).toContain("Authentication failed: Invalid username or password");
      // opswalk-b: the stop names the refusal it had in hand, here the credentials.
      expect(output()).toContain("INFO Kafka refused the worker's credentials: stopping the gateway");
      expect(output()).not.toContain("wrong-password");
    },
    30_000,
  );
});

describe("worker settings", () => {
  test("CONNECT_* variables set the advertised worker id; plugin.path, Connect's keys of no effect and exactly.once.source.support=enabled are accepted and warned about, each with its reason", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "plugin.path": "/usr/share/java",
        "plugin.discovery": "service_load",
        "rest.extension.classes": "com.example.Extension",
        "group.id": "connect-cluster",
        "connect.protocol": "sessioned",
        "offset.flush.timeout.ms": "5000",
        "exactly.once.source.support": "enabled",
      },
      env: { CONNECT_REST_ADVERTISED_HOST_NAME: "edge-7", CONNECT_REST_ADVERTISED_PORT: "9999" },
    });
    writeFileSync(dir.file("in.txt"), "");
    await gw.rest.post("/connectors", {
      name: "adv",
      config: { "connector.class": "FileStreamSource", file: dir.file("in.txt"), topic: uniqueTopic("adv") },
    });
    const status = await waitFor(async () => (await gw.rest.get("/connectors/adv/status")).body.connector?.worker_id);
    expect(status).toBe("edge-7:9999");
    expect(gw.output()).toContain("plugin.path is set but unused: the gateway's plugins are built in");
    expect(gw.output().match(/Worker config \S+ has no effect in this gateway \([^)]*\)/g)).toEqual([
      "Worker config group.id has no effect in this gateway (state lives in data.dir)",
      "Worker config rest.extension.classes has no effect in this gateway (it loads no REST extensions)",
      "Worker config plugin.discovery has no effect in this gateway (its plugins are built in)",
      "Worker config connect.protocol has no effect in this gateway (it runs one worker of its own, in no group of workers)",
      "Worker config exactly.once.source.support=enabled has no effect in this gateway (it has no exactly-once source support)",
    ]);
    expect(gw.output()).toContain(
      "exactly-once source support): source tasks run as with disabled (at-least-once), and connectors with exactly.once.support=required are refused",
    );
    // What the WARN says: the validation still refuses exactly.once.support=required, as Connect's without support.
    const validation = await gw.rest.put("/connector-plugins/FileStreamSource/config/validate", {
      "connector.class": "FileStreamSource",
      name: "eos",
      topic: "eos",
      "exactly.once.support": "required",
    });
    const eos = validation.body.configs.find(
      (c: { value: { name: string } }) => c.value.name === "exactly.once.support",
    );
    expect(eos.value.errors[0]).toBe("This worker does not have exactly-once source support enabled.");
  });

  // opshunt: advertised as http://:PORT/ with worker_id ":PORT".
  test("an empty rest.advertised.host.name (a template's CONNECT_REST_ADVERTISED_HOST_NAME=) is unset, as in Connect", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data") },
      env: { CONNECT_REST_ADVERTISED_HOST_NAME: "" },
    });
    expect(gw.output()).toContain(`REST server listening at ${gw.url}/, advertising URL ${gw.url}/ `);
  });
});
