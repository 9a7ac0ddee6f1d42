import { describe, expect, test } from "bun:test";
import { MultipleErrors, NetworkError, ProtocolError, UserError } from "@platformatic/kafka";
import { waitFor } from "../../../test/support/wait-for.ts";
import { metadataRefused, metadataRefusing } from "./metadata-test-support.ts";
import { PartitionLeaders } from "./partition-leaders.ts";
import type { ProduceTransport } from "./produce-transport.ts";

/** PartitionLeaders over a cluster that refuses the topics in `refused` (in an answer naming them, or a bare error), counting requests. */
function cluster(refused: Set<string>, named = true) {
  const asked: string[][] = [];
  const transport = {
    leaders: async (topics: readonly string[]) => {
      asked.push([...topics]);
      if (topics.some((t) => refused.has(t)))
        throw named ? metadataRefusing(topics, refused) : new ProtocolError("TOPIC_AUTHORIZATION_FAILED");
      return new Map(topics.map((t) => [t, [1]]));
    },
  } as unknown as ProduceTransport;
  const leaders = new PartitionLeaders(
    transport,
    100,
    (m) => new Error(m),
    1000,
    () => 0,
    () => 100,
  );
  return { asked, leaders };
}

const TOPICS = ["a", "refused", "b", "c", "d"];

describe("PartitionLeaders: one topic of several refused (TOPIC_AUTHORIZATION_FAILED)", () => {
  test("a foreground refresh: the answer names the refused topic; the others are asked again together, once (not one request per topic)", async () => {
    const { asked, leaders } = cluster(new Set(["refused"]));
    const error = await leaders.refresh(TOPICS).catch((e: unknown) => e);
    const refused = await leaders.refused(TOPICS, error);
    expect([...refused.topics]).toEqual(["refused"]);
    expect(asked).toEqual([TOPICS, ["a", "b", "c", "d"]]);
    expect(TOPICS.map((t) => leaders.known(t))).toEqual([1, undefined, 1, 1, 1]);
  });

  test("a background refresh for age: only the refused topic is forgotten; the others asked again together, once", async () => {
    const refused = new Set<string>();
    const { asked, leaders } = cluster(refused);
    await leaders.refresh(TOPICS);
    refused.add("refused"); // its ACL removed since
    leaders.renew(TOPICS, 1000);
    await waitFor(() => asked.length === 3 && leaders.known("a") === 1 && leaders.known("refused") === undefined);
    expect(asked).toEqual([TOPICS, TOPICS, ["a", "b", "c", "d"]]);
    expect(TOPICS.map((t) => leaders.known(t))).toEqual([1, undefined, 1, 1, 1]);
  });

  test("an error that does not carry the answer: each topic is asked alone, as before", async () => {
    const { asked, leaders } = cluster(new Set(["refused"]), false);
    const error = await leaders.refresh(["a", "refused"]).catch((e: unknown) => e);
    expect([...(await leaders.refused(["a", "refused"], error)).topics]).toEqual(["refused"]);
    expect(asked).toEqual([["a", "refused"], ["a"], ["refused"]]);
  });
});

/** Leaders over `transport` with retry.backoff.ms 100 doubling without jitter, metadata.max.age.ms 1000. */
function doublingLeaders(transport: unknown, now: () => number): PartitionLeaders {
  return new PartitionLeaders(
    transport as ProduceTransport,
    100,
    (m) => new Error(m),
    1000,
    now,
    (n) => 100 * 2 ** n,
  );
}

