/**
 * Commits made while the platformatic consumer rejoins its group, against the real broker. Java's
 * consumer sends a commit only as a stable member (or from onPartitionsRevoked, before it rejoins):
 * one made meanwhile fails at once, and a rebalance is one revoke/assign (or lose/assign) cycle.
 * The library sent such a commit under the generation (and, after UNKNOWN_MEMBER_ID, without the
 * member id) the member was leaving. Its answer made the library rejoin once more from inside the
 * commit, losing the partitions the join was handing out (the sinklost session saw them lost again
 * 93 ms after they came back); and an OffsetCommit without a member id made the broker close the
 * coordinator connection, failing the JoinGroup on it until the consumer crashed. A stable member's
 * commit answered with a group error was retried by the library under the generation of its rejoin,
 * committing partitions another member may own by then; Java's fails it (CommitFailedException).
 */
import { describe, expect, test } from "bun:test";
import type { TopicPartition } from "../src/api/record.ts";
import type { ConsumerHandlers, KafkaConsumer } from "../src/kafka/kafka-port.ts";
import {
  groupTopic,
  memberIds,
  partitionList,
  removeFirstMember,
  usePlatformaticPort,
} from "./support/platformatic-group.ts";
import { waitFor } from "./support/wait-for.ts";

const f = usePlatformaticPort();

/**
 * A member of `groupId` that records what happens to it in `events` (`A assigned 0,1`, `A lost 0,1`,
 * `A crashed`, …) and, the first time it gives its partitions up, commits them once more without
 * waiting (as a sink task's periodic commit coming while the member rejoins; a lost partition's
 * at once, a revoked one's after the revocation): `A commit failed` when that commit is refused.
 */
async function member(groupId: string, topic: string, name: string, events: string[]): Promise<KafkaConsumer> {
  const properties = {
    "bootstrap.servers": f.info.bootstrap,
    "fetch.max.wait.ms": "100",
    "heartbeat.interval.ms": "300",
  };
  const consumer = await f.port.consumer({ groupId, topics: [topic], properties });
  let committed = false;
  const commit = (tps: readonly TopicPartition[]) => {
    if (committed) return;
    committed = true;
    consumer.commit(tps.map((tp) => ({ ...tp, offset: 0 }))).then(
      () => events.push(`${name} committed`),
      () => events.push(`${name} commit failed`),
    );
  };
  const handlers: ConsumerHandlers = {
    onRecords: async () => {},
    onPartitionsAssigned: async (tps) => void events.push(`${name} assigned ${partitionList(tps)}`),
    onPartitionsRevoked: async (tps) => {
      events.push(`${name} revoked ${partitionList(tps)}`);
      // After the revocation (whose own commits go through): the member rejoins meanwhile.
      setTimeout(() => commit(tps), 0);
    },
    onPartitionsLost: async (tps) => {
      events.push(`${name} lost ${partitionList(tps)}`);
      commit(tps);
    },
    onCrash: () => void events.push(`${name} crashed`),
  };
  await consumer.start(handlers);
  return consumer;
}

describe("the platformatic consumer committing while it rejoins", () => {
  test("after losing its membership: the commit fails at once, and the rejoin hands the partitions back once", async () => {
    const { topic, groupId } = await groupTopic(f, "commit-rejoin-lost");
    const events: string[] = [];
    const a = await member(groupId, topic, "A", events);
    try {
      await waitFor(() => a.assignment().length === 2, { what: "A's partitions" });
      await removeFirstMember(f.info, groupId);
      await waitFor(() => events.length >= 4 || events.includes("A crashed"), {
        what: "the loss, the commit's end and the partitions back",
        timeoutMs: 30_000,
      });
      expect([...events.slice(0, 2), ...events.slice(2).sort()]).toEqual([
        "A assigned 0,1",
        "A lost 0,1",
        "A assigned 0,1",
        "A commit failed",
      ]);
    } finally {
      await a.close();
    }
  }, 60_000);

  test("in a rebalance (a second member joining): one revoke/assign cycle, nothing lost", async () => {
    const { topic, groupId } = await groupTopic(f, "commit-rejoin-revoked");
    const events: string[] = [];
    const a = await member(groupId, topic, "A", events);
    let b: KafkaConsumer | undefined;
    try {
      await waitFor(() => a.assignment().length === 2, { what: "A's partitions" });
      b = await member(groupId, topic, "B", []);
      await waitFor(() => a.assignment().length === 1 && b!.assignment().length === 1, {
        what: "one partition each",
        timeoutMs: 30_000,
      });
      await waitFor(() => events.some((e) => e.startsWith("A commit")), { what: "the commit's end" });
      const kept = partitionList(a.assignment());
      expect([...events.slice(0, 2), ...events.slice(2).sort()]).toEqual([
        "A assigned 0,1",
        "A revoked 0,1",
        `A assigned ${kept}`,
        "A commit failed",
      ]);
    } finally {
      await b?.close();
      await a.close();
    }
  }, 60_000);
});

