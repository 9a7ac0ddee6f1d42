/**
 * Two platformatic consumers with the same `group.instance.id`, against the real broker. The second
 * one's join replaces the first as the static member; the first is then answered FENCED_INSTANCE_ID,
 * which Java's consumer treats as fatal (FencedInstanceIdException: the Connect task fails). The
 * library rejoined instead, fencing the second in turn: the two took the partitions from each other
 * for ever (consumercommit report, first finding left alone). Now the fenced one crashes with a
 * non-retriable error carrying Java's message, and the other keeps its partitions.
 */
import { describe, expect, test } from "bun:test";
import type { TopicPartition } from "../src/api/record.ts";
import { isRetriable } from "../src/errors.ts";
import type { KafkaConsumer } from "../src/kafka/kafka-port.ts";
import { FENCED_INSTANCE_ID } from "../src/kafka/platformatic/fenced-instance.ts";
import { uniqueTopic } from "./support/kafka.ts";
import {
  groupTopic,
  memberIds,
  partitionList,
  removeFirstMember,
  usePlatformaticPort,
} from "./support/platformatic-group.ts";
import { waitFor } from "./support/wait-for.ts";

const f = usePlatformaticPort();

/** A static member that records its assignment changes and its crash (`crashed <retriable>: <message>`) in `events`. */
async function staticMember(
  groupId: string,
  topic: string,
  instanceId: string,
  heartbeatIntervalMs: number,
  events: string[],
): Promise<KafkaConsumer> {
  const properties = {
    "bootstrap.servers": f.info.bootstrap,
    "group.instance.id": instanceId,
    "heartbeat.interval.ms": String(heartbeatIntervalMs),
    "fetch.max.wait.ms": "100",
  };
  const consumer = await f.port.consumer({ groupId, topics: [topic], properties });
  await consumer.start({
    onRecords: async () => {},
    onPartitionsAssigned: async (tps) => void events.push(`assigned ${partitionList(tps)}`),
    onPartitionsRevoked: async (tps) => void events.push(`revoked ${partitionList(tps)}`),
    onPartitionsLost: async (tps) => void events.push(`lost ${partitionList(tps)}`),
    onCrash: (error) => void events.push(`crashed ${isRetriable(error) ? "retriable" : "fatal"}: ${error.message}`),
  });
  return consumer;
}