describe("PartitionLeaders: a topic with a leaderless partition", () => {
  test("is asked again in the background after the refresh backoff, growing while it has none, not metadata.max.age.ms; at the age again once every partition has a leader", async () => {
    let answer = [1, -1];
    let now = 0;
    const transport = { leaders: async (topics: readonly string[]) => new Map(topics.map((t) => [t, answer])) };
    const leaders = doublingLeaders(transport, () => now);
    await leaders.refresh(["t"]);
    expect([leaders.expired("t", 99), leaders.expired("t", 100)]).toEqual([false, true]);
    for (const [at, wait] of [
      [100, 100], // still none: as Java's first answer that changed nothing, retry.backoff.ms again
      [200, 200], // then doubling
    ] as const) {
      now = at;
      leaders.renew(["t"], now);
      await waitFor(() => leaders.refreshDeferredUntil(now) !== undefined);
      expect([leaders.expired("t", at + wait - 1), leaders.expired("t", at + wait)]).toEqual([false, true]);
    }
    now = 400;
    answer = [1, 2]; // its leader back
    leaders.renew(["t"], now);
    await waitFor(() => !leaders.expired("t", 1399));
    expect(leaders.expired("t", 1400)).toBe(true);
  });

  test("a background ask that fails makes the wait grow, and another topic's ask for its age answering with every leader does not start it again (review P3-1)", async () => {
    let now = 0;
    let down = false;
    const transport = {
      leaders: async (topics: readonly string[]) => {
        if (down) throw new NetworkError("Connection to 127.0.0.1:9092 failed.", { canRetry: true });
        return new Map(topics.map((t) => [t, t === "t" ? [1, -1] : [1]]));
      },
    };
    const leaders = doublingLeaders(transport, () => now);
    await leaders.refresh(["t", "u"]); // t has a partition without a leader: asked again at 100
    down = true;
    for (const [at, next] of [
      [100, 200], // fails: retry.backoff.ms again (the answer before learnt t), then doubling
      [200, 400],
      [400, 800],
    ] as const) {
      now = at;
      leaders.renew(["t"], now);
      await waitFor(() => leaders.refreshDeferredUntil(now) === next);
      expect([leaders.expired("t", next - 1), leaders.expired("t", next)]).toEqual([false, true]);
    }
    now = 1000;
    down = false;
    leaders.renew(["u"], now); // its age; t still has no leader: the wait stays grown (400 ms), not from 100 again
    await waitFor(() => leaders.refreshDeferredUntil(now) !== undefined);
    expect(leaders.refreshDeferredUntil(now)).toBe(1400);
  });
});

describe("PartitionLeaders: a background ask for a topic whose partitions all have a leader keeps failing", () => {
  test("it is asked again after the refresh backoff, growing, not every retry.backoff.ms (review P3-1)", async () => {
    let now = 0;
    let down = false;
    const transport = {
      leaders: async (topics: readonly string[]) => {
        if (down) throw new NetworkError("Connection to 127.0.0.1:9092 failed.", { canRetry: true });
        return new Map(topics.map((t) => [t, [1, 2]]));
      },
    };
    const leaders = doublingLeaders(transport, () => now);
    await leaders.refresh(["u"]);
    down = true;
    const waits: number[] = [];
    for (now = 1000; waits.length < 4; now += waits.at(-1)!) {
      expect(leaders.expired("u", now)).toBe(true);
      leaders.renew(["u"], now);
      await waitFor(() => leaders.refreshDeferredUntil(now) !== undefined && !leaders.expired("u", now));
      const at = leaders.refreshDeferredUntil(now)!;
      expect([leaders.expired("u", at - 1), leaders.expired("u", at)]).toEqual([false, true]);
      waits.push(at - now);
    }
    expect(waits).toEqual([100, 200, 400, 800]);
  });
});

describe("PartitionLeaders: topics renewed for their age, one after the other", () => {
  test("routine renewals that change nothing leave the refresh backoff at retry.backoff.ms, so a retry after them is not held back (review prodfix P2-1)", async () => {
    let now = 0;
    const transport = { leaders: async (topics: readonly string[]) => new Map(topics.map((t) => [t, [1, 2]])) };
    const leaders = doublingLeaders(transport, () => now);
    const topics = ["a", "b", "c", "d", "e", "f"];
    for (const [i, t] of topics.entries()) {
      now = i * 100;
      await leaders.refresh([t]);
    }
    const waits: number[] = [];
    for (const [i, t] of topics.entries()) {
      now = 1000 + i * 100;
      expect(leaders.expired(t, now)).toBe(true);
      leaders.renew([t], now);
      await waitFor(() => !leaders.expired(t, now + 100)); // answered: asked again at its age
      waits.push(leaders.refreshDeferredUntil(now)! - now);
    }
    expect(waits).toEqual([100, 100, 100, 100, 100, 100]);
  });
});

