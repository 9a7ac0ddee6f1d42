/**
 * A revocation longer than session.timeout.ms (an HTTP sink's flush behind a slow or retried request), against the
 * real broker. Java's consumer heartbeats during onJoinPrepare (its heartbeat thread stops only once the state is
 * PREPARING_REBALANCE, after onJoinPrepare returns): the member stays in the group, its revocation commits, and the
 * rebalance is one revoke/assign cycle. The library stopped heartbeating before its protocolsMetadata callback (the
 * revocation): the coordinator expired the member, the join completed without it, the commit failed and the other
 * member was handed its partitions, delivering their records again, in a second rebalance
 * (scripts/patches/platformatic-revoke-heartbeat.mjs). Those heartbeats stop once the preparation lasted
 * max.poll.interval.ms, as Java's heartbeat thread leaves the group then: a revocation that hangs in a rejoin the
 * consumer started (the group Stable) does not keep the member forever.
 * With kafka.client=kafkajs, whose consumer heartbeated only from its fetch loop, stopped for the join (the revocation
 * runs in a hook before its JoinGroup), the first case failed the same way (scripts/patches/kafkajs-revoke-heartbeat.mjs;
 * its bound and its stop: src/kafka/kafkajs/revoke-heartbeat-patch.test.ts). kafkajs revokes for a rejoin it starts
 * before the join, while its fetch loop still heartbeats: past max.poll.interval.ms it stops that loop and sends
 * LeaveGroup, as Java's heartbeat thread does (no session timeout awaited), its commit refused then as Java's. kafkajs'
 * stop waits for a batch in flight: a put the revocation waits for holds the leave until it returns, its heartbeats
 * keeping the member meanwhile. A kafkajs consumer closed during the
 * revocation stops those heartbeats at once (it leaves the group only once the revocation ended).
 */
import { describe, expect, test } from "bun:test";
import { Admin } from "@platformatic/kafka";
import type { ConsumerHandlers, KafkaConsumer, KafkaPort } from "../src/kafka/kafka-port.ts";
import { kafkaPorts } from "../src/kafka/kafka-ports.ts";
import { LogManager } from "../src/util/logger.ts";
import { groupTopic, memberIds, partitionList, usePlatformaticPort } from "./support/platformatic-group.ts";
import { settled, waitFor } from "./support/wait-for.ts";

const f = usePlatformaticPort();
const SESSION_MS = 6000; // the broker's group.min.session.timeout.ms
const MAX_POLL_MS = 7000; // the rebalance timeout: the preparation heartbeats' bound
const POLL_TIMEOUT = "consumer poll timeout has expired. This means the time between subsequent calls to poll()";
const LEFT = /Member \S+ sending LeaveGroup request to coordinator .* due to consumer poll timeout has expired\./;
const NOT_IN_GROUP =
  "Offset commit cannot be completed since the consumer is not part of an active group for auto partition assignment; it is likely that the consumer was kicked out of the group.";

async function withAdmin<T>(use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Admin({ clientId: "test-admin", bootstrapBrokers: [f.info.bootstrap] });
  try {
    return await use(admin);
  } finally {
    await admin.close();
  }
}

/** A consumer's properties: heartbeats every 300 ms, expired after SESSION_MS without them. */
const sessionProperties = () => ({
  "bootstrap.servers": f.info.bootstrap,
  "heartbeat.interval.ms": "300",
  "session.timeout.ms": String(SESSION_MS),
});

/** Also: a revocation bounded by MAX_POLL_MS, and partitions added seen within 200 ms (the member rejoins by itself). */
const boundedProperties = () => ({
  ...sessionProperties(),
  "max.poll.interval.ms": String(MAX_POLL_MS),
  "metadata.max.age.ms": "200",
});

const groupState = (groupId: string) =>
  withAdmin(async (admin) => String((await admin.describeGroups({ groups: [groupId] })).get(groupId)?.state));

const ports: Record<keyof typeof kafkaPorts, () => KafkaPort> = {
  platformatic: () => f.port,
  kafkajs: () => kafkaPorts.kafkajs(new LogManager({ sink: () => {} })),
};

