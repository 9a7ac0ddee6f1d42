import { describe, expect, test } from "bun:test";
import { type Consumer, UserError } from "@platformatic/kafka";
import { metadataOf } from "./metadata-test-support.ts";
import { BLIND_REJOINS, unknownTopicRecovery } from "./unknown-topic-recovery.ts";

const UNKNOWN = new UserError("Unknown topic kept.");

/** A recovery over a consumer tracking `tracked`, the cluster having `known`; `steps` what it did. */
function recovering(tracked: string[], known: Record<string, number>) {
  const { consumer, calls } = metadataOf(known);
  (consumer as unknown as { topics: { current: string[] } }).topics = { current: tracked };
  const steps: string[] = [];
  const recovery = unknownTopicRecovery({
    consumer: consumer as Consumer<Buffer, Buffer, Buffer, Buffer>,
    untrack: (topics) => void steps.push(`untrack ${topics.join()}`),
    rejoin: () => void steps.push("rejoin"),
  });
  return { recovery, steps, calls };
}

// review-partfix2 P1: a member that owns none of a deleted topic's partitions failed on it for good.
describe("unknownTopicRecovery", () => {
  test("a tracked topic the cluster no longer has is untracked (the member rejoins without it)", async () => {
    const r = recovering(["deleted", "kept"], { kept: 1 });
    expect(await r.recovery.recover(UNKNOWN)).toBe(true);
    expect(r.steps).toEqual(["untrack deleted"]);
  });

  test("none of its own missing (a follower's stale subscription failed the leader): a few rejoins, then the error stands", async () => {
    const r = recovering(["kept"], { kept: 1 });
    for (let i = 0; i < BLIND_REJOINS; i++) expect(await r.recovery.recover(UNKNOWN)).toBe(true);
    expect(await r.recovery.recover(UNKNOWN)).toBe(false);
    expect(r.steps).toEqual(Array(BLIND_REJOINS).fill("rejoin"));
    r.recovery.joined(); // a completed join counts them from 0 again
    expect(await r.recovery.recover(UNKNOWN)).toBe(true);
  });

  test("a heartbeat's error (no blind rejoin): only a missing topic of its own is acted on", async () => {
    const r = recovering(["kept"], { kept: 1 });
    expect(await r.recovery.recover(UNKNOWN, false)).toBe(false);
    expect(r.steps).toEqual([]);
  });

  test.each([
    ["another error", ["kept"], { kept: 1 }, new Error("Connection closed"), []],
    ["none of its topics left (the look-up fails)", ["deleted"], {}, UNKNOWN, [["deleted"]]],
    ["no topic tracked", [], {}, UNKNOWN, []],
  ] as [string, string[], Record<string, number>, Error, string[][]][])(
    "%s: the error stands",
    async (_, tracked, known, error, asked) => {
      const r = recovering(tracked, known);
      expect(await r.recovery.recover(error)).toBe(false);
      expect(r.steps).toEqual([]);
      expect(r.calls).toEqual(asked);
    },
  );
});