/**
 * Leaders of a cluster whose brokers lead partitions as `state.answer` says (t: 1, 2, 3; u: 1, 2), asked for metadata
 * at `state.now`, recording each ask; metadata.max.idle.ms `maxIdleMs`, `state.busy` topics having a batch queued.
 */
function ledCluster(maxIdleMs = 300_000) {
  const state = {
    answer: new Map<string, number[]>([
      ["t", [1, 2, 3]],
      ["u", [1, 2]],
    ]),
    now: 0,
    busy: new Set<string>(),
  };
  const asked: string[][] = [];
  const transport = {
    leaders: async (topics: readonly string[]) => {
      asked.push([...topics]);
      return new Map(topics.map((t) => [t, state.answer.get(t)!]));
    },
  };
  const leaders = new PartitionLeaders(
    transport as unknown as ProduceTransport,
    100,
    (m) => new Error(m),
    300_000,
    () => state.now,
    () => 100,
    () => {},
    { maxIdleMs, inUse: (t) => state.busy.has(t) },
  );
  return { state, asked, leaders };
}

describe("PartitionLeaders: a broker's connection closed (lost)", () => {
  test("the topics that broker leads a partition of are asked again at once: its partitions are seen without a leader before a send", async () => {
    const { state, asked, leaders } = ledCluster();
    await leaders.refresh(["t", "u"]);
    state.now = 100; // the refresh backoff passed
    state.answer.set("t", [1, 2, -1]); // broker 3 stopped
    leaders.lost(3, state.now);
    await waitFor(() => leaders.leader("t", 2) === -1);
    expect(asked).toEqual([["t", "u"], ["t"]]);
    leaders.lost(4, state.now); // leads nothing known
    expect(asked).toHaveLength(2);
  });

  test("connections closing while the refresh they asked for is under way ask once, not once each", async () => {
    const { state, asked, leaders } = ledCluster();
    await leaders.refresh(["t", "u"]);
    state.now = 100;
    state.answer.set("t", [-1, 2, 3]); // broker 1 stopped: its connections close one after the other
    leaders.lost(1, state.now);
    leaders.lost(1, state.now);
    leaders.lost(1, state.now);
    await waitFor(() => leaders.leader("t", 0) === -1);
    expect(asked).toEqual([
      ["t", "u"],
      ["t", "u"],
    ]);
  });

  test("a broker the cluster still lists as leader but the gateway cannot reach: answers that change nothing make the wait grow, as Java's equivalent responses (review P3-2)", async () => {
    let now = 0;
    let answer = [1, 2];
    const transport = { leaders: async (topics: readonly string[]) => new Map(topics.map((t) => [t, answer])) };
    const leaders = doublingLeaders(transport, () => now);
    await leaders.refresh(["t"]);
    const steps: [number[], number][] = [
      [[1, 2], 100],
      [[1, 2], 200],
      [[1, 2], 400],
      [[1, 2], 800],
      [[1, 2], 1600],
      [[3, 2], 100], // partition 0's leader moved
      [[3, 2], 100], // then growing again from retry.backoff.ms
      [[3, 2], 200],
    ];
    const waits: number[] = [];
    for (const [leadersNow] of steps) {
      now = leaders.refreshDeferredUntil(now) ?? now;
      answer = leadersNow;
      leaders.lost(2, now); // each connection attempt to broker 2 fails
      await waitFor(() => leaders.refreshDeferredUntil(now) !== undefined);
      waits.push(leaders.refreshDeferredUntil(now)! - now);
    }
    expect(waits).toEqual(steps.map(([, wait]) => wait));
  });

  test("within the refresh backoff: not asked now; expired once the backoff allows, so its next send asks", async () => {
    const { state, asked, leaders } = ledCluster();
    await leaders.refresh(["t", "u"]);
    state.now = 50;
    leaders.lost(3, state.now);
    expect(asked).toEqual([["t", "u"]]);
    expect([leaders.expired("t", 99), leaders.expired("t", 100), leaders.expired("u", 100)]).toEqual([
      false,
      true,
      false,
    ]);
  });
});

