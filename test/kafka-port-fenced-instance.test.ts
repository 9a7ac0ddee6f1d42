/**
 * Two platformatic consumers with the same `group.instance.id`, against the real broker. The second
 * one's join replaces the first as the static member; the first is then answered FENCED_INSTANCE_ID,
 * which Java's consumer treats as fatal (FencedInstanceIdException: the Connect task fails). The
 * library rejoined instead, fencing the second in turn: the two took the partitions from each other
 * for ever (consumercommit report, first finding left alone). Now the fenced one crashes with a
 * non-retriable error carrying Java's message, and the other keeps its partitions, whichever of its
 * requests is answered so: a heartbeat, a commit (the library sent its OffsetCommit without the
 * instance id: answered UNKNOWN_MEMBER_ID, the member failed only at its next heartbeat) or a
 * JoinGroup. A static member's commit answered UNKNOWN_MEMBER_ID during its revocation left the
 * JoinGroup that followed without a member id, which took the instance id back from a process that
 * had taken it meanwhile (fenced2). A stable static member's commit answered so left its rejoin to
 * its next heartbeat, up to `heartbeat.interval.ms` later; it rejoins at once now, as Java's (fenced3).
 */
import { afterEach, describe, expect, test } from "bun:test";
import { connectionsApiChannel, findErrorBy, protocolAPIsById } from "@platformatic/kafka";
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

/** The consumers a test started, closed after it (the last started first; closing twice is fine). */
const started: KafkaConsumer[] = [];
afterEach(async () => {
  for (const consumer of started.splice(0).reverse()) await consumer.close();
});

/**
 * A member whose first heartbeat comes after its test has ended (the interval is twice the tests'
 * 60 s timeout): what it meets, its own commits and joins meet, so the recorded requests are exact.
 */
const NO_HEARTBEAT_IN_TEST = { "session.timeout.ms": "240000", "heartbeat.interval.ms": "120000" };

interface StaticMemberOptions {
  /** Consumer properties over the defaults (a heartbeat every 300 ms). */
  readonly properties?: Record<string, string>;
  /** Run by onPartitionsRevoked (awaited, as a sink task's commit there). */
  readonly onRevoked?: (tps: readonly TopicPartition[]) => Promise<void>;
}

/** A static member that records its assignment changes and its crash (`crashed <retriable>: <message>`) in `events`. */
async function staticMember(
  groupId: string,
  topics: readonly string[] | RegExp,
  instanceId: string,
  events: string[],
  options: StaticMemberOptions = {},
): Promise<KafkaConsumer> {
  const properties = {
    "bootstrap.servers": f.info.bootstrap,
    "group.instance.id": instanceId,
    "heartbeat.interval.ms": "300",
    "fetch.max.wait.ms": "100",
    ...options.properties,
  };
  const consumer = await f.port.consumer({ groupId, topics, properties });
  started.push(consumer);
  await consumer.start({
    onRecords: async () => {},
    onPartitionsAssigned: async (tps) => void events.push(`assigned ${partitionList(tps)}`),
    onPartitionsRevoked: async (tps) => {
      events.push(`revoked ${partitionList(tps)}`);
      await options.onRevoked?.(tps);
    },
    onPartitionsLost: async (tps) => void events.push(`lost ${partitionList(tps)}`),
    onCrash: (error) => void events.push(`crashed ${isRetriable(error) ? "retriable" : "fatal"}: ${error.message}`),
  });
  return consumer;
}

/**
 * Once A holds both partitions, B joins with the same group.instance.id and takes them over: B, and
 * the group's member ids then (B's).
 */
async function takeOver(
  a: KafkaConsumer,
  groupId: string,
  topic: string,
  instanceId: string,
  bEvents: string[],
): Promise<{ b: KafkaConsumer; bMember: string[] }> {
  await waitFor(() => a.assignment().length === 2, { what: "A's partitions" });
  const b = await staticMember(groupId, [topic], instanceId, bEvents);
  await waitFor(() => b.assignment().length === 2, { what: "B's partitions" });
  return { b, bMember: await memberIds(f.info, groupId) };
}

/** The requests (`OffsetCommit`, `JoinGroup`, `Heartbeat` …) the coordinator answers `answer` while it is in use. */
function answeredWith(answer = "FENCED_INSTANCE_ID"): { readonly requests: string[] } & Disposable {
  const requests: string[] = [];
  const onError = (context: unknown) => {
    const { apiKey, error } = context as { apiKey?: number; error?: unknown };
    if (typeof apiKey === "number" && error instanceof Error && findErrorBy(error, "apiId", answer))
      requests.push(protocolAPIsById[apiKey] ?? String(apiKey));
  };
  connectionsApiChannel.error.subscribe(onError);
  return { requests, [Symbol.dispose]: () => connectionsApiChannel.error.unsubscribe(onError) };
}

