/**
 * A static member restarted with other topics, against the real broker (staticsub, explore30 F1: a
 * sink with `consumer.override.group.instance.id` whose `topics` changed kept consuming its old
 * topic). Its first consumer closes without leaving the group (a static member never does); the
 * next one, with the same `group.instance.id`, is answered with the assignment the coordinator holds
 * for that instance id, of the old topic. As Java's consumer it takes none of it and rejoins with its
 * subscription, and gets the new topic's partitions only: alone in its group (its leader), or as a
 * follower of a member already consuming the new topic, with which it shares them.
 */
import { expect, test } from "bun:test";
import { type TopicPartition, topicPartitionKey } from "../src/api/record.ts";
import type { ConsumerHandlers, ConsumerOptions, KafkaConsumer } from "../src/kafka/kafka-port.ts";
import { kafkaPorts } from "../src/kafka/kafka-ports.ts";
import { topicPattern } from "../src/runtime/connector-config-values.ts";
import { LogManager } from "../src/util/logger.ts";
import { produce } from "./support/kafka.ts";
import { groupTopic, usePlatformaticPort } from "./support/platformatic-group.ts";
import { waitFor } from "./support/wait-for.ts";

const f = usePlatformaticPort();

const keys = (tps: readonly TopicPartition[]) => tps.map(topicPartitionKey).sort().join(",");

/** The new topic subscribed by name, or by a topics.regex (logged as written, not as translated: polish30). */
const subscriptions: [
  string,
  (topic: string) => Pick<ConsumerOptions, "topics" | "topicsPattern">,
  (topic: string) => string,
][] = [
  ["topics", (topic) => ({ topics: [topic] }), (topic) => `non-subscribed topic; subscription is [${topic}]`],
  [
    "topics.regex",
    (topic) => ({ topics: topicPattern(topic), topicsPattern: topic }),
    (topic) => `non-subscribed topic regex pattern; subscription pattern is ${topic}`,
  ],
];

test.each(subscriptions)(
  "a static member rejoining with another topic (by %s) gets that topic's partitions, not its old assignment (staticsub)",
  async (_, subscribe, outside) => {
    const { topic: oldTopic, groupId } = await groupTopic(f, "static-old");
    const { topic: newTopic } = await groupTopic(f, "static-new");
    const logLines: string[] = [];
    const port = kafkaPorts.platformatic(new LogManager({ sink: (line) => void logLines.push(line) }));
    const events: string[] = [];
    const member = async (subscription: Pick<ConsumerOptions, "topics">): Promise<KafkaConsumer> => {
      const properties = { "bootstrap.servers": f.info.bootstrap, "group.instance.id": "staticsub-1" };
      const consumer = await port.consumer({ groupId, ...subscription, properties });
      await consumer.start({
        onRecords: async () => {},
        onPartitionsAssigned: async (tps) => void events.push(`assigned ${keys(tps)}`),
        onPartitionsRevoked: async (tps) => void events.push(`revoked ${keys(tps)}`),
        onPartitionsLost: async (tps) => void events.push(`lost ${keys(tps)}`),
        onCrash: (error) => void events.push(`crashed: ${error.message}`),
      });
      return consumer;
    };
    const first = await member({ topics: [oldTopic] });
    await waitFor(() => first.assignment().length === 2, { what: "the old topic's partitions" });
    await first.close();
    events.length = 0;
    const second = await member(subscribe(newTopic));
    try {
      const assigned = () => keys(second.assignment());
      await waitFor(() => assigned() === `${newTopic}-0,${newTopic}-1`, { what: "the new topic's partitions" });
      expect(events).toEqual([`assigned ${newTopic}-0,${newTopic}-1`]);
      const said = (text: string) => logLines.some((line) => line.includes(text));
      expect(said(`Assigned partition ${oldTopic}-0 for ${outside(newTopic)}`)).toBe(true);
      expect(
        said(
          `Request joining group due to: received assignment [${oldTopic}-0, ${oldTopic}-1] does not match the current subscription Subscribe(${newTopic}); it is likely that the subscription has changed since we joined the group, will re-join with current subscription`,
        ),
      ).toBe(true);
    } finally {
      await second.close();
    }
  },
);

test("a restarted static follower shares the new topic with the member already on it and never reads the old one (polish30)", async () => {
  const { topic: oldTopic, groupId } = await groupTopic(f, "static-old");
  const { topic: newTopic } = await groupTopic(f, "static-new");
  const port = kafkaPorts.platformatic(new LogManager({ sink: () => {} }));
  const properties = { "bootstrap.servers": f.info.bootstrap, "auto.offset.reset": "earliest" };
  const read: string[] = [];
  const assigned: string[] = [];
  const handlers = (who: string): ConsumerHandlers => ({
    onRecords: async (records) => {
      for (const r of records) read.push(`${who} ${r.topic} ${Buffer.from(r.value ?? []).toString()}`);
    },
    onPartitionsAssigned: async (tps) => void assigned.push(`${who} ${keys(tps)}`),
    onPartitionsRevoked: async () => {},
    onPartitionsLost: async () => {},
    onCrash: (error) => void read.push(`${who} crashed: ${error.message}`),
  });
  // The dynamic member joins first: it leads the group, the static member follows.
  const other = await port.consumer({ groupId, topics: [newTopic], properties });
  await other.start(handlers("other"));
  await waitFor(() => other.assignment().length === 2, { what: "the other member's partitions" });
  const staticProperties = { ...properties, "group.instance.id": "staticsub-follower" };
  const first = await port.consumer({ groupId, topics: [oldTopic], properties: staticProperties });
  await first.start(handlers("first"));
  await waitFor(() => keys(first.assignment()) === `${oldTopic}-0,${oldTopic}-1`, {
    what: "the old topic's partitions",
  });
  await first.close();
  const oldRecords = (value: string) => [
    { value, partition: 0 },
    { value, partition: 1 },
  ];
  await produce(oldTopic, oldRecords("before"));
  const second = await port.consumer({ groupId, topics: [newTopic], properties: staticProperties });
  try {
    await second.start(handlers("second"));
    const shared = () => keys([...other.assignment(), ...second.assignment()]);
    await waitFor(() => second.assignment().length > 0 && shared() === `${newTopic}-0,${newTopic}-1`, {
      what: "the new topic's partitions shared by both members",
    });
    const [own] = second.assignment();
    expect(second.assignment()).toEqual([{ topic: newTopic, partition: own!.partition }]);
    // Written after the rejoin, the old topic's records come before the new topic's: a member that
    // still fetched the old topic would have them (the same broker answers both in its fetches) by
    // the time it delivers the new one, which alone is delivered.
    await produce(oldTopic, oldRecords("after"));
    await produce(newTopic, [{ value: "new", partition: own!.partition }]);
    await waitFor(() => read.includes(`second ${newTopic} new`), { what: "the new topic's record" });
    expect(read.filter((line) => line.startsWith("second"))).toEqual([`second ${newTopic} new`]);
    expect(assigned.filter((line) => line.startsWith("second") && line.includes(oldTopic))).toEqual([]);
  } finally {
    await second.close();
    await other.close();
  }
});
