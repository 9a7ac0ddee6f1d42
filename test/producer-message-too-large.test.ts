/**
 * The platformatic adapter's producer against the real broker when a batch is larger than the
 * topic's max.message.bytes (MESSAGE_TOO_LARGE): a batch of many small records is split and sent
 * again, as Java's producer does (Sender.completeBatch → RecordAccumulator.splitAndReenqueue), so
 * every record is written once, in send order; a single record above the limit fails with a clear
 * error, and the send says which of its records were written all the same.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { type KafkaProducer, NotSentError, type ProducerRecord, writtenRecords } from "../src/kafka/kafka-port.ts";
import { kafkaPorts } from "../src/kafka/kafka-ports.ts";
import { LogManager } from "../src/util/logger.ts";
import { type KafkaInfo, kafkaBroker, readTopic, testClient, uniqueTopic } from "./support/kafka.ts";

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
    await admin.createTopics({
      topics: [
        { topic, numPartitions: 1, configEntries: [{ name: "max.message.bytes", value: String(MAX_MESSAGE_BYTES) }] },
      ],
      waitForLeaders: true,
    });
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

async function producer(): Promise<KafkaProducer> {
  const port = kafkaPorts.platformatic(new LogManager({ sink: () => {} }));
  return port.producer({ "bootstrap.servers": info.bootstrap });
}

describe("the platformatic producer when a batch is larger than the topic's max.message.bytes", () => {
  test("batches of many small records are split: each record written once, in send order, with its offset", async () => {
    const topic = await smallMessageTopic("too-large-split");
    const p = await producer();
    try {
      // Three sends of 60 records (~6.5 KB each) on the wire together: the later ones come back
      // OUT_OF_ORDER_SEQUENCE_NUMBER while the first is split, and go after its pieces.
      const sends = [0, 1, 2].map((s) =>
        p.send(Array.from({ length: 60 }, (_, i) => record(topic, smallValue(s * 60 + i)))),
      );
      const metadata = (await Promise.all(sends)).flat();
      expect(metadata.map((m) => m.offset)).toEqual(Array.from({ length: 180 }, (_, i) => i));
      const read = await readTopic(topic, 180);
      expect(read.map((r) => r.value!.toString())).toEqual(Array.from({ length: 180 }, (_, i) => smallValue(i)));
    } finally {
      await p.close();
    }
  });

  test("one record above the limit fails with MESSAGE_TOO_LARGE; the records before it are written, the others are sent again on a new producer", async () => {
    const topic = await smallMessageTopic("too-large-record");
    const first = await producer();
    const values = [smallValue(0), smallValue(1), "big-".padEnd(MAX_MESSAGE_BYTES * 2, "y"), smallValue(3)];
    let error: unknown;
    try {
      await first.send(values.map((v) => record(topic, v))).catch((e: unknown) => {
        error = e;
      });
      // The producer is failed now: a later send is not sent (retriable: the caller sends it elsewhere).
      await expect(first.send([record(topic, smallValue(4))])).rejects.toBeInstanceOf(NotSentError);
    } finally {
      await first.close();
    }
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      `Kafka rejected 1 record(s) for ${topic}-0: MESSAGE_TOO_LARGE (the record is larger than the topic's max.message.bytes or the broker's message.max.bytes)`,
    );
    const written = writtenRecords(error)!;
    expect(written.map((m) => m?.offset ?? null)).toEqual([0, 1, null, null]);

    const second = await producer();
    try {
      const resent = await second.send([record(topic, values[3]!), record(topic, smallValue(4))]);
      expect(resent.map((m) => m.offset)).toEqual([2, 3]);
    } finally {
      await second.close();
    }
    const read = await readTopic(topic, 4);
    expect(read.map((r) => r.value!.toString())).toEqual([smallValue(0), smallValue(1), smallValue(3), smallValue(4)]);
  });
});