describe("a revocation longer than session.timeout.ms", () => {
  test.each(["platformatic", "kafkajs"] as const)(
    "kafka.client=%s: keeps the member in the group: its commit succeeds, in one revoke/assign cycle",
    async (client) => {
      const port = ports[client]();
      const { topic, groupId } = await groupTopic(f, `revoke-heartbeat-${client}`);
      const events: string[] = [];
      const properties = sessionProperties();
      const member = async (name: string, slowRevocation: boolean): Promise<KafkaConsumer> => {
        const consumer = await port.consumer({ groupId, topics: [topic], properties });
        const handlers: ConsumerHandlers = {
          onRecords: async () => {},
          onPartitionsAssigned: async (tps) => void events.push(`${name} assigned ${partitionList(tps)}`),
          onPartitionsRevoked: async (tps) => {
            events.push(`${name} revoked ${partitionList(tps)}`);
            if (!slowRevocation) return;
            // A flush outlasting the session: until the group leaves PreparingRebalance (it did without this
            // member, expired) or twice the session timeout passed (it waited for this member, heartbeating). With the
            // patch the group waits for this member, so the wait runs its full 2*SESSION_MS: it must outlast the session
            // for the test to show the heartbeats kept the member.
            const started = Date.now();
            await waitFor(
              async () => (await groupState(groupId)) !== "PreparingRebalance" || Date.now() - started > 2 * SESSION_MS,
              { what: "the session timeout", timeoutMs: 4 * SESSION_MS },
            );
            await consumer.commit(tps.map((tp) => ({ ...tp, offset: 0 }))).then(
              () => events.push(`${name} committed`),
              (error: Error) => events.push(`${name} commit failed: ${error.message}`),
            );
          },
          onPartitionsLost: async (tps) => void events.push(`${name} lost ${partitionList(tps)}`),
          onCrash: () => void events.push(`${name} crashed`),
        };
        await consumer.start(handlers);
        return consumer;
      };
      const a = await member("A", true);
      let b: KafkaConsumer | undefined;
      try {
        await waitFor(() => a.assignment().length === 2, { what: "A's partitions" });
        b = await member("B", false);
        await waitFor(() => events.some((e) => e.startsWith("A commit")), { what: "A's commit", timeoutMs: 40_000 });
        await waitFor(() => a.assignment().length === 1 && b!.assignment().length === 1, {
          what: "one partition each",
        });
        const kept = partitionList(a.assignment());
        // Before the patch: "B assigned 0,1" came before A's failed commit, then "B revoked 0,1" (a second rebalance).
        expect(events.slice(0, 3)).toEqual(["A assigned 0,1", "A revoked 0,1", "A committed"]);
        expect(events.slice(3).sort()).toEqual([`A assigned ${kept}`, `B assigned ${kept === "0" ? "1" : "0"}`]);
      } finally {
        await b?.close();
        await a.close();
      }
    },
    90_000,
  );

  test.each(["platformatic", "kafkajs"] as const)(
    "kafka.client=%s: one that hangs in a rejoin the consumer started leaves the group after max.poll.interval.ms, as Java's",
    async (client) => {
      // Partitions added: the member rejoins by itself, the group stays Stable and answers its heartbeats. Without the
      // bound it stayed in the group, its partitions unfetched, for as long as the revocation hung.
      const lines: string[] = [];
      const port = client === "kafkajs" ? kafkaPorts.kafkajs(new LogManager({ sink: (l) => lines.push(l) })) : f.port;
      const { topic, groupId } = await groupTopic(f, `revoke-heartbeat-bound-${client}`);
      const properties = boundedProperties();
      let release = () => {};
      const hung = new Promise<void>((resolve) => {
        release = resolve;
      });
      let revoked = false;
      let committed: string | undefined;
      const consumer = await port.consumer({ groupId, topics: [topic], properties });
      await consumer.start({
        onRecords: async () => {},
        onPartitionsAssigned: async () => {},
        onPartitionsRevoked: async (tps) => {
          revoked = true;
          await hung;
          if (client !== "kafkajs" || committed !== undefined) return;
          committed = await consumer.commit(tps.map((tp) => ({ ...tp, offset: 0 }))).then(
            () => "committed",
            (e: Error) => e.message,
          );
        },
        onPartitionsLost: async () => {},
        onCrash: () => {},
      });
      try {
        await waitFor(() => consumer.assignment().length === 2, { what: "the member's partitions" });
        await withAdmin((admin) => admin.createPartitions({ topics: [{ name: topic, count: 3 }] }));
        await waitFor(() => revoked, { what: "the revocation" });
        // The rebalance timeout, then (platformatic: no LeaveGroup) the session timeout: the member is gone.
        await waitFor(async () => (await memberIds(f.info, groupId)).length === 0, {
          what: "the member gone",
          timeoutMs: 3 * (MAX_POLL_MS + SESSION_MS),
        });
        if (client === "kafkajs") {
          expect(lines.filter((l) => l.includes("WARN") && l.includes(POLL_TIMEOUT))).toHaveLength(1);
          expect(lines.filter((l) => LEFT.test(l))).toHaveLength(1);
        }
        // The revocation ends (kafkajs: its commit fails, as Java's: the member left), the member joins again and owns
        // every partition.
        release();
        if (client === "kafkajs") {
          await waitFor(() => committed !== undefined, { what: "the revocation's commit" });
          expect(committed).toEndWith(`: ${NOT_IN_GROUP}`);
        }
        await waitFor(() => consumer.assignment().length === 3, { what: "the member rejoined", timeoutMs: 30_000 });
      } finally {
        release();
        await consumer.close();
      }
    },
    90_000,
  );
  test("kafka.client=kafkajs: one that waits for a put in flight past max.poll.interval.ms leaves once the put returned", async () => {
    // kafkajs' stop waits for the batch in flight: the put's heartbeats keep the member after the WARN, past the
    // session timeout, and the LeaveGroup follows the put's end.
    const lines: string[] = [];
    const port = kafkaPorts.kafkajs(new LogManager({ sink: (l) => lines.push(l) }));
    const { topic, groupId } = await groupTopic(f, "revoke-heartbeat-put");
    const properties = boundedProperties();
    let putSucceeds = () => {};
    const putReturns = new Promise<void>((resolve) => {
      putSucceeds = resolve;
    });
    let returned = false;
    let beats = 0;
    let revoked = false;
    const consumer = await port.consumer({ groupId, topics: [topic], properties });
    await consumer.start({
      // A put retried every 300 ms (its backoff), heartbeating between attempts, until it succeeds.
      onRecords: async (_records, beat) => {
        while (!returned) {
          await Promise.race([putReturns, Bun.sleep(300)]);
          await beat();
          beats++;
        }
      },
      onPartitionsAssigned: async () => {},
      // The flush waits for the put.
      onPartitionsRevoked: async () => {
        revoked = true;
        await putReturns;
      },
      onPartitionsLost: async () => {},
      onCrash: () => {},
    });
    const producer = await port.producer({ "bootstrap.servers": f.info.bootstrap });
    try {
      await waitFor(() => consumer.assignment().length === 2, { what: "the member's partitions" });
      await producer.send([{ topic, partition: 0, key: null, value: null, headers: [], timestamp: null }]);
      await waitFor(() => beats > 0, { what: "the put in flight" });
      await withAdmin((admin) => admin.createPartitions({ topics: [{ name: topic, count: 3 }] }));
      await waitFor(() => revoked, { what: "the revocation" });
      await waitFor(() => lines.some((l) => l.includes(POLL_TIMEOUT)), {
        what: "the WARN",
        timeoutMs: 3 * MAX_POLL_MS,
      });
      const warnedAt = beats;
      await waitFor(() => beats > warnedAt + SESSION_MS / 300, {
        what: "a session timeout of heartbeats",
        timeoutMs: 30_000,
      });
      expect(await memberIds(f.info, groupId)).toHaveLength(1);
      expect(lines.filter((l) => LEFT.test(l))).toEqual([]);
      returned = true;
      putSucceeds();
      await waitFor(() => lines.some((l) => LEFT.test(l)), { what: "the LeaveGroup" });
      await waitFor(() => consumer.assignment().length === 3, { what: "the member rejoined", timeoutMs: 30_000 });
    } finally {
      returned = true;
      putSucceeds();
      await producer.close();
      await consumer.close();
    }
  }, 90_000);
  test("kafka.client=kafkajs: a close during it stops the heartbeats: the member is expired while it still runs", async () => {
    // kafkajs' close leaves the group only once the runner's join ended (after the revocation): its heartbeats kept
    // going would keep the member, the other one waiting for it up to the rebalance timeout (5 min here).
    const port = ports.kafkajs();
    const { topic, groupId } = await groupTopic(f, "revoke-heartbeat-close");
    const properties = sessionProperties();
    let release = () => {};
    const hung = new Promise<void>((resolve) => {
      release = resolve;
    });
    let revoked = false;
    const quiet: ConsumerHandlers = {
      onRecords: async () => {},
      onPartitionsAssigned: async () => {},
      onPartitionsRevoked: async () => {},
      onPartitionsLost: async () => {},
      onCrash: () => {},
    };
    const a = await port.consumer({ groupId, topics: [topic], properties });
    await a.start({
      ...quiet,
      onPartitionsRevoked: async () => {
        revoked = true;
        await hung;
      },
    });
    let b: KafkaConsumer | undefined;
    let closed: Promise<void> | undefined;
    try {
      await waitFor(() => a.assignment().length === 2, { what: "A's partitions" });
      b = await port.consumer({ groupId, topics: [topic], properties });
      const joined = b.start(quiet); // kafkajs' start resolves once B joined: when the group no longer waits for A
      await waitFor(() => revoked, { what: "A's revocation" });
      closed = a.close();
      await settled(joined, { what: "A expired: B joined", timeoutMs: 4 * SESSION_MS });
      await waitFor(() => b!.assignment().length === 2, { what: "B's partitions" });
      expect((await memberIds(f.info, groupId)).length).toBe(1); // A's revocation still runs
    } finally {
      release();
      await (closed ?? a.close());
      await b?.close();
    }
  }, 90_000);
});
