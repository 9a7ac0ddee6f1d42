/**
 * The platformatic adapter's producer against the real broker when a batch is larger than the
 * topic's max.message.bytes (MESSAGE_TOO_LARGE): a batch of many small records is split and sent
 * again, as Java's producer does (Sender.completeBatch → RecordAccumulator.splitAndReenqueue), so
 * every record is written once, in send order (also on a fresh producer, whose later batches a
 * broker without its state would take with any sequence); a single record above the limit fails
 * with a clear error, the send says which of its records were written all the same, and a source
 * task with errors.tolerance=all skips it and writes everything else once, in order (with
 * errors.tolerance=none it fails, on either client, and the offsets committed are each source partition's written
 * prefix).
 */
import { beforeAll, describe, expect, test } from "bun:test";
import type { RecordMetadata, SourceTask } from "../src/api/connector.ts";
import { Schemas } from "../src/api/data/schema.ts";
import { type SourceRecord, sourceRecord } from "../src/api/record.ts";
import type { KafkaProducer, ProducerRecord } from "../src/kafka/kafka-port.ts";
import "../src/kafka/kafkajs/codecs.ts"; // readTopic's kafkajs reads snappy, lz4 and zstd (Java reads them: compression-codecs.test.ts)
import { kafkaPorts } from "../src/kafka/kafka-ports.ts";
import { writtenRecords } from "../src/kafka/send-rejection.ts";
import {
  awaitFailed,
  awaitStopped,
  memoryOffsetStore,
  QueuedSource,
  stopAndAwait,
  taskBasics,
} from "../src/runtime/task-test-support.ts";
import { LogManager } from "../src/util/logger.ts";
import {
  createTopicsOn,
  type KafkaInfo,
  kafkaBroker,
  readAll,
  readTopic,
  testClient,
  uniqueTopic,
} from "./support/kafka.ts";
import { brokerSourceTask } from "./support/source-task.ts";
import { waitFor } from "./support/wait-for.ts";

const MAX_MESSAGE_BYTES = 2048;
const utf8 = (s: string) => new TextEncoder().encode(s);

let info: KafkaInfo;
beforeAll(async () => {
  info = await kafkaBroker();
});

/** A one-partition topic whose batches may be at most MAX_MESSAGE_BYTES. */
async function smallMessageTopic(prefix: string): Promise<string> {
  const topic = uniqueTopic(prefix);
  const admin = (await testClient()).admin();
  await admin.connect();
  try {
    await createTopicsOn(admin, [
      { topic, numPartitions: 1, configEntries: [{ name: "max.message.bytes", value: String(MAX_MESSAGE_BYTES) }] },
    ]);
  } finally {
    await admin.disconnect();
  }
  return topic;
}

const record = (topic: string, value: string): ProducerRecord => ({
  topic,
  partition: null,
  key: null,
  value: utf8(value),
  headers: [],
  timestamp: null,
});

/** `v-<n>` padded to 100 bytes: about 20 fit in one batch the topic takes. */
const smallValue = (n: number) => `v-${n}-`.padEnd(100, "x");

async function producer(compressionType = "none"): Promise<KafkaProducer> {
  const port = kafkaPorts.platformatic(new LogManager({ sink: () => {} }));
  return port.producer({ "bootstrap.servers": info.bootstrap, "compression.type": compressionType });
}

/** `c-<n>-` and hex of a hash chain: about 100 bytes that no codec shrinks much. */
const incompressibleValue = (n: number) =>
  `c-${n}-${new Bun.CryptoHasher("sha256").update(String(n)).digest("hex")}`.padEnd(100, "y");

