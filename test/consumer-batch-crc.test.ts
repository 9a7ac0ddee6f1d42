/**
 * check.crcs on both Kafka clients, against the real broker: a batch damaged in the broker's log
 * segment on disk (bit rot; the broker serves it as it is, without checking) fails the consumer
 * with Java's KafkaException, before its records are decompressed or read, and nothing of it is
 * delivered; `check.crcs=false` delivers the damaged bytes, as Java's consumer does. A sink task that
 * fails at a damaged batch commits the batches put before it (Connect's closeAllPartitions).
 * On kafkajs, a partition's failure waits for the broker's next Fetch asking it from the same offset.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { CompressionTypes } from "kafkajs";
import type { ConsumedRecord } from "../src/kafka/kafka-port.ts";
import { kafkaPorts } from "../src/kafka/kafka-ports.ts";
import { withFetchChecks } from "../src/kafka/kafkajs/fetch-checks.ts";
import { createCluster } from "../src/kafka/kafkajs/protocol.ts";
import { LogManager } from "../src/util/logger.ts";
import { startGateway } from "./support/gateway.ts";
import { createTopic, type KafkaInfo, kafkaBroker, testClient, uniqueTopic } from "./support/kafka.ts";
import { damage, legacyEntry, logDir, rewriteAsV1 } from "./support/log-segments.ts";
import { committedOffset } from "./support/sink-task.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";
import { FETCH, tapRequests } from "./support/wire-tap.ts";

const MARKER = "value-to-be-damaged-on-disk";
const COUNT = 20;
let info: KafkaInfo;
const topics: Record<"plain" | "gzip", string> = { plain: uniqueTopic("crc-plain"), gzip: uniqueTopic("crc-gzip") };
/** Three batches of COUNT records; the third damaged. */
const third = uniqueTopic("crc-third");
/** Two partitions of one batch of COUNT records each; partition 1's damaged (both answered in one Fetch). */
const second = uniqueTopic("crc-second-partition");

/** A message set of format v1 (Kafka 0.10) on the broker's disk: three messages, the second damaged. */
const legacy = uniqueTopic("crc-legacy");
/** The same with the second message inside a gzip wrapper (offset 1: its one message's, relative 0). */
const wrapped = uniqueTopic("crc-legacy-gzip");

beforeAll(async () => {
  info = await kafkaBroker();
  const producer = (await testClient()).producer();
  await producer.connect();
  for (const [codec, topic] of Object.entries(topics)) {
    await createTopic(topic);
    // One batch of COUNT records.
    await producer.send({
      topic,
      acks: -1,
      compression: codec === "gzip" ? CompressionTypes.GZIP : CompressionTypes.None,
      messages: Array.from({ length: COUNT }, (_, i) => ({ value: i === 7 ? MARKER : `value ${i}` })),
    });
  }
  await createTopic(third);
  for (let b = 0; b < 3; b++)
    await producer.send({
      topic: third,
      acks: -1,
      messages: Array.from({ length: COUNT }, (_, i) => ({ value: b === 2 && i === 7 ? MARKER : `value ${b}.${i}` })),
    });
  await createTopic(second, 2);
  for (const partition of [0, 1])
    await producer.send({
      topic: second,
      acks: -1,
      messages: Array.from({ length: COUNT }, (_, i) => ({
        partition,
        value: partition === 1 && i === 7 ? MARKER : `value ${i}`,
      })),
    });
  for (const topic of [legacy, wrapped]) {
    await createTopic(topic);
    await producer.send({ topic, acks: -1, messages: ["a", "b", "c"].map((v) => ({ value: v.repeat(60) })) });
  }
  await producer.disconnect();
  const dir = await logDir();
  rewriteAsV1(dir, legacy, [legacyEntry(0, "legacy 0"), legacyEntry(1, "legacy 1", true)]);
  const inner = gzipSync(legacyEntry(0, "legacy 1", true));
  rewriteAsV1(dir, wrapped, [legacyEntry(0, "legacy 0"), legacyEntry(1, inner, false, 1)]);
  damage(dir, topics.plain, MARKER);
  damage(dir, topics.gzip, 61 + 30);
  damage(dir, third, MARKER);
  damage(dir, second, MARKER, 1);
});

