/**
 * The platformatic consumer's own rejoin (here the subscription watch's, a leader's after partitions
 * were added to its topic) waits out a group coordinator that is not ready, as its first join does
 * (coordinator-wait-policy.ts), against the real broker, the JoinGroups refused at the client's socket.
 * review-platjoin P3-2: nothing tested that rejoin's wait. P2-1: a rejoin given up after
 * max.poll.interval.ms left the member out of its group, the consumer RUNNING with nothing assigned
 * (the watch let its retriable failure go, and a leader found nothing to rejoin for next time).
 */
import { describe, expect, test } from "bun:test";
import { isRetriable } from "../src/errors.ts";
import type { ConsumerHandlers } from "../src/kafka/kafka-port.ts";
import { kafkaPorts } from "../src/kafka/kafka-ports.ts";
import { LogManager } from "../src/util/logger.ts";
import { awaitTopic, testClient } from "./support/kafka.ts";
import { groupTopic, partitionList, usePlatformaticPort } from "./support/platformatic-group.ts";
import { waitFor } from "./support/wait-for.ts";
import { answerRequests, COORDINATOR_LOAD_IN_PROGRESS, JOIN_GROUP, joinGroupRefusal } from "./support/wire-tap.ts";

const f = usePlatformaticPort();

/** What `grownLeader` saw: the JoinGroups refused, the crashes, the assignment changes (`assigned 0,1`), the WARNs. */
interface Grown {
  readonly refused: () => number;
  readonly crashes: Error[];
  readonly changes: string[];
  readonly assignment: () => string;
  readonly warnings: () => string[];
}

/**
 * A member alone in the group of a new two-partition topic (its leader), joined; then its JoinGroups are
 * refused COORDINATOR_LOAD_IN_PROGRESS, `refusals` of them, and the topic grows to 4 partitions, so the
 * leader's watch rejoins (every `metadata.max.age.ms`=200); `run` looks on.
 */
async function grownLeader(maxPollIntervalMs: number, refusals: number, run: (g: Grown) => Promise<void>) {
  const { topic, groupId } = await groupTopic(f, "rejoin-coordinator-wait");
  await awaitTopic(topic);
  const logLines: string[] = [];
  const port = kafkaPorts.platformatic(new LogManager({ sink: (line) => void logLines.push(line) }));
  const consumer = await port.consumer({
    groupId,
    topics: [topic],
    properties: {
      "bootstrap.servers": f.info.bootstrap,
      "client.id": groupId,
      "retry.backoff.ms": "10",
      "max.poll.interval.ms": String(maxPollIntervalMs),
      "metadata.max.age.ms": "200",
    },
  });
  const crashes: Error[] = [];
  const changes: string[] = [];
  const handlers: ConsumerHandlers = {
    onRecords: async () => {},
    onPartitionsAssigned: async (tps) => void changes.push(`assigned ${partitionList(tps)}`),
    onPartitionsRevoked: async (tps) => void changes.push(`revoked ${partitionList(tps)}`),
    onPartitionsLost: async (tps) => void changes.push(`lost ${partitionList(tps)}`),
    onCrash: (error) => void crashes.push(error),
  };
  try {
    await consumer.start(handlers);
    await waitFor(() => consumer.assignment().length === 2, { what: "the first join" });
    let refused = 0;
    using _refusing = answerRequests((request) => {
      if (request.clientId !== groupId || request.apiKey !== JOIN_GROUP || refused === refusals) return undefined;
      refused++;
      return joinGroupRefusal(request.apiVersion, COORDINATOR_LOAD_IN_PROGRESS);
    });
    const kafka = await testClient();
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createPartitions({ topicPartitions: [{ topic, count: 4 }] });
    } finally {
      await admin.disconnect();
    }
    await run({
      refused: () => refused,
      crashes,
      changes,
      assignment: () => partitionList(consumer.assignment()),
      warnings: () => logLines.filter((l) => l.includes(" WARN ") && l.includes("Group coordinator not ready")),
    });
  } finally {
    await consumer.close();
  }
}

describe("the platformatic consumer's own rejoin, its group coordinator not ready", () => {
  test("a leader's rejoin refused 10 times (more than the library retries) is made again until it joins: all 4 partitions, no crash, one WARN", async () => {
    await grownLeader(300_000, 10, async (g) => {
      await waitFor(() => g.assignment() === "0,1,2,3" || g.crashes.length > 0, { what: "the rejoin, or a crash" });
      expect({
        refused: g.refused(),
        crashes: g.crashes.map((e) => e.message),
        changes: g.changes,
        warnings: g.warnings().length,
      }).toEqual({
        refused: 10,
        crashes: [],
        changes: ["assigned 0,1", "revoked 0,1", "assigned 0,1,2,3"],
        warnings: 1,
      });
    });
  }, 60_000);

  test("a leader's rejoin refused past max.poll.interval.ms fails the consumer, a retriable failure naming the refusal (the sink task starts a new consumer)", async () => {
    await grownLeader(300, Number.POSITIVE_INFINITY, async (g) => {
      const crash = await waitFor(() => g.crashes[0], { what: "the crash" });
      expect([isRetriable(crash), g.changes, g.assignment()]).toEqual([true, ["assigned 0,1", "revoked 0,1"], ""]);
      expect(crash.message).toContain("stopped: joinGroup failed 4 times.");
      expect(crash.message).toEndWith(
        "(COORDINATOR_LOAD_IN_PROGRESS: The coordinator is loading and hence can't process requests.)",
      );
      // Waited out, not given up after the library's 4 JoinGroups.
      expect(g.refused()).toBeGreaterThan(4);
    });
  }, 60_000);
});