describe("the platformatic producer when a batch is larger than the topic's max.message.bytes", () => {
  test("batches of many small records are split: each record written once, in send order, with its offset", async () => {
    const topic = await smallMessageTopic("too-large-split");
    const p = await producer();
    try {
      // Sends of 60 records (~6.5 KB), 1 record and 60 records, made together on a fresh producer:
      // the first is split; the broker, without this producer's state yet, would take the small
      // one at once with any sequence, so it must not be on the wire before the first is written.
      const sizes = [60, 1, 60];
      const starts = [0, 60, 61];
      const sends = sizes.map((size, s) =>
        p.send(Array.from({ length: size }, (_, i) => record(topic, smallValue(starts[s]! + i)))),
      );
      const metadata = (await Promise.all(sends)).flat();
      expect(metadata.map((m) => m.offset)).toEqual(Array.from({ length: 121 }, (_, i) => i));
      const read = await readTopic(topic, 121);
      expect(read.map((r) => r.value!.toString())).toEqual(Array.from({ length: 121 }, (_, i) => smallValue(i)));
    } finally {
      await p.close();
    }
  });

  test.each(["gzip", "snappy", "lz4", "zstd"])(
    "compression %p: a batch too large compressed is split into pieces of the same codec, each record written once, in order",
    async (codec) => {
      const topic = await smallMessageTopic(`too-large-${codec}`);
      const p = await producer(codec);
      try {
        const values = Array.from({ length: 60 }, (_, i) => incompressibleValue(i));
        const metadata = await p.send(values.map((v) => record(topic, v)));
        expect(metadata.map((m) => m.offset)).toEqual(values.map((_, i) => i));
        expect((await readTopic(topic, 60)).map((r) => r.value!.toString())).toEqual(values);
      } finally {
        await p.close();
      }
    },
  );

  test("one record above the limit fails alone with MESSAGE_TOO_LARGE; the records around it are written and the producer goes on (as Java's)", async () => {
    const topic = await smallMessageTopic("too-large-record");
    const first = await producer();
    const values = [smallValue(0), smallValue(1), "big-".padEnd(MAX_MESSAGE_BYTES * 2, "y"), smallValue(3)];
    let error: unknown;
    try {
      await first.send(values.map((v) => record(topic, v))).catch((e: unknown) => {
        error = e;
      });
      // Not failed: a later send is written by the same producer.
      expect(first.failed).toBe(false);
      expect((await first.send([record(topic, smallValue(4))])).map((m) => m.offset)).toEqual([3]);
    } finally {
      await first.close();
    }
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      `Kafka rejected 1 record(s) for ${topic}-0: MESSAGE_TOO_LARGE (the record is larger than the topic's max.message.bytes or the broker's message.max.bytes)`,
    );
    const written = writtenRecords(error)!;
    expect(written.map((m) => m?.offset ?? null)).toEqual([0, 1, null, 2]);
    const read = await readTopic(topic, 4);
    expect(read.map((r) => r.value!.toString())).toEqual([smallValue(0), smallValue(1), smallValue(3), smallValue(4)]);
  });
});

const POLLS = 6;
const PER_POLL = 50;
const BIG = 130;

/** Emits POLLS polls of PER_POLL small numbered records; record BIG is above the topic's limit. */
class SourceWithOneBigRecord implements SourceTask {
  private next = 0;
  readonly committed: { n: number; offset: number | null }[] = [];
  constructor(private readonly topic: string) {}
  initialize(): void {}
  start(): void {}
  async poll(): Promise<SourceRecord[] | null> {
    if (this.next >= POLLS * PER_POLL) {
      await Bun.sleep(5);
      return null;
    }
    const out: SourceRecord[] = [];
    for (let i = 0; i < PER_POLL; i++, this.next++) {
      out.push(
        sourceRecord({
          topic: this.topic,
          kafkaPartition: 0,
          value: this.next === BIG ? "big-".padEnd(MAX_MESSAGE_BYTES * 2, "y") : smallValue(this.next),
          valueSchema: Schemas.STRING,
          sourcePartition: { source: "counter" },
          sourceOffset: { n: this.next },
        }),
      );
    }
    return out;
  }
  commitRecord(record: SourceRecord, metadata: RecordMetadata | null): void {
    this.committed.push({ n: Number((record.sourceOffset as { n: number }).n), offset: metadata?.offset ?? null });
  }
  stop(): void {}
}