async function consume(adapter: keyof typeof kafkaPorts, topic: string, properties: Record<string, string> = {}) {
  /** The consumer's DEBUG lines naming a partition of a Fetch answer that failed its checks (kafkajs). */
  const answered: string[] = [];
  const sink = (line: string) => void (line.includes("failed its checks; answered before it") && answered.push(line));
  const port = kafkaPorts[adapter](new LogManager({ sink, rootLevel: "DEBUG" }));
  const consumer = await port.consumer({
    groupId: uniqueTopic("crc-group"),
    topics: [topic],
    properties: { "bootstrap.servers": info.bootstrap, ...properties },
  });
  const records: ConsumedRecord[] = [];
  const crashes: Error[] = [];
  await consumer.start({
    onRecords: async (r) => void records.push(...r),
    onPartitionsRevoked: async () => {},
    onPartitionsAssigned: async () => {},
    onPartitionsLost: async () => {},
    onCrash: (e) => void crashes.push(e),
  });
  return { consumer, records, crashes, answered };
}

const javaMessage = (topic: string) =>
  new RegExp(
    `^Record batch for partition ${topic}-0 at offset 0 is invalid, cause: Record is corrupt \\(stored crc = \\d+, computed crc = \\d+\\)$`,
  );

describe.each(Object.keys(kafkaPorts) as (keyof typeof kafkaPorts)[])("kafka.client=%s", (adapter) => {
  test.each(["plain", "gzip"] as const)(
    "a %s batch damaged on the broker's disk fails the consumer with Java's message; none of it is delivered",
    async (codec) => {
      const { consumer, records, crashes } = await consume(adapter, topics[codec]);
      try {
        await waitFor(() => crashes.length > 0, { what: "the consumer's failure", timeoutMs: 30_000 });
        expect(crashes[0]!.message).toMatch(javaMessage(topics[codec]));
        expect((crashes[0] as { javaClass?: string }).javaClass).toBe("org.apache.kafka.common.KafkaException");
        expect(records).toEqual([]);
      } finally {
        await consumer.close().catch(() => undefined);
      }
    },
  );

  test("the records of the batches before a damaged one are delivered, then the consumer fails (Java: on the next poll)", async () => {
    const { consumer, records, crashes } = await consume(adapter, third);
    try {
      await waitFor(() => crashes.length > 0, { what: "the consumer's failure", timeoutMs: 30_000 });
      expect(crashes[0]!.message).toMatch(
        new RegExp(
          `^Record batch for partition ${third}-0 at offset ${2 * COUNT} is invalid, cause: Record is corrupt`,
        ),
      );
      expect(records.map((r) => r.offset)).toEqual(Array.from({ length: 2 * COUNT }, (_, i) => i));
    } finally {
      await consumer.close().catch(() => undefined);
    }
  });

  test("a damaged batch of one partition: the partitions before it in the Fetch answer are delivered first, then the consumer fails (Java: on the next poll)", async () => {
    // kafkajs shuffles the partitions of each Fetch it sends (KIP-74 fairness), and the broker answers
    // in that order: partition 0 comes before the damaged partition 1 in about half the answers. Each
    // run is checked against the order answered (the consumer's DEBUG line), until one answered 0 first.
    const failure = new RegExp(
      `^Record batch for partition ${second}-1 at offset 0 is invalid, cause: Record is corrupt`,
    );
    for (let run = 1; ; run++) {
      const { consumer, records, crashes, answered } = await consume(adapter, second);
      let before = true; // platformatic reads its answers in the order it asks, the assignment's: 0, then 1
      try {
        await waitFor(() => crashes.length > 0, { what: "the consumer's failure", timeoutMs: 30_000 });
        expect(crashes[0]!.message).toMatch(failure);
        if (adapter === "kafkajs") {
          expect(answered).toHaveLength(1);
          const order = answered[0]!.match(
            /failed its checks; answered before it: (.*?) \(org\.apache\.kafka\.clients\.consumer\.internals\.FetchCollector\)$/,
          )![1]!;
          before = order === `${second}-0`;
          if (!before) expect(order).toBe("");
        }
        const delivered = before ? Array.from({ length: COUNT }, (_, i) => `0@${i}`) : [];
        expect(records.map((r) => `${r.partition}@${r.offset}`)).toEqual(delivered);
      } finally {
        await consumer.close().catch(() => undefined);
      }
      // 1 in 2^40 that no run answers partition 0 first.
      if (before) break;
      expect(run).toBeLessThan(40);
    }
  });

  test("a v1 message whose CRC-32 does not hold fails the consumer with Java's message, after the message before it", async () => {
    const { consumer, records, crashes } = await consume(adapter, legacy);
    try {
      await waitFor(() => crashes.length > 0, { what: "the consumer's failure", timeoutMs: 30_000 });
      if (adapter === "kafkajs") {
        // Java checks every v0/v1 record's CRC-32 (CompletedFetch, LegacyRecord.ensureValid); kafkajs checks none.
        expect(crashes[0]!.message).toMatch(
          new RegExp(
            `^Record for partition ${legacy}-0 at offset 1 is invalid, cause: Record is corrupt \\(stored crc = \\d+, computed crc = \\d+\\)$`,
          ),
        );
        expect(records.map((r) => Buffer.from(r.value!).toString())).toEqual(["legacy 0"]);
      } else {
        expect(crashes[0]!.message).toContain("a message set of format v1 (written before Kafka 0.11)");
        expect(records).toEqual([]);
      }
    } finally {
      await consumer.close().catch(() => undefined);
    }
  });

  test("a message inside a compressed v1 wrapper whose CRC-32 does not hold fails the consumer as Java's (after the one before)", async () => {
    const { consumer, records, crashes } = await consume(adapter, wrapped);
    try {
      await waitFor(() => crashes.length > 0, { what: "the consumer's failure", timeoutMs: 30_000 });
      // Java checks each message inside once decompressed (DeepRecordsIterator, LegacyRecord.ensureValid).
      if (adapter === "kafkajs") {
        expect(crashes[0]!.message).toMatch(
          new RegExp(
            `^Record for partition ${wrapped}-0 at offset 1 is invalid, cause: Record is corrupt \\(stored crc = \\d+, computed crc = \\d+\\)$`,
          ),
        );
        expect(records.map((r) => Buffer.from(r.value!).toString())).toEqual(["legacy 0"]);
      } else expect(crashes[0]!.message).toContain("a message set of format v1 (written before Kafka 0.11)");
    } finally {
      await consumer.close().catch(() => undefined);
    }
  });

  test("check.crcs=false delivers the damaged batch as the broker serves it", async () => {
    const { consumer, records, crashes } = await consume(adapter, topics.plain, { "check.crcs": "false" });
    try {
      await waitFor(() => records.length === COUNT || crashes.length > 0, { what: "the batch", timeoutMs: 30_000 });
      expect(crashes).toEqual([]);
      const damaged = Buffer.from(MARKER);
      damaged[3]! ^= 0x20;
      expect(Buffer.from(records[7]!.value!).toString()).toBe(damaged.toString());
    } finally {
      await consumer.close().catch(() => undefined);
    }
  });

  test("a FileStreamSink task fails with Java's KafkaException as its trace; nothing is written", async () => {
    await using dir = await tempDir();
    const out = dir.file("out.txt");
    const sink = dir.file("sink.properties");
    // A name (so a consumer group) of its own on the shared broker, whoever else runs meanwhile.
    const name = uniqueTopic("crc-sink");
    writeFileSync(sink, `name=${name}\nconnector.class=FileStreamSink\ntopics=${topics.plain}\nfile=${out}\n`);
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": info.bootstrap,
        "data.dir": dir.file("data"),
        "kafka.client": adapter,
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
      },
      args: [sink],
    });
    const trace = await failedTaskTrace(gw, `/connectors/${name}/status`);
    expect(trace).toMatch(
      new RegExp(
        `^org\\.apache\\.kafka\\.common\\.KafkaException: Record batch for partition ${topics.plain}-0 at offset 0 is invalid, cause: Record is corrupt`,
      ),
    );
    expect(existsSync(out) ? readFileSync(out, "utf8") : "").toBe("");
  }, 90_000);
});

