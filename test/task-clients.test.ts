/**
 * The Kafka clients of a task on the real broker: their client ids are Connect's defaults (what
 * operators key quotas, ACL audits and broker logs on), a connector's override replaces them, and a
 * source task's invalid producer configuration fails the task at start, as Connect's Worker does
 * when it constructs the producer. (That producers and admin clients send their client.id on the
 * wire is proven per adapter against a recording loopback broker: src/kafka/kafka-ports.test.ts.)
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { produce, testClient, uniqueTopic } from "./support/kafka.ts";
import { suiteGateway } from "./support/suite-gateway.ts";
import { waitFor } from "./support/wait-for.ts";

const suite = suiteGateway({
  "offset.flush.interval.ms": "200",
  "key.converter": "org.apache.kafka.connect.storage.StringConverter",
  "value.converter": "org.apache.kafka.connect.storage.StringConverter",
});

/** Runs a FileStreamSink until it wrote one record, then returns the client ids of its group's members. */
async function sinkMemberClientIds(name: string, extra: Record<string, string> = {}): Promise<string[]> {
  const topic = uniqueTopic(name);
  await produce(topic, [{ value: "one" }]);
  const out = suite.dir.file(`${name}.out`);
  const r = await suite.gw.rest.post("/connectors", {
    name,
    config: { "connector.class": "FileStreamSink", topics: topic, file: out, ...extra },
  });
  expect(r.status).toBe(201);
  await waitFor(() => existsSync(out) && readFileSync(out, "utf8") === "one\n", { what: `${name} to write` });
  const admin = (await testClient()).admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([`connect-${name}`]);
    return (groups[0]?.members ?? []).map((m) => m.clientId);
  } finally {
    await admin.disconnect();
    await suite.gw.rest.delete(`/connectors/${name}`);
  }
}

describe("a task's Kafka clients on the broker", () => {
  test("a sink task's consumer joins its group as connector-consumer-<connector>-<task>", async () => {
    // A name (so a consumer group) of its own on the shared broker: another run's members would show.
    const name = uniqueTopic("ids-sink");
    expect(await sinkMemberClientIds(name)).toEqual([`connector-consumer-${name}-0`]);
  });

  test("consumer.override.client.id replaces the default (Connect's precedence)", async () => {
    expect(
      await sinkMemberClientIds(uniqueTopic("ids-sink-override"), { "consumer.override.client.id": "orders-reader" }),
    ).toEqual(["orders-reader"]);
  });

  test("an invalid source producer configuration fails the task at start with the client's message", async () => {
    // Nothing to read: the task never polls a record, so only the check at start can fail it.
    const file = suite.dir.file("bad-producer.txt");
    writeFileSync(file, "");
    const created = await suite.gw.rest.post("/connectors", {
      name: "bad-producer",
      config: {
        "connector.class": "FileStreamSource",
        file,
        topic: uniqueTopic("bad-producer"),
        "producer.override.acks": "banana",
      },
    });
    expect(created.status).toBe(201);
    const status = await waitFor(async () => {
      const s = (await suite.gw.rest.get("/connectors/bad-producer/status")).body;
      return s.tasks?.[0]?.state === "FAILED" ? s : undefined;
    });
    expect(status.tasks[0].trace).toStartWith(
      "org.apache.kafka.common.config.ConfigException: Invalid value banana for configuration acks: String must be one of: all, -1, 0, 1\n",
    );
  });
});