describe("a source task on the platformatic producer, one record above the topic's max.message.bytes", () => {
  test("errors.tolerance=all: that record is skipped (KAFKA_PRODUCE), every other one is written once, in order", async () => {
    const topic = await smallMessageTopic("too-large-task");
    const plugin = new SourceWithOneBigRecord(topic);
    const basics = taskBasics("all");
    const task = await brokerSourceTask("platformatic", plugin, { basics });
    task.start();
    const total = POLLS * PER_POLL;
    await waitFor(() => plugin.committed.length === total, { timeoutMs: 60_000, what: `${total} commits` });
    await stopAndAwait(task, 30_000);
    expect(basics.listener.events).not.toContain("FAILED");
    const expected = Array.from({ length: total }, (_, n) => n).filter((n) => n !== BIG);
    const read = await readTopic(topic, total - 1, 60_000);
    expect(read.map((r) => r.value!.toString())).toEqual(expected.map(smallValue));
    // Each record committed once: the big one without metadata (skipped), the others with their offset.
    const byRecord = new Map(plugin.committed.map((c) => [c.n, c.offset]));
    expect(byRecord.size).toBe(total);
    expect(byRecord.get(BIG)).toBeNull();
    expect(expected.map((n) => byRecord.get(n))).toEqual(expected.map((_, i) => i));
  }, 120_000);
});

// srcprefix: as Connect's SubmittedRecords, the offsets committed after a failure are each source partition's
// acknowledged prefix: a record not written ends its own partition's, not the others'.
// One poll [a1, a2 too large, b1, b2], one request. The platformatic producer splits the batch the broker refused
// and the broker writes the records around a2 (a rejection listing them written); kafkajs's request is refused whole,
// sent again record by record: a1 is written, a2 fails the task, and no attempt at b1 and b2 is made.
const WRITTEN: Record<string, { values: string[]; offsets: { a: { n: number } | null; b: { n: number } | null } }> = {
  platformatic: { values: ["a1", "b1", "b2"], offsets: { a: { n: 1 }, b: { n: 2 } } },
  kafkajs: { values: ["a1"], offsets: { a: { n: 1 }, b: null } },
};

describe.each(Object.keys(kafkaPorts))(
  "a source task on the %s producer, errors.tolerance=none, one record above the topic's max.message.bytes",
  (client) => {
    test("two source partitions: the task fails; A's offset stops before that record, B's is its written prefix's", async () => {
      const topic = await smallMessageTopic(`too-large-prefix-${client}`);
      const A = { file: "a" };
      const B = { file: "b" };
      const rec = (partition: { file: string }, n: number, value = `${partition.file}${n}`) =>
        sourceRecord({
          topic,
          kafkaPartition: 0,
          value,
          valueSchema: Schemas.STRING,
          sourcePartition: partition,
          sourceOffset: { n },
        });
      const plugin = new QueuedSource();
      plugin.queue.push([rec(A, 1), rec(A, 2, "big-".padEnd(MAX_MESSAGE_BYTES * 2, "y")), rec(B, 1), rec(B, 2)]);
      const basics = taskBasics();
      const offsets = memoryOffsetStore();
      const task = await brokerSourceTask(client as keyof typeof kafkaPorts, plugin, { basics, offsets });
      task.start();
      await awaitFailed(basics.listener, 60_000);
      await awaitStopped(task, 30_000);
      expect((await readAll(topic)).map((r) => r.value!.toString())).toEqual(WRITTEN[client]!.values);
      // A restart resumes A after a1 (a2 is met again) and B after its written prefix (not written again).
      expect({ a: offsets.get("c", A), b: offsets.get("c", B) }).toEqual(WRITTEN[client]!.offsets);
    }, 120_000);
  },
);