describe("two platformatic consumers sharing a group.instance.id", () => {
  test("the one fenced by the other's join fails at its next heartbeat with Java's message; the other keeps its partitions", async () => {
    const { topic, groupId } = await groupTopic(f, "fenced-heartbeat");
    const instanceId = `instance-${topic}`;
    const aEvents: string[] = [];
    const bEvents: string[] = [];
    const a = await staticMember(groupId, topic, instanceId, 300, aEvents);
    let b: KafkaConsumer | undefined;
    try {
      await waitFor(() => a.assignment().length === 2, { what: "A's partitions" });
      b = await staticMember(groupId, topic, instanceId, 300, bEvents);
      await waitFor(() => aEvents.some((e) => e.startsWith("crashed")), { what: "A's crash", timeoutMs: 30_000 });
      const bMember = await memberIds(f.info, groupId);
      // B stays the member: its commits go through, under the generation it joined.
      await b.commit([{ topic, partition: 0, offset: 3 }]);
      await a.close();
      await b.commit([{ topic, partition: 1, offset: 4 }]);
      expect(await f.admin.groupOffsets(groupId)).toEqual([
        { topic, partition: 0, offset: 3 },
        { topic, partition: 1, offset: 4 },
      ]);
      expect(await memberIds(f.info, groupId)).toEqual(bMember);
      expect(aEvents).toEqual([
        "assigned 0,1",
        `crashed fatal: The consumer of group ${groupId} stopped: ${FENCED_INSTANCE_ID}`,
      ]);
      expect(bEvents).toEqual(["assigned 0,1"]);
      expect(b.assignment().length).toBe(2);
    } finally {
      await b?.close();
      await a.close();
    }
  }, 60_000);

  test("the fenced one's commit fails without rejoining (no JoinGroup fencing the other), and its next heartbeat fails the consumer", async () => {
    const { topic, groupId } = await groupTopic(f, "fenced-commit");
    const instanceId = `instance-${topic}`;
    const aEvents: string[] = [];
    const bEvents: string[] = [];
    // A's heartbeat comes every 5 s: its commit just after B's join is answered before it.
    const a = await staticMember(groupId, topic, instanceId, 5_000, aEvents);
    let b: KafkaConsumer | undefined;
    try {
      await waitFor(() => a.assignment().length === 2, { what: "A's partitions" });
      b = await staticMember(groupId, topic, instanceId, 300, bEvents);
      await waitFor(() => b!.assignment().length === 2, { what: "B's partitions" });
      const bMember = await memberIds(f.info, groupId);
      // The library sends the OffsetCommit without the instance id: UNKNOWN_MEMBER_ID, CommitFailedException.
      const refused = await a.commit([{ topic, partition: 0, offset: 5 }]).then(
        () => "committed",
        (error: Error) => `${isRetriable(error) ? "retriable" : "fatal"}: ${error.message}`,
      );
      expect(refused).toStartWith(
        `retriable: Failed to commit offsets of consumer group ${groupId}: Commit cannot be completed`,
      );
      await waitFor(() => aEvents.some((e) => e.startsWith("crashed")), { what: "A's crash", timeoutMs: 30_000 });
      await b.commit([{ topic, partition: 1, offset: 4 }]);
      expect(await f.admin.groupOffsets(groupId)).toEqual([{ topic, partition: 1, offset: 4 }]);
      expect(await memberIds(f.info, groupId)).toEqual(bMember);
      expect(aEvents).toEqual([
        "assigned 0,1",
        `crashed fatal: The consumer of group ${groupId} stopped: ${FENCED_INSTANCE_ID}`,
      ]);
      expect(bEvents).toEqual(["assigned 0,1"]);
    } finally {
      await b?.close();
      await a.close();
    }
  }, 60_000);
  test("a start cancelled by a close does not stop the fencing watch of the start after that close", async () => {
    const topic = uniqueTopic("fenced-restart");
    const groupId = `group-${topic}`;
    const instanceId = `instance-${topic}`;
    const aEvents: string[] = [];
    const bEvents: string[] = [];
    const properties = {
      "bootstrap.servers": f.info.bootstrap,
      "group.instance.id": instanceId,
      "heartbeat.interval.ms": "300",
      "fetch.max.wait.ms": "100",
      "allow.auto.create.topics": "false",
    };
    const a = await f.port.consumer({ groupId, topics: [topic], properties });
    const handlers = {
      onRecords: async () => {},
      onPartitionsAssigned: async (tps: readonly TopicPartition[]) =>
        void aEvents.push(`assigned ${partitionList(tps)}`),
      onPartitionsRevoked: async (tps: readonly TopicPartition[]) => void aEvents.push(`revoked ${partitionList(tps)}`),
      onPartitionsLost: async (tps: readonly TopicPartition[]) => void aEvents.push(`lost ${partitionList(tps)}`),
      onCrash: (error: Error) =>
        void aEvents.push(`crashed ${isRetriable(error) ? "retriable" : "fatal"}: ${error.message}`),
    };
    // The first start waits for the topic; a close cancels it and a second start begins before it settles.
    const first = a.start(handlers).then(
      () => "started",
      () => "cancelled",
    );
    const closed = a.close();
    const second = a.start(handlers);
    let b: KafkaConsumer | undefined;
    try {
      await closed;
      await f.admin.createTopic({ topic, partitions: 2, replicationFactor: 1 });
      await second;
      expect(await first).toBe("cancelled");
      await waitFor(() => a.assignment().length === 2, { what: "A's partitions" });
      b = await staticMember(groupId, topic, instanceId, 300, bEvents);
      await waitFor(() => aEvents.some((e) => e.startsWith("crashed")), { what: "A's crash", timeoutMs: 30_000 });
      expect(aEvents).toEqual([
        "assigned 0,1",
        `crashed fatal: The consumer of group ${groupId} stopped: ${FENCED_INSTANCE_ID}`,
      ]);
      expect(bEvents).toEqual(["assigned 0,1"]);
    } finally {
      await b?.close();
      await a.close();
    }
  }, 60_000);
});

describe("a static platformatic member removed from its group by an admin (not fenced)", () => {
  test("its commit is refused, and its next heartbeat rejoins it (no crash)", async () => {
    const { topic, groupId } = await groupTopic(f, "removed-static");
    const events: string[] = [];
    const a = await staticMember(groupId, topic, `instance-${topic}`, 300, events);
    try {
      await waitFor(() => a.assignment().length === 2, { what: "A's partitions" });
      const removed = await removeFirstMember(f.info, groupId);
      const refused = await a.commit([{ topic, partition: 0, offset: 5 }]).then(
        () => "committed",
        (error: Error) => (isRetriable(error) ? "retriable" : "fatal"),
      );
      expect(refused).toBe("retriable");
      await waitFor(async () => (await memberIds(f.info, groupId)).length === 1 && a.assignment().length === 2, {
        what: "A back in its group",
        timeoutMs: 30_000,
      });
      expect((await memberIds(f.info, groupId))[0]).not.toBe(removed);
      await a.commit([{ topic, partition: 0, offset: 6 }]);
      expect(await f.admin.groupOffsets(groupId)).toEqual([{ topic, partition: 0, offset: 6 }]);
      expect(events).toEqual(["assigned 0,1", "lost 0,1", "assigned 0,1"]);
    } finally {
      await a.close();
    }
  }, 60_000);
});