/** How a commit ended: `committed`, or `<retriable|fatal>: <message>`. */
const outcome = (commit: Promise<void>) =>
  commit.then(
    () => "committed",
    (error: Error) => `${isRetriable(error) ? "retriable" : "fatal"}: ${error.message}`,
  );

describe("two platformatic consumers sharing a group.instance.id", () => {
  test("the one fenced by the other's join fails at its next heartbeat with Java's message; the other keeps its partitions", async () => {
    const { topic, groupId } = await groupTopic(f, "fenced-heartbeat");
    const instanceId = `instance-${topic}`;
    const aEvents: string[] = [];
    const bEvents: string[] = [];
    const a = await staticMember(groupId, [topic], instanceId, aEvents);
    await waitFor(() => a.assignment().length === 2, { what: "A's partitions" });
    const b = await staticMember(groupId, [topic], instanceId, bEvents);
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
  }, 60_000);

  test("the fenced one's commit is answered FENCED_INSTANCE_ID and fails it at once (not its next heartbeat), without rejoining", async () => {
    const { topic, groupId } = await groupTopic(f, "fenced-commit");
    const instanceId = `instance-${topic}`;
    const aEvents: string[] = [];
    const bEvents: string[] = [];
    using fenced = answeredWith();
    const a = await staticMember(groupId, [topic], instanceId, aEvents, { properties: NO_HEARTBEAT_IN_TEST });
    const { b, bMember } = await takeOver(a, groupId, topic, instanceId, bEvents);
    // The OffsetCommit carries the instance id (the library sent none: UNKNOWN_MEMBER_ID, CommitFailedException).
    expect(await outcome(a.commit([{ topic, partition: 0, offset: 5 }]))).toBe(
      `fatal: Failed to commit offsets of consumer group ${groupId}: ${FENCED_INSTANCE_ID}`,
    );
    expect(fenced.requests).toEqual(["OffsetCommit"]);
    expect(aEvents).toEqual([
      "assigned 0,1",
      `crashed fatal: The consumer of group ${groupId} stopped: ${FENCED_INSTANCE_ID}`,
    ]);
    await b.commit([{ topic, partition: 1, offset: 4 }]);
    expect(await f.admin.groupOffsets(groupId)).toEqual([{ topic, partition: 1, offset: 4 }]);
    expect(await memberIds(f.info, groupId)).toEqual(bMember);
    expect(bEvents).toEqual(["assigned 0,1"]);
    expect(fenced.requests).toEqual(["OffsetCommit"]);
  }, 60_000);

  // sinkstart: the fenced one's commits go on (a sink task's close commits through its failed consumer); once the
  // instance id is gone from the group (the other process's member removed) one is answered UNKNOWN_MEMBER_ID, which
  // gets to the library's rejoin from a commit: refused, the consumer having failed for good.
  test("the fenced one's commit after the other left the group is answered UNKNOWN_MEMBER_ID and fails as fenced, without rejoining", async () => {
    const { topic, groupId } = await groupTopic(f, "fenced-then-left");
    const instanceId = `instance-${topic}`;
    const aEvents: string[] = [];
    const bEvents: string[] = [];
    using unknown = answeredWith("UNKNOWN_MEMBER_ID");
    const a = await staticMember(groupId, [topic], instanceId, aEvents, { properties: NO_HEARTBEAT_IN_TEST });
    await waitFor(() => a.assignment().length === 2, { what: "A's partitions" });
    // B sends no heartbeat either: removed, it does not rejoin meanwhile.
    const b = await staticMember(groupId, [topic], instanceId, bEvents, { properties: NO_HEARTBEAT_IN_TEST });
    await waitFor(() => b.assignment().length === 2, { what: "B's partitions" });
    const fencedCommit = `fatal: Failed to commit offsets of consumer group ${groupId}: ${FENCED_INSTANCE_ID}`;
    expect(await outcome(a.commit([{ topic, partition: 0, offset: 5 }]))).toBe(fencedCommit);
    await removeFirstMember(f.info, groupId);

    expect(await outcome(a.commit([{ topic, partition: 0, offset: 6 }]))).toBe(fencedCommit);
    expect(unknown.requests).toEqual(["OffsetCommit"]);
    expect(await memberIds(f.info, groupId)).toEqual([]);
    expect(await f.admin.groupOffsets(groupId)).toEqual([]);
    expect(aEvents).toEqual([
      "assigned 0,1",
      `crashed fatal: The consumer of group ${groupId} stopped: ${FENCED_INSTANCE_ID}`,
    ]);
    expect(bEvents).toEqual(["assigned 0,1"]);
  }, 60_000);

  test("the fenced one's JoinGroup (a topics.regex rejoin) is answered FENCED_INSTANCE_ID: it fails, and sends no other", async () => {
    const { topic, groupId } = await groupTopic(f, "fenced-join");
    const instanceId = `instance-${topic}`;
    const aEvents: string[] = [];
    const bEvents: string[] = [];
    using fenced = answeredWith();
    const a = await staticMember(groupId, new RegExp(`^${topic}(-more)?$`), instanceId, aEvents, {
      properties: { ...NO_HEARTBEAT_IN_TEST, "metadata.max.age.ms": "200" },
    });
    const { b, bMember } = await takeOver(a, groupId, topic, instanceId, bEvents);
    // A matching topic: A rejoins with its member id, which the instance id no longer has.
    await f.admin.createTopic({ topic: `${topic}-more`, partitions: 1, replicationFactor: 1 });
    await waitFor(() => aEvents.some((e) => e.startsWith("crashed")), { what: "A's crash", timeoutMs: 30_000 });
    expect(aEvents).toEqual([
      "assigned 0,1",
      "revoked 0,1",
      `crashed fatal: The consumer of group ${groupId} stopped: ${FENCED_INSTANCE_ID}`,
    ]);
    await b.commit([{ topic, partition: 1, offset: 4 }]);
    expect(await memberIds(f.info, groupId)).toEqual(bMember);
    expect(bEvents).toEqual(["assigned 0,1"]);
    expect(fenced.requests).toEqual(["JoinGroup"]);
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
    started.push(a);
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
    await closed;
    await f.admin.createTopic({ topic, partitions: 2, replicationFactor: 1 });
    await second;
    expect(await first).toBe("cancelled");
    await waitFor(() => a.assignment().length === 2, { what: "A's partitions" });
    await staticMember(groupId, [topic], instanceId, bEvents);
    await waitFor(() => aEvents.some((e) => e.startsWith("crashed")), { what: "A's crash", timeoutMs: 30_000 });
    expect(aEvents).toEqual([
      "assigned 0,1",
      `crashed fatal: The consumer of group ${groupId} stopped: ${FENCED_INSTANCE_ID}`,
    ]);
    expect(bEvents).toEqual(["assigned 0,1"]);
  }, 60_000);
});