/**
 * A member of `groupId` that records its partitions' changes in `events` and commits nothing itself;
 * its heartbeat comes every 10 s, so a commit made just after its removal is answered before the
 * heartbeat notices (the library still holds it stable).
 */
async function quietMember(
  groupId: string,
  topic: string,
  events: string[],
  heartbeatIntervalMs = 10_000,
): Promise<KafkaConsumer> {
  const properties = { "bootstrap.servers": f.info.bootstrap, "heartbeat.interval.ms": String(heartbeatIntervalMs) };
  const consumer = await f.port.consumer({ groupId, topics: [topic], properties });
  await consumer.start({
    onRecords: async () => {},
    onPartitionsAssigned: async (tps) => void events.push(`assigned ${partitionList(tps)}`),
    onPartitionsRevoked: async (tps) => void events.push(`revoked ${partitionList(tps)}`),
    onPartitionsLost: async (tps) => void events.push(`lost ${partitionList(tps)}`),
    onCrash: () => void events.push("crashed"),
  });
  return consumer;
}

/**
 * A stable member's commit the group refuses: it fails with Java's CommitFailedException text and is
 * not retried under the next generation (nothing committed); the member loses its partitions and
 * gets them back once (`what` it waits for), then commits.
 */
async function expectRefusedOnceThenCommits(
  a: KafkaConsumer,
  topic: string,
  groupId: string,
  events: string[],
  what: string,
): Promise<void> {
  const refused = await a.commit([{ topic, partition: 0, offset: 5 }]).then(
    () => "committed",
    (error: Error) => `${error.name}: ${error.message}`,
  );
  expect(refused).toBe(
    `RetriableError: Failed to commit offsets of consumer group ${groupId}: Commit cannot be completed since the group has already rebalanced and assigned the partitions to another member. This means that the time between subsequent calls to poll() was longer than the configured max.poll.interval.ms, which typically implies that the poll loop is spending too much time message processing. You can address this either by increasing max.poll.interval.ms or by reducing the maximum size of batches returned in poll() with max.poll.records.`,
  );
  await waitFor(() => events.length >= 3 || events.includes("crashed"), { what, timeoutMs: 30_000 });
  expect(await f.admin.groupOffsets(groupId)).toEqual([]);
  await a.commit([{ topic, partition: 0, offset: 7 }]);
  expect(await f.admin.groupOffsets(groupId)).toEqual([{ topic, partition: 0, offset: 7 }]);
  expect(events).toEqual(["assigned 0,1", "lost 0,1", "assigned 0,1"]);
}

describe("the platformatic consumer committing as a stable member", () => {
  test("a commit answered UNKNOWN_MEMBER_ID fails and is not retried under the new generation; the member rejoins once and then commits", async () => {
    const { topic, groupId } = await groupTopic(f, "commit-stable-removed");
    const events: string[] = [];
    const a = await quietMember(groupId, topic, events);
    try {
      await waitFor(() => a.assignment().length === 2, { what: "A's partitions" });
      await removeFirstMember(f.info, groupId);
      await expectRefusedOnceThenCommits(a, topic, groupId, events, "the loss and the partitions back");
    } finally {
      await a.close();
    }
  }, 60_000);

  test("closed during the rejoin a commit answered UNKNOWN_MEMBER_ID started: the close settles, nothing crashes, and the member leaves the group", async () => {
    const { topic, groupId } = await groupTopic(f, "commit-stable-removed-close");
    const events: string[] = [];
    const a = await quietMember(groupId, topic, events);
    try {
      await waitFor(() => a.assignment().length === 2, { what: "A's partitions" });
      await removeFirstMember(f.info, groupId);
      const refused = await a.commit([{ topic, partition: 0, offset: 5 }]).then(
        () => "committed",
        (error: Error) => error.name,
      );
      expect(refused).toBe("RetriableError");
      // The library's rejoin from that commit is under way (or done): the close neither waits on it
      // for good nor lets its end reach the handlers as a crash.
      await a.close();
      expect(await memberIds(f.info, groupId)).toEqual([]);
      expect(events.includes("crashed")).toBe(false);
      expect(await f.admin.groupOffsets(groupId)).toEqual([]);
    } finally {
      await a.close();
    }
  }, 60_000);

  test("a commit answered ILLEGAL_GENERATION fails and is not retried; the heartbeat rejoins once and the member then commits", async () => {
    const { topic, groupId } = await groupTopic(f, "commit-stable-stale");
    const events: string[] = [];
    const a = await quietMember(groupId, topic, events, 500);
    try {
      await waitFor(() => a.assignment().length === 2, { what: "A's partitions" });
      // The generation a member holds when the group moved on without its noticing (a stable member
      // whose heartbeat has not been answered yet): the library consumer's own field, made stale.
      const library = (a as unknown as { consumer: { generationId: number } }).consumer;
      library.generationId -= 1;
      await expectRefusedOnceThenCommits(a, topic, groupId, events, "the heartbeat's rejoin");
    } finally {
      await a.close();
    }
  }, 60_000);
});
