import { describe, expect, test } from "bun:test";
import type { KafkaAdmin } from "../kafka/kafka-port.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { partitionCounts } from "./partition-counts.ts";

/** An admin whose topic has `partitions` partitions; counts its describeTopics calls. */
function fakeAdmin() {
  const state = { partitions: 3, calls: 0, unreachable: false };
  const admin = {
    describeTopics: async (topics: readonly string[]) => {
      state.calls++;
      if (state.unreachable) throw new Error("Failed to describe topics: connection refused");
      return topics.map((topic) => ({ topic, partitions: state.partitions }));
    },
  } as unknown as KafkaAdmin;
  return { state, admin: async () => admin };
}

describe("partitionCounts", () => {
  test("a count is cached for 30 s, then looked up again", async () => {
    const { state, admin } = fakeAdmin();
    const clock = new ManualClock(1_000_000);
    const count = partitionCounts(admin, clock);
    expect(await count("t")).toBe(3);
    state.partitions = 6;
    clock.advance(29_999);
    expect([await count("t"), state.calls]).toEqual([3, 1]);
    clock.advance(1);
    expect([await count("t"), state.calls]).toEqual([6, 2]);
  });

  test.each([
    ["back", -3_600_000],
    ["forward", 3_600_000],
  ])("a step %s of the host's wall clock does not move the cache's age", async (_dir, step) => {
    const { state, admin } = fakeAdmin();
    const clock = new ManualClock(1_000_000);
    const count = partitionCounts(admin, clock);
    await count("t");
    clock.stepWallClock(step);
    clock.advance(29_999);
    await count("t");
    expect(state.calls).toBe(1);
    clock.advance(1);
    await count("t");
    expect(state.calls).toBe(2);
  });

  test("Kafka unreachable: the last count known stands, none known is null (not 0, which would be a 404); asked again after 5 s", async () => {
    const { state, admin } = fakeAdmin();
    const clock = new ManualClock(1_000_000);
    const count = partitionCounts(admin, clock);
    state.unreachable = true;
    expect(await count("never-seen")).toBeNull();
    expect(await count("t")).toBeNull();
    clock.advance(4_999);
    expect([await count("t"), state.calls]).toEqual([null, 2]);
    state.unreachable = false;
    clock.advance(1);
    expect([await count("t"), state.calls]).toEqual([3, 3]);
    state.unreachable = true;
    clock.advance(30_000);
    expect([await count("t"), state.calls]).toEqual([3, 4]);
    clock.advance(4_999);
    expect([await count("t"), state.calls]).toEqual([3, 4]);
    clock.advance(1);
    expect([await count("t"), state.calls]).toEqual([3, 5]);
  });

  test("a topic that does not exist counts 0", async () => {
    const admin = { describeTopics: async () => [] } as unknown as KafkaAdmin;
    expect(await partitionCounts(async () => admin, new ManualClock(0))("gone")).toBe(0);
  });
});
