/**
 * The kafkajs adapter (kafka.client=kafkajs) creates a topic and waits for its leaders also while
 * the broker does not know it yet: right after CreateTopics, a Kafka 4 broker answers Metadata for
 * the new topic with UNKNOWN_TOPIC_OR_PARTITION until its metadata cache has what its controller
 * created. Leftover (session 11): the adapter used kafkajs' `waitForLeaders`, which gives up at once
 * on that answer, so `createTopic` threw for a topic it had created (DLQ and internal topics then
 * depended on their callers' retries, which saw the topic as existing already). Here the real
 * broker's first answers naming the new topic are that error, as the broker gives it.
 */
import { afterAll, beforeAll, expect, onTestFinished, spyOn, test } from "bun:test";
import { createRequire } from "node:module";
import { createErrorFromCode } from "kafkajs/src/protocol/error";
import type { KafkaAdmin } from "../src/kafka/kafka-port.ts";
import { kafkaPorts } from "../src/kafka/kafka-ports.ts";
import { LogManager } from "../src/util/logger.ts";
import { kafkaBroker, uniqueTopic } from "./support/kafka.ts";

const require = createRequire(import.meta.url);
const Broker = require("kafkajs/src/broker/index.js") as {
  prototype: { metadata(topics?: string[]): Promise<unknown> };
};
const UNKNOWN_TOPIC_OR_PARTITION = 3;

/** The broker's next `times` Metadata answers naming `topic` are UNKNOWN_TOPIC_OR_PARTITION. */
function unknownFor(topic: string, times: number): { readonly refused: number } {
  const state = { refused: 0 };
  const metadata = Broker.prototype.metadata;
  const spy = spyOn(Broker.prototype, "metadata").mockImplementation(function (this: unknown, names = []) {
    if (state.refused < times && names.includes(topic)) {
      state.refused++;
      return Promise.reject(createErrorFromCode(UNKNOWN_TOPIC_OR_PARTITION));
    }
    return metadata.call(this, names);
  });
  // Also when the test times out before its end: no other test of the process sees the patch.
  onTestFinished(() => spy.mockRestore());
  return state;
}

let admin: KafkaAdmin;

beforeAll(async () => {
  const info = await kafkaBroker();
  admin = await kafkaPorts.kafkajs(new LogManager({ sink: () => {} })).admin({ "bootstrap.servers": info.bootstrap });
});

afterAll(async () => {
  await admin?.close();
});

test("createTopic waits for the leaders while the broker does not know the topic it just created", async () => {
  const topic = uniqueTopic("kafkajs-created-unknown");
  const broker = unknownFor(topic, 3);
  expect(await admin.createTopic({ topic, partitions: 2, replicationFactor: 1 })).toBe(true);
  expect(broker.refused).toBe(3);
  expect(await admin.describeTopics([topic])).toEqual([{ topic, partitions: 2 }]);
  expect(await admin.createTopic({ topic, partitions: 2, replicationFactor: 1 })).toBe(false);
});
