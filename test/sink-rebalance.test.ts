/**
 * A sink connector's consumer group rebalancing mid-stream, in the whole gateway against the real
 * broker: Apache's FileStreamSink with tasks.max=2 and no periodic commit (offset.flush.interval.ms
 * of an hour; unlike the HTTP sink it never asks for a commit itself), a third member joining the
 * group `connect-<name>` (a name unique to the run) and leaving again while records flow.
 * Each task flushes and commits its partitions before it gives them up (Connect's
 * WorkerSinkTask.HandleRebalance), so whoever owns a partition next starts after what was
 * delivered: every record reaches the file exactly once, in order per partition.
 */
import { expect, test } from "bun:test";
import type { TopicPartition } from "../src/api/record.ts";
import { kafkaPorts } from "../src/kafka/kafka-ports.ts";
import { LogManager } from "../src/util/logger.ts";
import { startGateway } from "./support/gateway.ts";
import { createTopicsOn, kafkaBroker, producePerPartition, testClient, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const PARTITIONS = 4;
const PER_ROUND = 50;

/** `count` records `p:i` per partition, i being the record's offset. */
function produceEvents(topic: string, from: number, count: number): Promise<void> {
  return producePerPartition(topic, PARTITIONS, count, (p, i) => `${p}:${i}`, from);
}

test.each([["platformatic"], ["kafkajs"]] as const)(
  "kafka.client=%s: a member joining and leaving the group of a sink with tasks.max=2 mid-stream, every record delivered exactly once",
  async (client) => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const topic = uniqueTopic(`sink-rebalance-${client}`);
    // A name (so a group) of its own: runs on a shared broker at the same time (or the group's
    // members of an earlier run still leaving) would join one group, and kafkajs' leader assigns its
    // own topics to every member, so a task wrote another run's records (same lines) into its file.
    const name = uniqueTopic("rebalancing-sink");
    const admin = (await testClient()).admin();
    await admin.connect();
    try {
      await createTopicsOn(admin, [{ topic, numPartitions: PARTITIONS }]);
    } finally {
      await admin.disconnect();
    }
    await produceEvents(topic, 0, PER_ROUND);

    const file = dir.file("sink.txt");
    /** The records in the file, as `{p, i}`, in the order written. */
    const accepted = async () => {
      const lines = (await Bun.file(file).exists()) ? (await Bun.file(file).text()).split("\n") : [];
      return lines
        .filter((l) => l !== "")
        .map((l) => {
          const [p, i] = l.split(":").map(Number);
          return { p: p!, i: i! };
        });
    };
    const distinct = async () => new Set((await accepted()).map((e) => `${e.p}:${e.i}`)).size;

    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "data.dir": dir.file("data"),
        "kafka.client": client,
        // Nothing is committed on a timer: only at revocation (and at stop).
        "offset.flush.interval.ms": "3600000",
      },
    });
    const created = await gw.rest.post("/connectors", {
      name,
      config: {
        "connector.class": "FileStreamSink",
        topics: topic,
        file,
        "tasks.max": "2",
        "consumer.override.heartbeat.interval.ms": "200",
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
      },
    });
    expect(created.status).toBe(201);
    await waitFor(async () => (await distinct()) === PARTITIONS * PER_ROUND, {
      what: "the first round delivered",
      timeoutMs: 60_000,
    });

    // A third member joins the sink's group: both tasks give up their partitions (committing what
    // they delivered), and the newcomer takes some of them. It never commits anything.
    // A member of the same client library: each names its group protocol its own way.
    const port = kafkaPorts[client](new LogManager({ sink: () => {} }));
    const stranger = await port.consumer({
      groupId: `connect-${name}`,
      topics: [topic],
      properties: { "bootstrap.servers": kafka.bootstrap, "heartbeat.interval.ms": "200" },
    });
    const strangerOwns: TopicPartition[] = [];
    await stranger.start({
      onRecords: async () => {},
      onPartitionsAssigned: async (partitions) => void strangerOwns.push(...partitions),
      onPartitionsRevoked: async () => {},
      onPartitionsLost: async () => {},
      onCrash: () => {},
    });
    await waitFor(() => strangerOwns.length > 0, { what: "the third member's partitions", timeoutMs: 30_000 });
    await produceEvents(topic, PER_ROUND, PER_ROUND);
    const strangers = new Set(strangerOwns.map((tp) => tp.partition));
    const others = PARTITIONS - strangers.size;
    await waitFor(async () => (await accepted()).filter((e) => !strangers.has(e.p)).length >= others * 2 * PER_ROUND, {
      what: "the second round of the tasks' own partitions",
      timeoutMs: 60_000,
    });
    // It leaves: the tasks get its partitions back at the offsets they committed when giving them up.
    await stranger.close();
    await waitFor(async () => (await distinct()) === PARTITIONS * 2 * PER_ROUND, {
      what: "every record",
      timeoutMs: 60_000,
    });

    // A record delivered again would have come before the later ones of its partition: none did.
    const written = await accepted();
    expect(written.length).toBe(PARTITIONS * 2 * PER_ROUND);
    for (let p = 0; p < PARTITIONS; p++) {
      expect(written.filter((e) => e.p === p).map((e) => e.i)).toEqual(
        Array.from({ length: 2 * PER_ROUND }, (_, i) => i),
      );
    }
    expect(await gw.stop()).toBe(0);
  },
  180_000,
);
