/**
 * test/support/kafka.ts creates a topic and waits for its leaders also while the broker does not
 * know the topic yet: right after CreateTopics, a broker answers Metadata for the new topic with
 * UNKNOWN_TOPIC_OR_PARTITION until its metadata cache has what its controller created, longer on a
 * loaded machine. kafkajs' `waitForLeaders` gives up at once on that answer (lifecycle-stress failed
 * at its first topic so under load). Here the broker's first answers naming the new topic are that
 * error, as the broker gives it; the helpers wait them out. After that, Metadata names the leader
 * before the leader has made the partition's log: it refuses Produce (and ListOffsets) with
 * NOT_LEADER_OR_FOLLOWER, and kafkajs' retry of the whole request wrote the partitions that took it
 * twice (rest-api's tasks.max test got p0 twice); the helpers wait until ListOffsets is answered.
 */
import { expect, onTestFinished, spyOn, test } from "bun:test";
import { createRequire } from "node:module";
import { createErrorFromCode } from "kafkajs/src/protocol/error";
import { createTopic, createTopicsOn, testClient, uniqueTopic } from "./support/kafka.ts";

const require = createRequire(import.meta.url);
const Broker = require("kafkajs/src/broker/index.js") as {
  prototype: {
    metadata(topics?: string[]): Promise<unknown>;
    listOffsets(request: { topics: { topic: string }[] }): Promise<unknown>;
  };
};
const UNKNOWN_TOPIC_OR_PARTITION = 3;
const NOT_LEADER_OR_FOLLOWER = 6;

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

/** The broker's next `times` ListOffsets answers naming `topic` are NOT_LEADER_OR_FOLLOWER. */
function notLeaderFor(topic: string, times: number): { readonly refused: number } {
  const state = { refused: 0 };
  const listOffsets = Broker.prototype.listOffsets;
  const spy = spyOn(Broker.prototype, "listOffsets").mockImplementation(function (this: unknown, request) {
    if (state.refused < times && request.topics.some((t) => t.topic === topic)) {
      state.refused++;
      return Promise.reject(createErrorFromCode(NOT_LEADER_OR_FOLLOWER));
    }
    return listOffsets.call(this, request);
  });
  onTestFinished(() => spy.mockRestore());
  return state;
}

test("createTopic waits until the leader serves every partition, so a first send is written once", async () => {
  const topic = uniqueTopic("create-topic-not-leader");
  const broker = notLeaderFor(topic, 2);
  await createTopic(topic, 2);
  expect(broker.refused).toBe(2);
  const kafka = await testClient();
  const producer = kafka.producer({ retry: { retries: 0 } });
  await producer.connect();
  try {
    await producer.send({
      topic,
      messages: [
        { value: "p0", partition: 0 },
        { value: "p1", partition: 1 },
      ],
    });
  } finally {
    await producer.disconnect();
  }
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    expect(ends.map((p) => [p.partition, p.high]).sort()).toEqual([
      [0, "1"],
      [1, "1"],
    ]);
  } finally {
    await admin.disconnect();
  }
});
