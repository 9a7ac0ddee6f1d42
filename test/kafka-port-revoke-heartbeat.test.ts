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
 * LeaveGroup, as Java's heartbeat thread does (no session timeout awaited). A kafkajs consumer closed during the
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
      const properties = {
        ...sessionProperties(),
        "max.poll.interval.ms": String(MAX_POLL_MS),
        "metadata.max.age.ms": "200",
      };
      let release = () => {};
      const hung = new Promise<void>((resolve) => {
        release = resolve;
      });
      let revoked = false;
      const consumer = await port.consumer({ groupId, topics: [topic], properties });
      await consumer.start({
        onRecords: async () => {},
        onPartitionsAssigned: async () => {},
        onPartitionsRevoked: async () => {
          revoked = true;
          await hung;
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
        if (client === "kafkajs")
          expect(lines.filter((l) => l.includes("WARN") && l.includes(POLL_TIMEOUT))).toHaveLength(1);
        // The revocation ends: the member joins again and owns every partition.
        release();
        await waitFor(() => consumer.assignment().length === 3, { what: "the member rejoined", timeoutMs: 30_000 });
      } finally {
        release();
        await consumer.close();
      }
    },
    90_000,
  );
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
