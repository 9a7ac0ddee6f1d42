/**
 * connector.client.config.override.policy on the real broker, gateway by gateway: a None-policy
 * worker refuses a connector with `producer.override.linger.ms` with Connect's 400 (create and
 * update alike) and stores nothing; a Principal-policy worker lets a connector log in as its own
 * principal (its producer's sasl.jaas.config) and refuses other overrides; the default All accepts it and the connector's records reach
 * Kafka through a producer configured with it; the same stored connector, once the worker restarts
 * with None, fails (the source connector itself, its offsets answer 500) with Connect's Worker message instead of running with the override
 * silently dropped. (Every answer compared with Connect's own is in connect-override-policy-recorded.)
 */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { type Gateway, startGateway } from "./support/gateway.ts";
import { kafkaBroker, plainJaas, readTopic, saslWorker, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const REFUSED =
  "Connector configuration is invalid and contains the following 1 error(s):\n" +
  "The 'None' policy does not allow 'linger.ms' to be overridden in the connector configuration.\n" +
  "You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`";

async function gateway(dataDir: string, dir: string, policy?: string): Promise<Gateway> {
  const kafka = await kafkaBroker();
  return startGateway({
    dir,
    worker: {
      "bootstrap.servers": kafka.bootstrap,
      "data.dir": dataDir,
      "offset.flush.interval.ms": "200",
      "value.converter": "org.apache.kafka.connect.storage.StringConverter",
      ...(policy === undefined ? {} : { "connector.client.config.override.policy": policy }),
    },
  });
}

function lingeringSource(file: string, topic: string) {
  return { "connector.class": "FileStreamSource", file, topic, "producer.override.linger.ms": "10" };
}

describe("connector.client.config.override.policy", () => {
  test("None: a connector overriding linger.ms is refused with Connect's 400, on create and on update", async () => {
    await using dir = await tempDir();
    await using gw = await gateway(dir.file("data"), dir.path, "None");
    const config = lingeringSource(dir.file("in.txt"), uniqueTopic("policy-none"));

    const created = await gw.rest.post("/connectors", { name: "lingering", config });
    expect([created.status, created.body]).toEqual([400, { error_code: 400, message: REFUSED }]);
    const updated = await gw.rest.put("/connectors/lingering/config", config);
    expect([updated.status, updated.body]).toEqual([400, { error_code: 400, message: REFUSED }]);
    expect((await gw.rest.get("/connectors")).body).toEqual([]);

    const validated = await gw.rest.put("/connector-plugins/FileStreamSource/config/validate", {
      ...config,
      name: "lingering",
    });
    expect(validated.body.error_count).toBe(1);
    expect(
      validated.body.configs.find((c: { value: { name: string } }) => c.value.name === "producer.override.linger.ms"),
    ).toMatchObject({
      definition: { name: "producer.override.linger.ms", type: "LONG", default_value: "5" },
      value: {
        value: "10",
        errors: ["The 'None' policy does not allow 'linger.ms' to be overridden in the connector configuration."],
      },
    });
  });

  test("All: a LONG override anywhere in Java's long range is accepted and shown exactly (validate, then create 201)", async () => {
    await using dir = await tempDir();
    await using gw = await gateway(dir.file("data"), dir.path);
    const config = {
      "connector.class": "FileStreamSource",
      file: dir.file("in.txt"),
      topic: uniqueTopic("policy-long"),
      "producer.override.max.block.ms": "9223372036854775807",
    };
    const validated = await gw.rest.put("/connector-plugins/FileStreamSource/config/validate", {
      ...config,
      "producer.override.linger.ms": "9007199254740993",
      "producer.override.metadata.max.age.ms": "-9223372036854775808",
      name: "long",
    });
    expect(validated.status).toBe(200);
    const shown = (k: string) =>
      validated.body.configs.find((c: { value: { name: string } }) => c.value.name === k)?.value.value;
    expect([
      shown("producer.override.max.block.ms"),
      shown("producer.override.linger.ms"),
      shown("producer.override.metadata.max.age.ms"),
    ]).toEqual(["9223372036854775807", "9007199254740993", "-9223372036854775808"]);
    expect(validated.body.error_count).toBe(0);
    const created = await gw.rest.post("/connectors", { name: "long", config });
    expect([created.status, created.body.config["producer.override.max.block.ms"]]).toEqual([
      201,
      "9223372036854775807",
    ]);
  });

  test("Principal: a connector logs in as its own principal (the SASL keys apply), any other override is refused", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        ...saslWorker(kafka, "gateway-secret"),
        // Producers log in with a password the broker refuses, unless their connector overrides it.
        "producer.sasl.jaas.config": plainJaas("not-the-password"),
        "data.dir": dir.file("data"),
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
        "connector.client.config.override.policy": "Principal",
      },
    });
    expect(gw.output()).toContain(
      'The Principal ConnectorClientConfigOverridePolicy is deprecated, use the Allowlist policy instead. To replicate the Principal policy behavior, set the connector.client.config.override.allowlist configuration to "security.protocol,sasl.mechanism,sasl.jaas.config"',
    );
    const topic = uniqueTopic("policy-principal");
    const input = dir.file("in.txt");
    writeFileSync(input, "as its own principal\n");
    const own = { "connector.class": "FileStreamSource", file: input, topic };

    const refused = await gw.rest.post("/connectors", {
      name: "principal",
      config: {
        ...own,
        "producer.override.sasl.jaas.config": plainJaas("gateway-secret"),
        "producer.override.acks": "1",
      },
    });
    expect([refused.status, refused.body.message]).toEqual([
      400,
      "Connector configuration is invalid and contains the following 1 error(s):\n" +
        "The 'Principal' policy does not allow 'acks' to be overridden in the connector configuration.\n" +
        "You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`",
    ]);
    const created = await gw.rest.post("/connectors", {
      name: "principal",
      config: { ...own, "producer.override.sasl.jaas.config": plainJaas("gateway-secret") },
    });
    expect(created.status).toBe(201);
    expect((await readTopic(topic, 1)).map((r) => r.value?.toString("utf8"))).toEqual(["as its own principal"]);
    expect(gw.output()).not.toContain("gateway-secret");
  });

  test("All applies it; a worker restarted with None fails the stored source connector as Connect's Worker", async () => {
    await using dir = await tempDir();
    const topic = uniqueTopic("policy-all");
    const input = dir.file("in.txt");
    writeFileSync(input, "first\n");
    const taskState = async (gw: Gateway) => {
      const status = (await gw.rest.get("/connectors/lingering/status")).body;
      return status.tasks?.[0]?.state === "RUNNING" || status.tasks?.[0]?.state === "FAILED" ? status : undefined;
    };
    {
      await using gw = await gateway(dir.file("data"), dir.path);
      const created = await gw.rest.post("/connectors", { name: "lingering", config: lingeringSource(input, topic) });
      expect(created.status).toBe(201);
      expect(created.body.config["producer.override.linger.ms"]).toBe("10");
      expect((await readTopic(topic, 1)).map((r) => r.value?.toString("utf8"))).toEqual(["first"]);
      expect((await waitFor(() => taskState(gw))).tasks[0].state).toBe("RUNNING");
    }
    await using gw = await gateway(dir.file("data"), dir.path, "None");
    // As Connect's Worker, which checks a source connector's producer overrides when it builds the
    // connector's offset store: the connector itself fails.
    const connectorFailed = async () => {
      const status = (await gw.rest.get("/connectors/lingering/status")).body;
      return status.connector?.state === "FAILED" ? status : undefined;
    };
    const status = await waitFor(connectorFailed, { what: "the stored connector to fail" });
    const refusal =
      "org.apache.kafka.connect.errors.ConnectException: Client Config Overrides not allowed [[linger.ms,10,[],[The 'None' policy does not allow 'linger.ms' to be overridden in the connector configuration.],true]]\n";
    expect(status.connector.trace).toStartWith(refusal);
    expect(status.tasks.map((t: { state: string }) => t.state)).not.toContain("RUNNING");
    expect(gw.output()).toContain("Failed to start connector lingering");
    const offsets = await gw.rest.get("/connectors/lingering/offsets");
    expect([offsets.status, offsets.body.message]).toEqual([500, refusal.slice(refusal.indexOf("Client"), -1)]);
  });
});
