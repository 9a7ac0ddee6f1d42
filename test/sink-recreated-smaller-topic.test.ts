/**
 * A topic a sink consumes deleted and re-created with fewer partitions while the task runs, in the
 * whole gateway against the real broker, under a large `metadata.max.age.ms` (emptyparts P2): as
 * Java's consumer, the default client acts on a partition of its assignment that its topic's
 * metadata no longer has at once (refreshed metadata, a rejoin without it) rather than at the next
 * metadata refresh, 5 minutes later here. The task stays RUNNING and goes on reading the topic.
 */
import { expect, test } from "bun:test";
import { startGateway } from "./support/gateway.ts";
import {
  createTopicsOn,
  groupAssignment,
  kafkaBroker,
  producePerPartition,
  testClient,
  uniqueTopic,
} from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

// A `topics` subscription: with `topics.regex` the member may see the topic gone before it is
// created again, and then rejoins without it, to match it again at the next metadata refresh, as
// Java's consumer does; which of the two it sees is timing.
test("kafka.client=platformatic: a topic re-created with fewer partitions is given up at once, the task RUNNING", async () => {
  const kafka = await kafkaBroker();
  await using dir = await tempDir();
  const topic = uniqueTopic("sink-recreated");
  const admin = (await testClient()).admin();
  await admin.connect();
  try {
    await createTopicsOn(admin, [{ topic, numPartitions: 2 }]);
    await producePerPartition(topic, 2, 1, (p, i) => `old-${p}:${i}`);
    const file = dir.file("sink.txt");
    const lines = async () =>
      (await Bun.file(file).exists()) ? (await Bun.file(file).text()).split("\n").filter((l) => l !== "") : [];
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "kafka.client": "platformatic",
        "offset.flush.interval.ms": "3600000",
      },
    });
    const name = uniqueTopic("sink-reading-a-recreated-topic");
    const created = await gw.rest.post("/connectors", {
      name,
      config: {
        "connector.class": "FileStreamSink",
        topics: topic,
        file,
        "tasks.max": "1",
        "consumer.override.metadata.max.age.ms": "300000",
        "consumer.override.auto.offset.reset": "earliest",
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
      },
    });
    expect(created.status).toBe(201);
    await waitFor(async () => (await lines()).length === 2, { what: "the records of the old topic" });
    const groupId = `connect-${name}`;

    await admin.deleteTopics({ topics: [topic] });
    await waitFor(async () => !(await admin.listTopics()).includes(topic), { what: "the topic deleted" });
    await createTopicsOn(admin, [{ topic, numPartitions: 1 }]);
    // Where the task goes on in the re-created partition depends on where it was (and on what
    // its revocation committed): the last record tells that it reads it.
    await producePerPartition(topic, 1, 3, (p, i) => `new-${p}:${i}`);
    await waitFor(async () => (await lines()).includes("new-0:2"), { what: "the re-created topic's last record" });
    await waitFor(async () => JSON.stringify(await groupAssignment(admin, groupId)) === `[["${topic}-0"]]`, {
      what: `the group assigned ${topic}-0 only`,
    });
    const status = (await gw.rest.get(`/connectors/${name}/status`)).body;
    expect(status?.connector?.state).toBe("RUNNING");
    expect(status?.tasks?.map((t: { state: string }) => t.state)).toEqual(["RUNNING"]);
    expect(await gw.stop()).toBe(0);
  } finally {
    await admin.disconnect();
  }
}, 120_000);