describe("a static platformatic member removed from its group by an admin (not fenced)", () => {
  test("its commit is refused and rejoins it at once (not at its next heartbeat) with its member id, answered UNKNOWN_MEMBER_ID; then it joins anew (no crash)", async () => {
    const { topic, groupId } = await groupTopic(f, "removed-static");
    const events: string[] = [];
    using unknown = answeredWith("UNKNOWN_MEMBER_ID");
    const a = await staticMember(groupId, [topic], `instance-${topic}`, events, { properties: NO_HEARTBEAT_IN_TEST });
    await waitFor(() => a.assignment().length === 2, { what: "A's partitions" });
    const removed = await removeFirstMember(f.info, groupId);
    // Java's CommitFailedException; its consumer rejoins at the next poll, a sink task's next put.
    expect(await outcome(a.commit([{ topic, partition: 0, offset: 5 }]))).toStartWith(
      `retriable: Failed to commit offsets of consumer group ${groupId}: Commit cannot be completed since the group has already rebalanced`,
    );
    await waitFor(async () => (await memberIds(f.info, groupId)).length === 1 && a.assignment().length === 2, {
      what: "A back in its group",
      timeoutMs: 30_000,
    });
    expect((await memberIds(f.info, groupId))[0]).not.toBe(removed);
    // The rejoin's first JoinGroup carried the member id: had another process registered the
    // instance id meanwhile, it would have been answered FENCED_INSTANCE_ID rather than taking it over.
    expect(unknown.requests).toEqual(["OffsetCommit", "JoinGroup"]);
    await a.commit([{ topic, partition: 0, offset: 6 }]);
    expect(await f.admin.groupOffsets(groupId)).toEqual([{ topic, partition: 0, offset: 6 }]);
    expect(events).toEqual(["assigned 0,1", "lost 0,1", "assigned 0,1"]);
  }, 60_000);

  test("a commit in its revocation answered UNKNOWN_MEMBER_ID keeps the member id: the JoinGroup after it, once another process took the instance id, is answered FENCED_INSTANCE_ID rather than taking the id back", async () => {
    const { topic, groupId } = await groupTopic(f, "removed-revoking");
    const instanceId = `instance-${topic}`;
    const aEvents: string[] = [];
    const bEvents: string[] = [];
    using fenced = answeredWith();
    let revocationCommit: string | undefined;
    let b: KafkaConsumer | undefined;
    const a: KafkaConsumer = await staticMember(groupId, new RegExp(`^${topic}(-more)?$`), instanceId, aEvents, {
      properties: { ...NO_HEARTBEAT_IN_TEST, "metadata.max.age.ms": "200" },
      onRevoked: async (tps) => {
        if (b) return;
        // The instance id is gone from the group: UNKNOWN_MEMBER_ID. B takes it before A's JoinGroup goes out.
        revocationCommit = await outcome(a.commit(tps.map((tp) => ({ ...tp, offset: 7 }))));
        b = await staticMember(groupId, [topic], instanceId, bEvents);
      },
    });
    await waitFor(() => a.assignment().length === 2, { what: "A's partitions" });
    await removeFirstMember(f.info, groupId);
    // A matching topic: A rejoins, revoking its partitions first.
    await f.admin.createTopic({ topic: `${topic}-more`, partitions: 1, replicationFactor: 1 });
    // Either A is fenced, or (the JoinGroup without a member id) B is, at its next heartbeat.
    await waitFor(() => [...aEvents, ...bEvents].some((e) => e.startsWith("crashed")), {
      what: "A's crash (or B's)",
      timeoutMs: 30_000,
    });
    expect(revocationCommit).toBe(
      `retriable: The group ${groupId} moved to a new generation during the revocation: its offsets are not committed`,
    );
    expect(aEvents).toEqual([
      "assigned 0,1",
      "revoked 0,1",
      `crashed fatal: The consumer of group ${groupId} stopped: ${FENCED_INSTANCE_ID}`,
    ]);
    expect(fenced.requests).toEqual(["JoinGroup"]);
    const bMember = await memberIds(f.info, groupId);
    await b!.commit([{ topic, partition: 1, offset: 4 }]);
    expect(await f.admin.groupOffsets(groupId)).toEqual([{ topic, partition: 1, offset: 4 }]);
    expect(await memberIds(f.info, groupId)).toEqual(bMember);
    expect(bEvents).toEqual(["assigned 0,1"]);
  }, 60_000);
});

