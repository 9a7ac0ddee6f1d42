/**
 * A revocation longer than session.timeout.ms (an HTTP sink's flush behind a slow or retried request), against the
 * real broker. Java's consumer heartbeats during onJoinPrepare (its heartbeat thread stops only once the state is
 * PREPARING_REBALANCE, after onJoinPrepare returns): the member stays in the group, its revocation commits, and the
 * rebalance is one revoke/assign cycle. The library stopped heartbeating before its protocolsMetadata callback (the
 * revocation): the coordinator expired the member, the join completed without it, the commit failed and the other
 * member was handed its partitions, delivering their records again, in a second rebalance
 * (scripts/patches/platformatic-revoke-heartbeat.mjs).
 */
import { describe, expect, test } from "bun:test";
import { Admin } from "@platformatic/kafka";
import type { ConsumerHandlers, KafkaConsumer } from "../src/kafka/kafka-port.ts";
import { groupTopic, partitionList, usePlatformaticPort } from "./support/platformatic-group.ts";
import { waitFor } from "./support/wait-for.ts";

const f = usePlatformaticPort();
const SESSION_MS = 6000; // the broker's group.min.session.timeout.ms

async function groupState(groupId: string): Promise<string> {
  const admin = new Admin({ clientId: "test-admin", bootstrapBrokers: [f.info.bootstrap] });
  try {
    return String((await admin.describeGroups({ groups: [groupId] })).get(groupId)?.state);
  } finally {
    await admin.close();
  }
}

describe("a revocation longer than session.timeout.ms", () => {
  test("keeps the member in the group: its commit succeeds, in one revoke/assign cycle", async () => {
    const { topic, groupId } = await groupTopic(f, "revoke-heartbeat");
    const events: string[] = [];
    const properties = {
      "bootstrap.servers": f.info.bootstrap,
      "heartbeat.interval.ms": "300",
      "session.timeout.ms": String(SESSION_MS),
    };
    const member = async (name: string, slowRevocation: boolean): Promise<KafkaConsumer> => {
      const consumer = await f.port.consumer({ groupId, topics: [topic], properties });
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
      await waitFor(() => a.assignment().length === 1 && b!.assignment().length === 1, { what: "one partition each" });
      const kept = partitionList(a.assignment());
      // Before the patch: "B assigned 0,1" came before A's failed commit, then "B revoked 0,1" (a second rebalance).
      expect(events.slice(0, 3)).toEqual(["A assigned 0,1", "A revoked 0,1", "A committed"]);
      expect(events.slice(3).sort()).toEqual([`A assigned ${kept}`, `B assigned ${kept === "0" ? "1" : "0"}`]);
    } finally {
      await b?.close();
      await a.close();
    }
  }, 90_000);
});