test.each(Object.keys(kafkaPorts) as (keyof typeof kafkaPorts)[])(
  "kafka.client=%s: a FileStreamSink task failing at a damaged batch commits the batches before it (Connect's closeAllPartitions)",
  async (adapter) => {
    await using dir = await tempDir();
    const out = dir.file("out.txt");
    const sink = dir.file("sink.properties");
    const name = uniqueTopic(`crc-third-sink-${adapter}`);
    // No periodic commit: only the failed task's close commits.
    writeFileSync(sink, `name=${name}\nconnector.class=FileStreamSink\ntopics=${third}\nfile=${out}\n`);
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": info.bootstrap,
        "data.dir": dir.file("data"),
        "kafka.client": adapter,
        "offset.flush.interval.ms": "3600000",
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
      },
      args: [sink],
    });
    const trace = await failedTaskTrace(gw, `/connectors/${name}/status`);
    expect(trace).toMatch(
      new RegExp(
        `^org\\.apache\\.kafka\\.common\\.KafkaException: Record batch for partition ${third}-0 at offset ${2 * COUNT} is invalid, cause: Record is corrupt`,
      ),
    );
    const lines = Array.from({ length: 2 * COUNT }, (_, i) => `value ${Math.floor(i / COUNT)}.${i % COUNT}`);
    expect(readFileSync(out, "utf8")).toBe(`${lines.join("\n")}\n`);
    await waitFor(async () => (await committedOffset(`connect-${name}`, third)) === 2 * COUNT, {
      what: "the commit of the two batches before the damaged one",
      timeoutMs: 30_000,
    });
    // Then the failed task's consumer left the group (Java's consumer.close()).
    const admin = (await testClient()).admin();
    await admin.connect();
    try {
      await waitFor(async () => (await admin.describeGroups([`connect-${name}`])).groups[0]!.members.length === 0, {
        what: "the failed task's consumer leaving its group",
      });
    } finally {
      await admin.disconnect();
    }
  },
  90_000,
);

