import { describe, expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import type { TopicPartition } from "../../api/record.ts";
import { LogManager } from "../../util/logger.ts";
import { ConsumerLog } from "../consumer-log.ts";
import type { ConsumerHandlers } from "../kafka-port.ts";
import { type AssignmentParties, type JoinPayload, MemberAssignment, noJoinUserData } from "./member-assignment.ts";
import type { PartitionFetcher } from "./partition-fetcher.ts";

const list = (tps: readonly TopicPartition[]) => tps.map((tp) => `${tp.topic}-${tp.partition}`).join(",");

/** The handler's calls and the fetcher's, in order, as `events`; `revoked` resolves onPartitionsRevoked when given. */
function parties(events: string[], revoked?: Promise<void>): AssignmentParties {
  const handlers: ConsumerHandlers = {
    onRecords: async () => {},
    onPartitionsAssigned: async (tps) => void events.push(`assigned ${list(tps)}`),
    onPartitionsRevoked: async (tps) => {
      await revoked;
      events.push(`revoked ${list(tps)}`);
    },
    onPartitionsLost: async (tps) => void events.push(`lost ${list(tps)}`),
    onCrash: (error) => void events.push(`crashed ${error.message}`),
  };
  const fetcher = {
    assign: (tps: readonly TopicPartition[]) => void events.push(`fetch ${list(tps)}`),
    revoke: (tps: readonly TopicPartition[]) => void events.push(`stop fetching ${list(tps)}`),
  } as unknown as PartitionFetcher;
  return { handlers, fetcher, crash: (error) => void events.push(`crash ${String(error)}`) };
}

const join = (generationId: number, assignments: { topic: string; partitions: number[] }[]) =>
  ({ generationId, memberId: "m-1", assignments }) as unknown as JoinPayload;

function member(topics: readonly string[] | RegExp = ["t"]) {
  const logs = new LogManager({ sink: () => {} });
  return new MemberAssignment({ topics }, new ConsumerLog(logs, { clientId: "c", groupId: "g" }));
}

const noRejoin = () => {
  throw new Error("rejoined");
};

describe("MemberAssignment", () => {
  describe("when a join assigns partitions of the subscription", () => {
    test("owns them; the added ones are fetched once the handler has seen them, those held outside lost", async () => {
      const events: string[] = [];
      const to = parties(events);
      const owned = member();
      owned.joined(join(1, [{ topic: "t", partitions: [0, 1] }]), noJoinUserData(), to, noRejoin);
      owned.joined(join(2, [{ topic: "t", partitions: [1, 2] }]), noJoinUserData(), to, noRejoin);

      expect(owned.list()).toEqual([
        { topic: "t", partition: 1 },
        { topic: "t", partition: 2 },
      ]);
      await waitFor(() => events.length === 6);
      expect(events).toEqual([
        "stop fetching t-0",
        "assigned t-0,t-1",
        "fetch t-1",
        "lost t-0",
        "assigned t-2",
        "fetch t-2",
      ]);
    });
  });

  describe("when the handler's onPartitionsAssigned fails", () => {
    test("the member crashes with its error, those partitions are not fetched, and later changes still reach the handler", async () => {
      const events: string[] = [];
      const to = parties(events);
      let failures = 1;
      const failing: AssignmentParties = {
        ...to,
        handlers: {
          ...to.handlers,
          onPartitionsAssigned: async (tps) => {
            await to.handlers.onPartitionsAssigned(tps);
            if (failures-- > 0) throw new Error("the handler failed");
          },
        },
      };
      const owned = member();
      owned.joined(join(1, [{ topic: "t", partitions: [0] }]), noJoinUserData(), failing, noRejoin);
      await waitFor(() => events.length === 2);
      owned.joined(join(2, [{ topic: "t", partitions: [0, 1] }]), noJoinUserData(), failing, noRejoin);

      await waitFor(() => events.length === 4);
      expect(events).toEqual(["assigned t-0", "crash Error: the handler failed", "assigned t-1", "fetch t-1"]);
    });
  });

  describe("when a join assigns a partition outside the subscription", () => {
    test("takes none of it, loses what it held, and rejoins carrying the join's generation", async () => {
      const events: string[] = [];
      const to = parties(events);
      const owned = member(["t"]);
      const userData = noJoinUserData();
      owned.joined(join(4, [{ topic: "t", partitions: [0] }]), userData, to, noRejoin);
      let rejoined = 0;
      owned.joined(join(5, [{ topic: "old", partitions: [0] }]), userData, to, () => void rejoined++);

      expect(owned.list()).toEqual([]);
      expect(rejoined).toBe(1);
      expect(userData.value).toEqual(Buffer.from([0, 0, 0, 5]));
      await waitFor(() => events.includes("lost t-0"));
      // What the handler had been told of is fetched only while still owned: nothing, and the fetcher is not told of
      // an empty list either (p3h: that woke its fetch loop for a round of metadata for nothing).
      expect(events).toEqual(["stop fetching t-0", "assigned t-0", "lost t-0"]);
    });
  });

  describe("before a JoinGroup", () => {
    test("an orderly rejoin revokes everything, awaited; otherwise it is lost, not awaited", async () => {
      const events: string[] = [];
      let revoke = () => {};
      const to = parties(
        events,
        new Promise<void>((resolve) => {
          revoke = resolve;
        }),
      );
      const owned = member();
      owned.joined(join(1, [{ topic: "t", partitions: [0] }]), noJoinUserData(), to, noRejoin);

      const revocation = owned.giveUp(true, to);
      expect(owned.list()).toEqual([]);
      let revoked = false;
      void revocation?.then(() => (revoked = true));
      await waitFor(() => events.includes("assigned t-0"));
      expect(revoked).toBe(false);
      revoke();
      await revocation;
      expect(events).toEqual(["stop fetching t-0", "assigned t-0", "revoked t-0"]);

      owned.joined(join(2, [{ topic: "t", partitions: [1] }]), noJoinUserData(), to, noRejoin);
      expect(owned.giveUp(false, to)).toBeUndefined();
      expect(owned.giveUp(true, to)).toBeUndefined(); // nothing owned
      await waitFor(() => events.includes("lost t-1"));
    });
  });
});