describe("a static platformatic member fenced during a revocation", () => {
  test("a fenced member's revocation commit fails it, and no JoinGroup follows", async () => {
    const { topic, groupId } = await groupTopic(f, "fenced-revoke");
    const instanceId = `instance-${topic}`;
    const aEvents: string[] = [];
    const bEvents: string[] = [];
    using fenced = answeredWith();
    let revocationCommit: string | undefined;
    const a: KafkaConsumer = await staticMember(groupId, new RegExp(`^${topic}(-more)?$`), instanceId, aEvents, {
      properties: { ...NO_HEARTBEAT_IN_TEST, "metadata.max.age.ms": "200" },
      onRevoked: async (tps) => {
        revocationCommit = await outcome(a.commit(tps.map((tp) => ({ ...tp, offset: 7 }))));
      },
    });
    const { b, bMember } = await takeOver(a, groupId, topic, instanceId, bEvents);
    await f.admin.createTopic({ topic: `${topic}-more`, partitions: 1, replicationFactor: 1 });
    await waitFor(() => aEvents.some((e) => e.startsWith("crashed")), { what: "A's crash", timeoutMs: 30_000 });
    // The close awaits the join under way: any JoinGroup A sent has been answered by then.
    await a.close();
    expect(revocationCommit).toBe(
      `fatal: Failed to commit offsets of consumer group ${groupId}: ${FENCED_INSTANCE_ID}`,
    );
    expect(fenced.requests).toEqual(["OffsetCommit"]);
    await b.commit([{ topic, partition: 1, offset: 4 }]);
    expect(await memberIds(f.info, groupId)).toEqual(bMember);
    expect(bEvents).toEqual(["assigned 0,1"]);
  }, 60_000);
});