describe("PartitionLeaders: a topic not sent to for metadata.max.idle.ms (as Java's ProducerMetadata, KIP-526)", () => {
  /** ledCluster's leaders with metadata.max.idle.ms 5000, t and u learnt at 0. */
  async function idleCluster() {
    const known = ledCluster(5000);
    await known.leaders.refresh(["t", "u"]);
    known.asked.splice(0);
    return known;
  }

  test("is not asked again when a connection to its leader is lost, and is forgotten: its next send asks for it as for a new topic", async () => {
    const { state, asked, leaders } = await idleCluster();
    state.now = 4999;
    leaders.sending("u", state.now);
    state.now = 5000; // t: idle since 0
    leaders.lost(1, state.now);
    await waitFor(() => asked.length === 1);
    expect(asked).toEqual([["u"]]);
    expect([leaders.known("t"), leaders.known("u")]).toEqual([undefined, 2]);
    expect(await leaders.count("t")).toBe(3); // asked in the foreground, as a new topic
    expect(asked).toEqual([["u"], ["t"]]);
  });

  test("is not among the topics a broker mark asks for (markedTopics)", async () => {
    const { state, leaders } = await idleCluster();
    leaders.sending("u", 1000);
    state.now = 5999;
    leaders.markStale({ node: 1 });
    expect(leaders.markedTopics()).toEqual(["u"]);
    state.now = 6000;
    expect(leaders.markedTopics()).toEqual([]);
    expect([leaders.known("t"), leaders.known("u")]).toEqual([undefined, undefined]);
  });

  test("one with a batch waiting or on the wire, or named by a send waiting to be admitted, is kept and asked", async () => {
    const { state, asked, leaders } = await idleCluster();
    state.busy.add("t");
    const release = leaders.hold(["u"]);
    state.now = 10_000;
    leaders.markStale({ node: 1 });
    expect(leaders.markedTopics()).toEqual(["t", "u"]);
    leaders.lost(1, state.now);
    await waitFor(() => asked.length === 1);
    expect(asked).toEqual([["t", "u"]]);
    state.busy.delete("t");
    release();
    state.now = 20_000; // the ask answered at 10 000 does not count as a send
    expect(leaders.markedTopics()).toEqual([]);
  });

  test("the pipeline's sweep forgets every idle topic, at most once per metadata.max.idle.ms", async () => {
    const { state, leaders } = await idleCluster();
    leaders.sweep(0); // the first sweep: nothing idle yet; the next is due at 5000
    leaders.sending("u", 0);
    state.now = 5000;
    leaders.sweep(4999);
    expect([leaders.known("t"), leaders.known("u")]).toEqual([3, 2]);
    leaders.sweep(5000);
    expect([leaders.known("t"), leaders.known("u")]).toEqual([undefined, undefined]);
  });
});

/** Leaders whose metadata answers once the test resolves `answer` (each ask awaits the current one): `unknown` topics refused as unknown. */
function heldAnswers(unknown: readonly string[] = []) {
  const held = { answer: Promise.withResolvers<void>() };
  const transport = {
    leaders: async (topics: readonly string[]) => {
      await held.answer.promise;
      const refused = topics.find((t) => unknown.includes(t));
      if (refused) throw Object.assign(new Error(`Unknown topic ${refused}.`), { code: "PLT_KFK_USER" });
      return new Map(topics.map((t) => [t, [1]]));
    },
  };
  return { held, leaders: doublingLeaders(transport, () => 0) };
}

