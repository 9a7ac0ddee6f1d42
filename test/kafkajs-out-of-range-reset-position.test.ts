/**
 * flake190: the kafkajs consumer's start-position look-up (StartPositions, Connect's position() at assignment) must
 * not undo an out-of-range reset kafkajs has under way. Its committed offset past the log end, kafkajs' first fetch is
 * answered OFFSET_OUT_OF_RANGE and it looks the reset position up (patch 24's setDefaultOffset); here that look-up is
 * held, in-process, until the task's position look-up has answered. Sought back to the committed offset then, kafkajs'
 * next fetch was out of range again and reset to the end as it was then: the records produced after the first reset
 * (auto.offset.reset=latest) were never handed over. Against the shared broker, through the kafkajs port.
 */
import { afterAll, expect, test } from "bun:test";
import OffsetManager from "kafkajs/src/consumer/offsetManager";
import type { ConsumedRecord } from "../src/kafka/kafka-port.ts";
import { kafkaPorts } from "../src/kafka/kafka-ports.ts";
import { deferred } from "../src/util/async.ts";
import { LogManager } from "../src/util/logger.ts";
import { createTopic, kafkaBroker, testClient, uniqueTopic } from "./support/kafka.ts";
import { waitFor } from "./support/wait-for.ts";

// Every reset's look-up waits until the task's position look-up answered (the race made certain).
const answered = deferred<void>();
const setDefaultOffset = OffsetManager.prototype.setDefaultOffset;
OffsetManager.prototype.setDefaultOffset = async function (this: OffsetManager, partition) {
  await answered.promise;
  return setDefaultOffset.call(this, partition);
};
afterAll(() => {
  OffsetManager.prototype.setDefaultOffset = setDefaultOffset;
});

const text = (records: ConsumedRecord[]) => records.map((r) => new TextDecoder().decode(r.value!));

test("a committed offset past the log end: the position answered while kafkajs resets it keeps the reset; the records produced after it are handed over", async () => {
  const info = await kafkaBroker();
  const topic = uniqueTopic("kafkajs-reset-position");
  await createTopic(topic, 1);
  const client = await testClient();
  const producer = client.producer();
  const admin = client.admin();
  await producer.connect();
  await admin.connect();
  const lines: string[] = [];
  const port = kafkaPorts.kafkajs(new LogManager({ sink: (line) => void lines.push(line) }));
  try {
    const send = (...values: string[]) =>
      producer.send({ topic, acks: -1, messages: values.map((value) => ({ partition: 0, value })) });
    await send("before1", "before2");
    const groupId = `group-${topic}`;
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: "100" }] });
    const received: ConsumedRecord[] = [];
    const positions: number[] = [];
    const consumer = await port.consumer({
      groupId,
      topics: [topic],
      properties: { "bootstrap.servers": info.bootstrap, "fetch.max.wait.ms": "500", "auto.offset.reset": "latest" },
    });
    try {
      await consumer.start({
        onRecords: async (records) => void received.push(...records),
        onPartitionsRevoked: async () => {},
        onPartitionsAssigned: async (tps) => {
          for (const tp of tps) positions.push(await consumer.position(tp));
          answered.resolve();
        },
        onPartitionsLost: async () => {},
        onCrash: (error) => void lines.push(`crash ${error}`),
      });
      const resets = () => lines.filter((line) => line.includes("Resetting offset for partition"));
      await waitFor(() => resets().length >= 1, { what: "the first reset", timeoutMs: 30_000 });
      expect(resets()[0]).toContain("offset=2");
      await send("after1", "after2");
      await waitFor(() => received.length >= 2 || resets().length >= 2, {
        what: "the records produced after the reset, or a second reset",
        timeoutMs: 30_000,
      });
      // The look-up answered the committed offset (kafkajs started there too) and did not seek back to it.
      expect(positions).toEqual([100]);
      expect(resets()).toHaveLength(1);
      expect(text(received)).toEqual(["after1", "after2"]);
    } finally {
      await consumer.close();
    }
  } catch (error) {
    console.error(lines.slice(-40).join("\n"));
    throw error;
  } finally {
    await producer.disconnect();
    await admin.disconnect();
  }
}, 90_000);
