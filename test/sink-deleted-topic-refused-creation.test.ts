/**
 * A topic a sink consumes deleted while the task runs, on brokers that do not create topics
 * (`auto.create.topics.enable=false`) while the consumer asks for creation (the client default
 * `allow.auto.create.topics=true`): as Java's consumer, whose metadata has no such topic, the task
 * goes on with its other topic. With kafka.client=kafkajs the topic the brokers refused to create
 * counts as missing, as with `allow.auto.create.topics=false` (sink-deleted-topic.test.ts): the
 * consumer's watch (or kafkajs' own failure on the topic) ends the consumer, and the task's next one
 * subscribes to the topics that exist. Before (kjsjoin), the kafkajs sink stalled: RUNNING, its new
 * consumers waiting for the deleted topic, nothing of the other topic delivered.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Admin } from "kafkajs";
import { startGateway } from "./support/gateway.ts";
import { createTopicsOn, stableSubscriptions, uniqueTopic } from "./support/kafka.ts";
import { type OwnBroker, startOwnBroker } from "./support/own-broker.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

let brokerDir: TempDir;
let broker: OwnBroker;
let admin: Admin;

beforeAll(async () => {
  brokerDir = await tempDir("refused-creation-");
  broker = await startOwnBroker(brokerDir.file("kafka"), "auto.create.topics.enable=false", { untilTestEnds: false });
  admin = broker.client().admin();
  await admin.connect();
}, 180_000);

afterAll(async () => {
  await admin?.disconnect();
  await broker?.[Symbol.asyncDispose]();
  await brokerDir?.[Symbol.asyncDispose]();
});

/** `values` into partition 0 of `topic` on the test's broker. */
async function produce(topic: string, values: string[]): Promise<void> {
  const producer = broker.client().producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: values.map((value) => ({ value, partition: 0 })) });
  } finally {
    await producer.disconnect();
  }
}

test.each(["kafkajs", "platformatic"])(
  "kafka.client=%s, allow.auto.create.topics=true (the default), brokers that do not create topics: a sink whose topic is deleted goes on with its other topic",
  async (client) => {
    await using dir = await tempDir();
    const deleted = uniqueTopic("refused-deleted");
    const kept = uniqueTopic("refused-kept");
    await createTopicsOn(admin, [
      { topic: deleted, numPartitions: 1 },
      { topic: kept, numPartitions: 1 },
    ]);
    await produce(deleted, ["deleted:0"]);
    await produce(kept, ["kept:0", "kept:1"]);
    const file = dir.file("sink.txt");
    // kafkajs' consumer may end before the task committed what it delivered: those records come again (at least once).
    const delivered = async () =>
      (await Bun.file(file).exists())
        ? [...new Set((await Bun.file(file).text()).split("\n").filter((l) => l !== ""))]
        : [];
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": broker.bootstrap,
        "data.dir": dir.file("data"),
        "kafka.client": client,
        "offset.flush.interval.ms": "3600000",
      },
    });
    const name = uniqueTopic("sink-refused-creation");
    const created = await gw.rest.post("/connectors", {
      name,
      config: {
        "connector.class": "FileStreamSink",
        topics: `${deleted},${kept}`,
        file,
        "consumer.override.metadata.max.age.ms": "200",
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
      },
    });
    expect(created.status).toBe(201);
    await waitFor(async () => (await delivered()).length === 3, { what: "the records of both topics" });

    await admin.deleteTopics({ topics: [deleted] });
    await produce(kept, ["kept:2", "kept:3"]);
    await waitFor(async () => (await delivered()).length === 5, {
      what: `the records sent to ${kept} after the deletion`,
    });
    await waitFor(
      async () => JSON.stringify(await stableSubscriptions(admin, `connect-${name}`)) === JSON.stringify([[kept]]),
      { what: "the member subscribed to the kept topic only" },
    );
    expect((await delivered()).sort()).toEqual(["deleted:0", "kept:0", "kept:1", "kept:2", "kept:3"]);
    const status = (await gw.rest.get(`/connectors/${name}/status`)).body;
    expect(status?.connector?.state).toBe("RUNNING");
    expect(status?.tasks?.map((t: { state: string }) => t.state)).toEqual(["RUNNING"]);
    expect(await gw.stop()).toBe(0);
  },
  120_000,
);