describe("PartitionLeaders' stale mark", () => {
  test("an unknown topic's refusal of the refresh clears the mark it was asked with, not one set while it was awaited", async () => {
    const { held, leaders } = heldAnswers(["u"]);
    leaders.markStale({ node: 2 });
    held.answer.resolve();
    let error = await leaders.refresh(["u"]).catch((e: unknown) => e);
    expect((await leaders.refused(["u"], error)).topics).toEqual(new Set(["u"]));
    expect(leaders.stale).toBe(false);
    held.answer = Promise.withResolvers<void>();
    const asked = leaders.refresh(["u"]).catch((e: unknown) => e);
    leaders.markStale({ topic: "t", partition: 0 }); // NOT_LEADER_OR_FOLLOWER for a batch of t, sent meanwhile
    held.answer.resolve();
    error = await asked;
    await leaders.refused(["u"], error);
    expect(leaders.stale).toBe(true);
  });

  for (const markedBefore of [true, false])
    test(`a refresh asked ${markedBefore ? "with the mark set (every topic)" : "for one topic (a leaderless partition)"} leaves a mark set while it was awaited (another topic's leader moved meanwhile); the next refresh clears it`, async () => {
      const { held, leaders } = heldAnswers();
      if (markedBefore) leaders.markStale({ node: 1 });
      const asked = leaders.refresh(markedBefore ? ["t", "u"] : ["u"]);
      leaders.markStale({ topic: "t", partition: 0 }); // NOT_LEADER_OR_FOLLOWER for a batch of t, sent meanwhile
      held.answer.resolve();
      await asked;
      expect(leaders.stale).toBe(true);
      held.answer = Promise.withResolvers<void>();
      const again = leaders.refresh(["t", "u"]);
      held.answer.resolve();
      await again;
      expect(leaders.stale).toBe(false);
    });

  test("a mark is about a broker (its partitions as led now) or a partition; an answer clears those set before its ask, not those set while it was awaited", async () => {
    const transport = {
      leaders: async (topics: readonly string[]) => new Map(topics.map((t) => [t, t === "b" ? [2, 1] : [1, 2]])),
    };
    const { held, leaders } = heldAnswers();
    const known = doublingLeaders(transport, () => 0);
    await known.refresh(["a", "b"]); // a: [1, 2], b: [2, 1]
    const marked = () => ["a", "b"].flatMap((t) => [0, 1].filter((p) => known.marked(t, p)).map((p) => `${t}-${p}`));
    expect([known.stale, marked()]).toEqual([false, []]);
    known.markStale({ node: 2 }); // a request to broker 2 failed as a whole
    expect([known.stale, marked()]).toEqual([true, ["a-1", "b-0"]]);
    known.markStale({ topic: "a", partition: 0 }); // NOT_LEADER_OR_FOLLOWER for a-0 (led by 1)
    expect(marked()).toEqual(["a-0", "a-1", "b-0"]);
    await known.refresh(["a", "b"]);
    expect([known.stale, marked()]).toEqual([false, []]);
    // Per mark: one set before the ask is cleared by its answer, one set while it was awaited is not.
    leaders.markStale({ node: 1 });
    const asked = leaders.refresh(["t"]);
    leaders.markStale({ topic: "u", partition: 0 });
    held.answer.resolve();
    await asked;
    expect([leaders.stale, leaders.marked("t", 0), leaders.marked("u", 0)]).toEqual([true, false, true]);
    await leaders.refresh(["t", "u"]);
    expect([leaders.stale, leaders.marked("u", 0)]).toEqual([false, false]);
  });
});

/** LEADER_NOT_AVAILABLE: a topic being created (a retry cures it). */
const LEADER_NOT_AVAILABLE = 5;

/** Leaders over a cluster whose every metadata ask has `outcome` (an error thrown, or leaders), counting `answered`. */
function answering(outcome: () => Error | undefined) {
  const counted = { answered: 0 };
  const transport = {
    leaders: async (topics: readonly string[]) => {
      const error = outcome();
      if (error) throw error;
      return new Map(topics.map((t) => [t, [1]]));
    },
  };
  const leaders = new PartitionLeaders(
    transport as unknown as ProduceTransport,
    100,
    (m) => new Error(m),
    1000,
    () => 0,
    () => 100,
    () => counted.answered++,
  );
  return { counted, leaders };
}

