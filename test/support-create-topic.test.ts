/**
 * test/support/kafka.ts creates a topic and waits for its leaders also while the broker does not
 * know the topic yet: right after CreateTopics, a broker answers Metadata for the new topic with
 * UNKNOWN_TOPIC_OR_PARTITION until its metadata cache has what its controller created, longer on a
 * loaded machine. kafkajs' `waitForLeaders` gives up at once on that answer (lifecycle-stress failed
 * at its first topic so under load). Here the broker's first answers naming the new topic are that
 * error, as the broker gives it; the helpers wait them out.
 */
import { expect, onTestFinished, spyOn, test } from "bun:test";
import { createRequire } from "node:module";
import { createErrorFromCode } from "kafkajs/src/protocol/error";
import { createTopic, createTopicsOn, testClient, uniqueTopic } from "./support/kafka.ts";

const require = createRequire(import.meta.url);
const Broker = require("kafkajs/src/broker/index.js") as {
  prototype: { metadata(topics?: string[]): Promise<unknown> };
};
const UNKNOWN_TOPIC_OR_PARTITION = 3;

/** The broker's next `times` Metadata answers naming one of `topics` are UNKNOWN_TOPIC_OR_PARTITION. */
function unknownFor(topics: string[], times: number): { readonly refused: number } {
  const state = { refused: 0 };
  const metadata = Broker.prototype.metadata;
  const spy = spyOn(Broker.prototype, "metadata").mockImplementation(function (this: unknown, names = []) {
    if (state.refused < times && names.some((n) => topics.includes(n))) {
      state.refused++;
      return Promise.reject(createErrorFromCode(UNKNOWN_TOPIC_OR_PARTITION));
    }
    return metadata.call(this, names);
  });
  // Also when the test times out before its end: no other test of the process sees the patch.
  onTestFinished(() => spy.mockRestore());
  return state;
}

test("createTopic waits while the broker does not know the topic it just created", async () => {
  const topic = uniqueTopic("create-topic-unknown");
  const broker = unknownFor([topic], 3);
  await createTopic(topic, 2);
  expect(broker.refused).toBe(3);
  const admin = (await testClient()).admin();
  await admin.connect();
  try {
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(md.topics[0]!.partitions.map((p) => p.leader >= 0)).toEqual([true, true]);
  } finally {
    await admin.disconnect();
  }
});

test("createTopicsOn: every topic created, waited for, and reported new", async () => {
  const topics = [uniqueTopic("create-topics-unknown"), uniqueTopic("create-topics-unknown")];
  const broker = unknownFor(topics, 2);
  const admin = (await testClient()).admin();
  await admin.connect();
  try {
    expect(
      await createTopicsOn(
        admin,
        topics.map((topic) => ({ topic, numPartitions: 1 })),
      ),
    ).toBe(true);
    expect(broker.refused).toBe(2);
    const md = await admin.fetchTopicMetadata({ topics });
    expect(md.topics.map((t) => [t.name, t.partitions.length]).sort()).toEqual(topics.map((t) => [t, 1]).sort());
    expect(await createTopicsOn(admin, [{ topic: topics[0]!, numPartitions: 1 }])).toBe(false);
  } finally {
    await admin.disconnect();
  }
});