/** The trace of the connector's task 0 once it is FAILED (REST status, as an operator reads it). */
async function failedTaskTrace(gw: { rest: { get(path: string): Promise<{ body: unknown }> } }, path: string) {
  let trace = "";
  await waitFor(
    async () => {
      const status = (await gw.rest.get(path)).body as { tasks?: { state: string; trace?: string }[] };
      trace = status.tasks?.[0]?.state === "FAILED" ? (status.tasks[0]!.trace ?? "") : "";
      return trace !== "";
    },
    { what: "the sink task's failure", timeoutMs: 60_000 },
  );
  return trace;
}

/** A broker as kafkajs' cluster finds it (hooked by withFetchChecks): its Fetch, the answer decoded. */
type Fetching = {
  fetch(
    args: object,
  ): Promise<{ responses: { partitions: { partition: number; messages: { offset: string }[] }[] }[] }>;
};

test("kafka.client=kafkajs: a partition's failure is raised at the broker's next Fetch asking it from the same offset; one not asking it (paused) keeps it, one asking it from elsewhere (a seek) or after a rejoin (revoked, assigned again) forgets it", async () => {
  const raised: string[] = [];
  const hold = { failed: async (e: Error) => void raised.push(e.message), rejoins: 0 };
  const kafka = withFetchChecks(await testClient(), { checkCrcs: true, maxBatchBytes: 1 << 26 }, hold);
  const cluster = createCluster(kafka) as ReturnType<typeof createCluster> & {
    findBroker(args: { nodeId: number }): Promise<Fetching>;
  };
  await cluster.connect();
  try {
    await cluster.addMultipleTargetTopics([second]);
    const broker = await cluster.findBroker({ nodeId: cluster.findTopicPartitionMetadata(second)[1]!.leader });
    const fetch = async (...asked: [partition: number, offset: number][]) => {
      const answer = await broker.fetch({
        replicaId: -1,
        isolationLevel: 1,
        maxWaitTime: 10,
        minBytes: 1,
        maxBytes: 1 << 20,
        topics: [
          {
            topic: second,
            partitions: asked.map(([partition, offset]) => ({
              partition,
              fetchOffset: String(offset),
              maxBytes: 1 << 20,
            })),
          },
        ],
      });
      return answer.responses[0]!.partitions.map((p) => [p.partition, p.messages.length]);
    };
    const failure = new RegExp(`^Record batch for partition ${second}-1 at offset 0 is invalid`);
    expect(await fetch([1, 0])).toEqual([[1, 0]]); // found: nothing of it read
    expect(await fetch([0, 0])).toEqual([[0, COUNT]]); // partition 1 not asked (paused): kept
    await expect(fetch([0, COUNT], [1, 0])).rejects.toThrow(failure);
    expect(raised).toHaveLength(1);
    // Asked from another offset (a seek): forgotten, fetched from there (the batch holding it fails again).
    expect(await fetch([1, 5])).toEqual([[1, 0]]);
    await expect(fetch([1, 5])).rejects.toThrow(failure);
    expect(raised).toHaveLength(2);
    // A rejoin since it was found (the partition revoked, then assigned again at the same offset):
    // forgotten, as Java's consumer drops the fetched data of partitions it gives up; fetched again.
    expect(await fetch([1, 0])).toEqual([[1, 0]]);
    hold.rejoins++;
    expect(await fetch([1, 0])).toEqual([[1, 0]]);
    await expect(fetch([1, 0])).rejects.toThrow(failure);
    expect(raised).toHaveLength(3);
    // A Fetch that went out before the rejoin: what its answer found is forgotten too.
    expect(await fetch([1, 5])).toEqual([[1, 0]]); // (the failure raised above forgotten by a seek)
    const before = fetch([1, 0]);
    hold.rejoins++;
    expect(await before).toEqual([[1, 0]]);
    expect(await fetch([1, 0])).toEqual([[1, 0]]);
    expect(raised).toHaveLength(3);
  } finally {
    await cluster.disconnect();
  }
});