// Tests of existing behaviour: what ends the pipeline's run of failed metadata asks (and its one WARN).
describe("PartitionLeaders' answered (a metadata ask answered)", () => {
  test.each<[string, number, () => Error | undefined]>([
    ["leaders", 1, () => undefined],
    ["'Unknown topic' (deleted, or auto-creation off)", 1, () => new UserError("Unknown topic t.")],
    ["TOPIC_AUTHORIZATION_FAILED (the library's answer)", 1, () => metadataRefusing(["t"], new Set(["t"]))],
    [
      "TOPIC_AUTHORIZATION_FAILED after a retriable attempt (the library's MultipleErrors, the answer last)",
      1,
      () =>
        new MultipleErrors("metadata failed 2 times.", [
          new NetworkError("Connection to 127.0.0.1:9092 failed.", { canRetry: true }),
          metadataRefusing(["t"], new Set(["t"])),
        ]),
    ],
    ["a retriable failure: Kafka not reached (the library's retries ran out)", 0, metadataRefused],
    [
      "a retriable failure: LEADER_NOT_AVAILABLE (a topic being created)",
      0,
      () => metadataRefusing(["t"], new Set(["t"]), LEADER_NOT_AVAILABLE),
    ],
  ])("an ask met with %s: called %i time(s)", async (_, times, outcome) => {
    const { counted, leaders } = answering(outcome);
    await leaders.refresh(["t"]).catch(() => undefined);
    expect(counted.answered).toBe(times);
  });

  test("also by a background ask (renew) and the partition count's (count); by each answer of a refusal's follow-up asks", async () => {
    let error: Error | undefined;
    const { counted, leaders } = answering(() => error);
    leaders.renew(["t"], 0);
    await waitFor(() => counted.answered === 1, { what: "the background ask's answer" });
    expect(await leaders.count("u")).toBe(1);
    expect(counted.answered).toBe(2);
    // One topic of two refused: its answer, then the other topic's, asked again alone.
    error = metadataRefusing(["t", "x"], new Set(["x"]));
    const refusal = await leaders.refresh(["t", "x"]).catch((e: unknown) => e);
    error = undefined;
    expect((await leaders.refused(["t", "x"], refusal)).topics).toEqual(new Set(["x"]));
    expect(counted.answered).toBe(4);
  });
});

/** Leaders knowing a: [1, 2], b: [3], c: [2] (partition leaders by broker). */
async function knownLeaders() {
  const held = { answer: Promise.resolve() };
  const layout = new Map([
    ["a", [1, 2]],
    ["b", [3]],
    ["c", [2]],
  ]);
  const transport = {
    leaders: async (topics: readonly string[]) => {
      await held.answer;
      return new Map(topics.map((t) => [t, layout.get(t)!]));
    },
  };
  const leaders = doublingLeaders(transport, () => 0);
  await leaders.refresh(["a", "b", "c"]);
  return { held, leaders };
}

// Tests of existing behaviour: the topics an ask made with a broker mark set asks too.
describe("PartitionLeaders.markedTopics", () => {
  test("the known topics a marked broker leads a partition of, no other: none for a broker that leads nothing known, nor once forgotten", async () => {
    const { leaders } = await knownLeaders();
    expect(leaders.markedTopics()).toEqual([]);
    leaders.markStale({ node: 2 });
    expect(leaders.markedTopics()).toEqual(["a", "c"]);
    leaders.markStale({ node: 4 });
    expect(leaders.markedTopics()).toEqual(["a", "c"]);
    leaders.markStale({ node: 3 });
    expect(leaders.markedTopics()).toEqual(["a", "b", "c"]);
    leaders.forget("c");
    expect(leaders.markedTopics()).toEqual(["a", "b"]);
  });

  test("a partition's mark (NOT_LEADER_OR_FOLLOWER) does not widen the ask: stale, no topic listed", async () => {
    const { leaders } = await knownLeaders();
    leaders.markStale({ topic: "a", partition: 1 });
    expect([leaders.stale, leaders.marked("a", 1), leaders.markedTopics()]).toEqual([true, true, []]);
  });

  test("cleared by the answer of an ask made after the mark; a mark set while an ask was awaited stays", async () => {
    const { held, leaders } = await knownLeaders();
    leaders.markStale({ node: 2 });
    await leaders.refresh(["a"]);
    expect([leaders.stale, leaders.markedTopics()]).toEqual([false, []]);
    const awaited = Promise.withResolvers<void>();
    held.answer = awaited.promise;
    const asked = leaders.refresh(["b"]);
    leaders.markStale({ node: 2 }); // a request to broker 2 failed while the ask was awaited
    awaited.resolve();
    await asked;
    expect(leaders.markedTopics()).toEqual(["a", "c"]);
  });
});
