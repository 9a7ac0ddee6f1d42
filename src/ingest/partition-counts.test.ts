import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { KafkaAdmin } from "../kafka/kafka-port.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { partitionCounts } from "./partition-counts.ts";

/** An admin whose topic has `partitions` partitions (0: it does not exist); counts its describeTopics calls. */
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

/** An admin like fakeAdmin whose describeTopics of call number `hangOn` waits for `release()`. */
function gatedAdmin(hangOn: number) {
  const state = { partitions: 3, calls: 0 };
  let release: () => void = () => {};
  const admin = {
    describeTopics: async (topics: readonly string[]) => {
      state.calls++;
      if (state.calls === hangOn) await new Promise<void>((resolve) => (release = resolve));
      return topics.map((topic) => ({ topic, partitions: state.partitions }));
    },
  } as unknown as KafkaAdmin;
  return { state, admin: async () => admin, release: () => release() };
}

describe("partitionCounts", () => {
  test("a count that has the partition is cached for 30 s, then answers while it is looked up again in the background", async () => {
    const { state, admin } = fakeAdmin();
    const clock = new ManualClock(1_000_000);
    const count = partitionCounts(admin, clock);
    expect(await count("t", 0)).toBe(3);
    state.partitions = 6;
    clock.advance(29_999);
    expect([await count("t", 2), state.calls]).toEqual([3, 1]);
    clock.advance(1);
    expect(await count("t", 2)).toBe(3);
    await waitFor(() => state.calls === 2, { what: "the background look-up" });
    expect([await count("t", 5), state.calls]).toEqual([6, 2]);
  });

  test("a partition the expired count has is answered at once while its look-up is in flight (review P3-1)", async () => {
    const { state, admin, release } = gatedAdmin(2);
    const clock = new ManualClock(1_000_000);
    const count = partitionCounts(admin, clock);
    expect(await count("t", 0)).toBe(3);
    clock.advance(30_000);
    expect(await count("t", 0)).toBe(3);
    await waitFor(() => state.calls === 2, { what: "the background look-up" });
    expect([await count("t", 1), await count("t", 2), state.calls]).toEqual([3, 3, 2]);
    release();
  });

  test("a look-up that does not answer within 5 s fails, and holds no later look-up of its topic (review P3-2)", async () => {
    const { state, admin } = gatedAdmin(2);
    const clock = new ManualClock(1_000_000);
    const count = partitionCounts(admin, clock);
    expect(await count("t", 0)).toBe(3);
    clock.advance(1_000);
    const hung = count("t", 5);
    await waitFor(() => state.calls === 2 && clock.pending === 1, { what: "the look-up that hangs" });
    clock.advance(5_000);
    expect(await hung).toBeNull();
    clock.advance(5_000);
    state.partitions = 6;
    expect([await count("t", 5), state.calls]).toEqual([6, 3]);
  });

  test.each([
    ["back", -3_600_000],
    ["forward", 3_600_000],
  ])("a step %s of the host's wall clock does not move the cache's age", async (_dir, step) => {
    const { state, admin } = fakeAdmin();
    const clock = new ManualClock(1_000_000);
    const count = partitionCounts(admin, clock);
    await count("t", 0);
    clock.stepWallClock(step);
    clock.advance(29_999);
    await count("t", 0);
    expect(state.calls).toBe(1);
    clock.advance(1);
    await count("t", 0);
    await waitFor(() => state.calls === 2, { what: "the look-up of the expired count" });
  });

  test("Kafka unreachable: the last count known stands for its partitions, otherwise null (not 0, which would be a 404); asked again after 5 s", async () => {
    const { state, admin } = fakeAdmin();
    const clock = new ManualClock(1_000_000);
    const count = partitionCounts(admin, clock);
    state.unreachable = true;
    expect(await count("never-seen", 0)).toBeNull();
    expect(await count("t", 0)).toBeNull();
    clock.advance(4_999);
    expect([await count("t", 0), state.calls]).toEqual([null, 2]);
    state.unreachable = false;
    clock.advance(1);
    expect([await count("t", 0), state.calls]).toEqual([3, 3]);
    state.unreachable = true;
    clock.advance(30_000);
    expect(await count("t", 0)).toBe(3);
    await waitFor(() => state.calls === 4 && clock.pending === 0, { what: "the background look-up to fail" });
    clock.advance(4_999);
    expect([await count("t", 2), await count("t", 3), state.calls]).toEqual([3, null, 4]);
    clock.advance(1);
    expect([await count("t", 3), state.calls]).toEqual([null, 5]);
  });

  test("a topic that does not exist counts 0", async () => {
    const admin = { describeTopics: async () => [] } as unknown as KafkaAdmin;
    expect(await partitionCounts(async () => admin, new ManualClock(0))("gone", 1)).toBe(0);
  });

  // explore4 J1: a count lacking the partition was cached for 30 s, so a topic created or grown
  // meanwhile was answered 404 (a final answer: devices dropped the records).
  test("a count lacking the partition is looked up again before it is answered: a topic created or grown is seen at once", async () => {
    const { state, admin } = fakeAdmin();
    const clock = new ManualClock(1_000_000);
    const count = partitionCounts(admin, clock);
    state.partitions = 0;
    expect(await count("t", 1)).toBe(0);
    clock.advance(1_000);
    state.partitions = 2;
    expect([await count("t", 1), state.calls]).toEqual([2, 2]);
    clock.advance(1_000);
    state.partitions = 3;
    expect([await count("t", 2), state.calls]).toEqual([3, 3]);
  });

  test("look-ups for partitions the count lacks start 1 s apart, one for every request waiting, which all take its answer", async () => {
    const { state, admin } = fakeAdmin();
    const clock = new ManualClock(1_000_000);
    const count = partitionCounts(admin, clock);
    expect(await count("t", 5)).toBe(3);
    state.partitions = 6;
    const waiting = [count("t", 5), count("t", 4), count("t", 3)];
    await waitFor(() => clock.pending === 1, { what: "the next look-up to be scheduled" });
    clock.advance(999);
    expect([clock.pending, state.calls]).toEqual([1, 1]);
    clock.advance(1);
    expect([await Promise.all(waiting), state.calls]).toEqual([[6, 6, 6], 2]);
    // A partition the count has does not wait.
    expect([await count("t", 5), state.calls]).toEqual([6, 2]);
  });

  test("a partition the count lacks is answered from a look-up begun after the request, also while one is in flight", async () => {
    const state = { partitions: 1, calls: 0 };
    let release: () => void = () => {};
    const admin = {
      describeTopics: async (topics: readonly string[]) => {
        state.calls++;
        const answer = state.partitions;
        if (state.calls === 1) await new Promise<void>((resolve) => (release = resolve));
        return topics.map((topic) => ({ topic, partitions: answer }));
      },
    } as unknown as KafkaAdmin;
    const clock = new ManualClock(1_000_000);
    const count = partitionCounts(async () => admin, clock);
    const first = count("t", 1);
    await waitFor(() => state.calls === 1, { what: "the first look-up" });
    clock.advance(1);
    state.partitions = 2;
    const second = count("t", 1);
    release();
    expect(await first).toBe(1);
    await waitFor(() => clock.pending === 1, { what: "the second look-up to be scheduled" });
    clock.advance(999);
    expect([await second, state.calls]).toEqual([2, 2]);
  });

  // p3ingest: REST Proxy's producer lets the brokers create the topic of a request for partition 0.
  describe("when a request names partition 0 of a topic that does not exist", () => {
    /** An admin whose brokers create the topic (1 partition) after answering a request allowing it, when `creates`. */
    function creatingAdmin(creates: boolean) {
      const asked: boolean[] = [];
      let partitions = 0;
      const admin = {
        describeTopics: async (topics: readonly string[], options?: { allowAutoTopicCreation?: boolean }) => {
          asked.push(options?.allowAutoTopicCreation === true);
          const answer = partitions;
          if (options?.allowAutoTopicCreation && creates) partitions = 1;
          return topics.map((topic) => ({ topic, partitions: answer }));
        },
      } as unknown as KafkaAdmin;
      return { asked, admin: async () => admin };
    }

    /** Advances `clock` 50 ms at a time while the look-up waits (besides its 5 s timeout) until `settled` resolves. */
    async function drive(clock: ManualClock, settled: Promise<number | null>): Promise<number | null> {
      let done = false;
      void settled.then(() => (done = true));
      while (!done) {
        await waitFor(() => done || clock.pending === 2, { what: "the look-up's next wait" });
        if (!done) clock.advance(50);
      }
      return settled;
    }

    test("the look-up lets the brokers create it and looks for it again until it exists", async () => {
      const { asked, admin } = creatingAdmin(true);
      const clock = new ManualClock(1_000_000);
      const count = partitionCounts(admin, clock);
      const answer = count("t", 0);
      await waitFor(() => clock.pending === 2, { what: "the wait after the creating request" });
      clock.advance(50);
      expect([await answer, asked]).toEqual([1, [true, false]]);
    });

    test("where the brokers create nothing it counts 0, and no look-up asks them again for 30 s", async () => {
      const { asked, admin } = creatingAdmin(false);
      const clock = new ManualClock(1_000_000);
      const count = partitionCounts(admin, clock);
      expect([await drive(clock, count("t", 0)), asked]).toEqual([0, [true, false, false, false, false]]);
      clock.advance(1_000);
      expect([await count("t", 0), asked.length]).toEqual([0, 6]);
      clock.advance(30_000);
      expect([await drive(clock, count("t", 0)), asked.slice(6)]).toEqual([0, [true, false, false, false, false]]);
    });

    test("a request naming another partition never asks for it to be created", async () => {
      const { asked, admin } = creatingAdmin(true);
      const count = partitionCounts(admin, new ManualClock(1_000_000));
      expect([await count("t", 1), asked]).toEqual([0, [false]]);
    });
  });
});