// Java's FetchCollector keeps the fetched data of a paused partition (its corrupt batch too) until the
// partition is resumed: only then, at its turn, does the poll raise; the other partitions go on meanwhile.
test.each(Object.keys(kafkaPorts) as (keyof typeof kafkaPorts)[])(
  "kafka.client=%s: a damaged batch answered for a partition paused while its Fetch was out fails the consumer only once resumed; the other partitions go on",
  async (adapter) => {
    const clientId = uniqueTopic("crc-paused-client");
    const port = kafkaPorts[adapter](new LogManager({ sink: () => {} }));
    const consumer = await port.consumer({
      groupId: uniqueTopic("crc-paused-group"),
      topics: [second],
      properties: { "bootstrap.servers": info.bootstrap, "client.id": clientId },
    });
    const damaged = { topic: second, partition: 1 };
    let fetches = 0;
    // Paused the moment the first Fetch (both partitions: their positions resolve together) is written.
    using _tap = tapRequests((request) => {
      if (request.apiKey !== FETCH || request.clientId !== clientId) return;
      if (++fetches === 1) consumer.pause([damaged]);
    });
    const records: ConsumedRecord[] = [];
    const crashes: Error[] = [];
    try {
      await consumer.start({
        onRecords: async (r) => void records.push(...r),
        onPartitionsRevoked: async () => {},
        onPartitionsAssigned: async () => {},
        onPartitionsLost: async () => {},
        onCrash: (e) => void crashes.push(e),
      });
      // A Fetch after the answer was taken: partition 0 goes on (a failure raised would stop the fetching).
      await waitFor(() => (records.length === COUNT && fetches > 1) || crashes.length > 0, {
        what: "partition 0's records and the next Fetch",
        timeoutMs: 30_000,
      });
      expect(crashes).toEqual([]);
      consumer.resume([damaged]);
      await waitFor(() => crashes.length > 0, { what: "the consumer's failure", timeoutMs: 30_000 });
      expect(crashes[0]!.message).toMatch(
        new RegExp(`^Record batch for partition ${second}-1 at offset 0 is invalid, cause: Record is corrupt`),
      );
      expect(records.map((r) => `${r.partition}@${r.offset}`)).toEqual(
        Array.from({ length: COUNT }, (_, i) => `0@${i}`),
      );
    } finally {
      await consumer.close().catch(() => undefined);
    }
  },
  60_000,
);

// platformatic hands partition 0's batch over before partition 1's failure is raised (it asks, and reads
// the answer, in assignment order): the handler pausing partition 1 meanwhile holds the failure back too.
test("kafka.client=platformatic: a damaged batch's failure waiting for its turn is held back while the sink pauses its partition, raised once resumed", async () => {
  const clientId = uniqueTopic("crc-paused-later-client");
  const consumer = await kafkaPorts.platformatic(new LogManager({ sink: () => {} })).consumer({
    groupId: uniqueTopic("crc-paused-later-group"),
    topics: [second],
    properties: { "bootstrap.servers": info.bootstrap, "client.id": clientId },
  });
  const damaged = { topic: second, partition: 1 };
  let fetches = 0;
  using _tap = tapRequests((request) => {
    if (request.apiKey === FETCH && request.clientId === clientId) fetches++;
  });
  const records: ConsumedRecord[] = [];
  const crashes: Error[] = [];
  try {
    await consumer.start({
      onRecords: async (r) => {
        records.push(...r);
        consumer.pause([damaged]); // as a sink task pausing it (its context.pause) or a connector PAUSED
      },
      onPartitionsRevoked: async () => {},
      onPartitionsAssigned: async () => {},
      onPartitionsLost: async () => {},
      onCrash: (e) => void crashes.push(e),
    });
    await waitFor(() => (records.length === COUNT && fetches > 1) || crashes.length > 0, {
      what: "partition 0's records and the next Fetch",
      timeoutMs: 30_000,
    });
    expect(crashes).toEqual([]);
    consumer.resume([damaged]);
    await waitFor(() => crashes.length > 0, { what: "the consumer's failure", timeoutMs: 30_000 });
    expect(crashes[0]!.message).toMatch(new RegExp(`^Record batch for partition ${second}-1 at offset 0 is invalid`));
    expect(records.map((r) => `${r.partition}@${r.offset}`)).toEqual(Array.from({ length: COUNT }, (_, i) => `0@${i}`));
  } finally {
    await consumer.close().catch(() => undefined);
  }
}, 60_000);
