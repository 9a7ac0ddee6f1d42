import { describe, expect, spyOn, test } from "bun:test";
import { NetworkError, ProtocolError, UserError } from "@platformatic/kafka";
import { waitFor } from "../../../test/support/wait-for.ts";
import { metadataRefusing } from "./metadata-test-support.ts";
import { PartitionLeaders } from "./partition-leaders.ts";
import type { PipelineSettings } from "./pipeline-settings.ts";
import { ProducePipeline } from "./produce-pipeline.ts";
import { append, batch, FakeBroker, settings } from "./produce-pipeline-test-support.ts";
import { WakeTimer } from "./wake-timer.ts";

/** A broker of topics `gone` and `kept` whose metadata, once `gone` is deleted, fails any request asking it (as the library words it). */
class DeletedTopicBroker extends FakeBroker {
  deleted = false;
  metadataCalls = 0;
  override async leaders(topics: readonly string[]): Promise<Map<string, readonly number[]>> {
    this.metadataCalls++;
    if (this.deleted && topics.includes("gone")) throw new UserError(`Unknown topic ${topics[0]}.`);
    return super.leaders(topics);
  }
}

describe("ProducePipeline when a topic it sends to is deleted (metadata answers 'Unknown topic')", () => {
  test("the other topic's batches are sent in the same turn, its leaders asked alone; the deleted topic's wait for metadata, asked alone once per retry.backoff.ms", async () => {
    const broker = new DeletedTopicBroker(1);
    let clock = 0;
    // A backoff longer than the test: each batch has to go in the turn that asked for metadata, not a later one (the
    // clock is moved on two backoffs, inside delivery.timeout.ms).
    const retries: string[] = [];
    const s = settings({
      retryBackoffMs: 60_000,
      retryBackoffMaxMs: 60_000,
      deliveryTimeoutMs: 600_000,
      onRetry: (m) => retries.push(m),
    });
    const pipeline = new ProducePipeline(broker, s, () => clock);
    const warm = ["gone", "kept"].map((t) => append(pipeline, t, 0, batch(0), 1));
    await waitFor(() => broker.requests.length === 1);
    broker.deliver(0);
    await Promise.all(warm);
    broker.deleted = true;
    const lost = append(pipeline, "gone", 0, batch(1), 1);
    const first = append(pipeline, "kept", 0, batch(1), 1);
    await waitFor(() => broker.requests.length === 2);
    // UNKNOWN_TOPIC_OR_PARTITION and NOT_LEADER_OR_FOLLOWER: both retried after leaders are asked again.
    broker.deliver(1, { "gone-0": 3, "kept-0": 6 });
    await waitFor(() => retries.length > 0); // the answer taken at clock 0: both due again at 60 000
    clock = 60_000;
    const second = append(pipeline, "kept", 0, batch(2), 1);
    await broker.deliverUntil(Promise.all([first, second]));
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(broker.logs.get("gone-0")).toEqual([0]);
    // The refresh done (the kept topic answered): one backoff later only the deleted topic is asked again, alone,
    // not both together and then each alone.
    const calls = broker.metadataCalls;
    clock = 120_000;
    const third = append(pipeline, "kept", 0, batch(3), 1);
    await broker.deliverUntil(third);
    expect(await third).toBe(3);
    expect(broker.metadataCalls - calls).toBe(1);
    pipeline.close(new Error("closed"));
    expect(await lost.catch((e: Error) => e.message)).toBe("closed");
  });
});

/**
 * A broker of topic t, 2 partitions, whose metadata knows no leader for t-1 (its leader down) until `leaderBack`,
 * counting its calls; while `held` is set, metadata answers once it resolves.
 */
class LeaderlessBroker extends FakeBroker {
  metadataCalls = 0;
  leaderBack = false;
  held: Promise<void> | undefined;
  override async leaders(topics: readonly string[]): Promise<Map<string, readonly number[]>> {
    this.metadataCalls++;
    await this.held;
    return new Map(topics.map((t) => [t, [1, this.leaderBack ? 1 : -1]]));
  }
}

/** A LeaderlessBroker whose metadata, once `failing` is set, fails (Kafka not reached), counting its calls. */
class UnreachableMetadataBroker extends LeaderlessBroker {
  failing = false;
  override async leaders(topics: readonly string[]): Promise<Map<string, readonly number[]>> {
    if (!this.failing) return super.leaders(topics);
    this.metadataCalls++;
    throw new NetworkError("Connection to 127.0.0.1:9092 failed.", { canRetry: true });
  }
}

/** A LeaderlessBroker of 3 partitions, t-1 and t-2 without a leader, t-2's found once `secondBack` is set. */
class TwoLeaderlessBroker extends LeaderlessBroker {
  secondBack = false;
  override async leaders(topics: readonly string[]): Promise<Map<string, readonly number[]>> {
    this.metadataCalls++;
    return new Map(topics.map((t) => [t, [1, -1, this.secondBack ? 1 : -1]]));
  }
}

/**
 * A pipeline on `broker` whose clock the test sets (`at`), and `turn`: a batch for t-0 (which has a leader) appended
 * and written, so the pipeline takes a turn at that time (asking for t-1's leader when its backoff is over).
 */
function leaderlessPipeline(broker: LeaderlessBroker, over: Partial<PipelineSettings>) {
  let clock = 0;
  let label = 0;
  const pipeline = new ProducePipeline(broker, settings(over), () => clock);
  const turn = async (at: number): Promise<number> => {
    clock = at;
    const requests = broker.requests.length;
    const written = append(pipeline, "t", 0, batch(label++), 1);
    await waitFor(() => broker.requests.length > requests);
    broker.deliver(requests);
    await written;
    return broker.metadataCalls;
  };
  return { pipeline, turn };
}

describe("ProducePipeline while a partition has no leader", () => {
  test("metadata is asked again at most once per retry.backoff.ms, as Java's, while the other partition's batches are written", async () => {
    const broker = new LeaderlessBroker(2);
    let clock = 0;
    const pipeline = new ProducePipeline(broker, settings({ retryBackoffMs: 100 }), () => clock);
    const waiting = append(pipeline, "t", 1, batch(0), 1);
    for (let label = 1; label <= 5; label++) {
      const written = append(pipeline, "t", 0, batch(label), 1);
      await waitFor(() => broker.requests.length === label);
      broker.deliver(label - 1);
      expect(await written).toBe(label - 1);
    }
    expect(broker.metadataCalls).toBe(1);
    clock = 100; // the backoff over: asked again
    await waitFor(() => broker.metadataCalls === 2);
    pipeline.close(new Error("closed"));
    expect(await waiting.catch((e: Error) => e.message)).toBe("closed");
  });
});

describe("ProducePipeline while a partition has no leader (retry.backoff.max.ms, KIP-580)", () => {
  test.each([
    ["the jitter's middle", 0.5, [100, 100, 200, 400, 800, 1000, 1000]],
    ["the jitter's least (20 % shorter)", 0, [80, 80, 160, 320, 640, 800, 800]],
  ])(
    "with %s drawn, the wait between refreshes that find no leader doubles from retry.backoff.ms to retry.backoff.max.ms, as Java's Metadata (the first answer learnt the topic: the next one is its first that changes nothing)",
    async (_, draw, waits) => {
      const broker = new LeaderlessBroker(2);
      const { pipeline, turn } = leaderlessPipeline(broker, {
        retryBackoffMs: 100,
        retryBackoffMaxMs: 1000,
        random: () => draw,
      });
      const waiting = append(pipeline, "t", 1, batch(-1), 1);
      await waitFor(() => broker.metadataCalls === 1);
      let asked = 0;
      for (const [n, wait] of waits.entries()) {
        expect(await turn(asked + wait - 1)).toBe(n + 1); // not asked again before the wait is over
        expect(await turn(asked + wait)).toBe(n + 2);
        asked += wait;
      }
      pipeline.close(new Error("closed"));
      expect(await waiting.catch((e: Error) => e.message)).toBe("closed");
    },
  );

  test("once the wait has grown to 800 ms the pipeline wakes when the next refresh is allowed, not retry.backoff.ms later (review P3-3)", async () => {
    const broker = new LeaderlessBroker(2);
    const { pipeline, turn } = leaderlessPipeline(broker, { retryBackoffMs: 100, retryBackoffMaxMs: 1000 });
    const waiting = append(pipeline, "t", 1, batch(-1), 1);
    await waitFor(() => broker.metadataCalls === 1);
    for (const at of [100, 200, 400]) await turn(at); // asked at each: the next wait is 800 ms
    const wakes = spyOn(WakeTimer.prototype, "wakeAt");
    try {
      expect(await turn(800)).toBe(5);
      // The earliest wake the pipeline asks for: none at 900 (a turn that could not ask yet).
      expect(Math.min(...wakes.mock.calls.map(([at]) => at))).toBe(1600);
    } finally {
      wakes.mockRestore();
    }
    expect(await turn(1599)).toBe(5);
    expect(await turn(1600)).toBe(6);
    pipeline.close(new Error("closed"));
    expect(await waiting.catch((e: Error) => e.message)).toBe("closed");
  });

  test("the wait runs from the refresh's answer, not from its request, as Java's Metadata stamps lastRefreshMs", async () => {
    const broker = new LeaderlessBroker(2);
    const { pipeline, turn } = leaderlessPipeline(broker, { retryBackoffMs: 100, retryBackoffMaxMs: 1000 });
    const answer = Promise.withResolvers<void>();
    broker.held = answer.promise;
    const waiting = append(pipeline, "t", 1, batch(-1), 1);
    await waitFor(() => broker.metadataCalls === 1);
    answer.resolve();
    expect(await turn(50)).toBe(1); // the answer taken 50 ms after the request (t-0's batch goes in that turn)
    expect(await turn(149)).toBe(1);
    expect(await turn(150)).toBe(2);
    pipeline.close(new Error("closed"));
    expect(await waiting.catch((e: Error) => e.message)).toBe("closed");
  });

  test("a refresh that fails makes the wait grow too (review P3-2), as Java's Metadata counts failed updates", async () => {
    const broker = new UnreachableMetadataBroker(2);
    const { pipeline, turn } = leaderlessPipeline(broker, { retryBackoffMs: 100, retryBackoffMaxMs: 1000 });
    const waiting = append(pipeline, "t", 1, batch(-1), 1);
    await waitFor(() => broker.metadataCalls === 1); // answered without t-1's leader: the next refresh waits 100 ms
    broker.failing = true;
    let asked = 0;
    // From the second failed refresh on, each doubles the wait; t-0's batches go to its leader known meanwhile (in the
    // turn of a failed refresh, once the pipeline wakes again).
    for (const [n, wait] of [100, 100, 200, 400].entries()) {
      expect(await turn(asked + wait - 1)).toBe(n + 1);
      expect(await turn(asked + wait)).toBe(n + 2);
      asked += wait;
    }
    pipeline.close(new Error("closed"));
    expect(await waiting.catch((e: Error) => e.message)).toBe("closed");
  });

  test("a refresh that finds a new leader (progress), another partition still without one, starts the waits again from retry.backoff.ms (review P3-1)", async () => {
    const broker = new TwoLeaderlessBroker(3);
    const { pipeline, turn } = leaderlessPipeline(broker, { retryBackoffMs: 100, retryBackoffMaxMs: 1000 });
    const [first, second] = [1, 2].map((p) => append(pipeline, "t", p, batch(-p), 1));
    await waitFor(() => broker.metadataCalls === 1);
    for (const at of [100, 300, 700]) await turn(at); // asked at each: the next wait is 400 ms
    broker.secondBack = true;
    expect(await turn(1500)).toBe(5);
    // t-0's batch of that turn went before the ask (its leader known); this one once the ask found its leader.
    await broker.deliverUntil(second!);
    expect(await second).toBe(0);
    expect(await turn(1599)).toBe(5);
    expect(await turn(1600)).toBe(6);
    pipeline.close(new Error("closed"));
    expect(await first!.catch((e: Error) => e.message)).toBe("closed");
  });

  test("a refresh that finds every leader starts the waits again from retry.backoff.ms", async () => {
    const broker = new LeaderlessBroker(2);
    const { pipeline, turn } = leaderlessPipeline(broker, { retryBackoffMs: 100, retryBackoffMaxMs: 1000 });
    const waiting = append(pipeline, "t", 1, batch(-1), 1);
    await waitFor(() => broker.metadataCalls === 1);
    for (const at of [100, 300, 700]) await turn(at); // asked at each: the next wait is 400 ms
    broker.leaderBack = true;
    expect(await turn(1500)).toBe(5);
    // t-0's batch of that turn went before the ask (its leader known); this one once the ask found its leader.
    await broker.deliverUntil(waiting);
    expect(await waiting).toBe(0);
    // Its leader lost again: NOT_LEADER_OR_FOLLOWER asks for leaders again, retry.backoff.ms after the last answer.
    broker.leaderBack = false;
    const again = append(pipeline, "t", 1, batch(-2), 1);
    await waitFor(() => broker.requests.some((r) => !r.delivered));
    broker.deliver(broker.requests.length - 1, { "t-1": 6 });
    expect(await turn(1599)).toBe(5);
    expect(await turn(1600)).toBe(6);
    pipeline.close(new Error("closed"));
    expect(await again.catch((e: Error) => e.message)).toBe("closed");
  });
});

/** A broker counting its metadata answers. */
class CountingBroker extends FakeBroker {
  metadataCalls = 0;
  override async leaders(topics: readonly string[]): Promise<Map<string, readonly number[]>> {
    this.metadataCalls++;
    return super.leaders(topics);
  }
}

describe("ProducePipeline.disconnected (a connection to a broker closed)", () => {
  test("asks for the leaders of that broker's topics; once the pipeline is closed, asks nothing (its client may be closing)", async () => {
    const broker = new CountingBroker(1);
    let clock = 0;
    const pipeline = new ProducePipeline(broker, settings(), () => clock);
    const warm = append(pipeline, "t", 0, batch(0), 1);
    await waitFor(() => broker.requests.length === 1);
    broker.deliver(0);
    await warm;
    clock = 10_000; // the refresh backoff passed
    const before = broker.metadataCalls;
    pipeline.disconnected(1);
    expect(broker.metadataCalls).toBe(before + 1);
    // Its answer taken (promise callbacks all run before the next macrotask): the refresh is no longer under way.
    await new Promise((resolve) => setImmediate(resolve));
    pipeline.close(new Error("closed"));
    clock = 20_000;
    pipeline.disconnected(1);
    expect(broker.metadataCalls).toBe(before + 1);
  });
});

/** A broker whose metadata answers `leader` for every topic's one partition; records each ask's topics. */
class MovingLeaderBroker extends FakeBroker {
  leader = 2;
  readonly asks: string[][] = [];
  /** Topics whose metadata is refused for good (TOPIC_AUTHORIZATION_FAILED), in the library's answer when `carried`. */
  readonly refused = new Set<string>();
  constructor(private readonly carried = false) {
    super();
  }
  override async leaders(topics: readonly string[]): Promise<Map<string, readonly number[]>> {
    this.asks.push([...topics]);
    if (topics.some((t) => this.refused.has(t)))
      throw this.carried ? metadataRefusing(topics, this.refused) : new ProtocolError("TOPIC_AUTHORIZATION_FAILED");
    return new Map(topics.map((t) => [t, [this.leader]]));
  }
}

/**
 * A pipeline over `broker` (retry.backoff.ms 100) whose topics `topics` are written once at 0, so their leader (broker
 * 2) is known and the refresh backoff runs to 100; then, at `at`, a batch of the first topic sent to broker 2 and its
 * request failing as a whole (a mark about broker 2), the turn after it taken.
 */
async function brokerMarked(broker: MovingLeaderBroker, topics: readonly string[], at: number) {
  const clock = { now: 0 };
  const pipeline = new ProducePipeline(broker, settings({ retryBackoffMs: 100 }), () => clock.now);
  await broker.deliverUntil(Promise.all(topics.map((t) => append(pipeline, t, 0, batch(0), 1))));
  clock.now = at;
  const sent = broker.requests.length;
  const moved = append(pipeline, topics[0]!, 0, batch(1), 1);
  await waitFor(() => broker.requests.length === sent + 1);
  broker.requests[sent]!.failWith(new NetworkError("Connection closed", { canRetry: true }));
  await new Promise((resolve) => setImmediate(resolve)); // the failure taken: its batch waits out its retry's backoff
  return { clock, pipeline, moved, sent };
}

describe("ProducePipeline after a request to a broker failed as a whole (a mark about the broker)", () => {
  test("the ask it makes covers every known topic that broker leads, not only those with a batch waiting: a topic left out is not sent to the old leader without an ask (review markcover 1)", async () => {
    const broker = new MovingLeaderBroker();
    // a and b both led by broker 2, both written once; a's next batch failed with broker 2's connection.
    const { clock, pipeline, moved, sent } = await brokerMarked(broker, ["a", "b"], 10);
    broker.leader = 3; // both leaders move
    const asked = broker.asks.length;
    clock.now = 200; // the retry's and the refresh's backoff over: the next turn asks, with only a's batch waiting
    await waitFor(() => broker.requests.length === sent + 2, { what: "a's batch sent again after the ask" });
    expect(broker.asks.slice(asked)).toEqual([["a", "b"]]);
    expect(broker.requests[sent + 1]!.node).toBe(3);
    broker.deliver(sent + 1);
    expect(await moved).toBe(1);
    // b's next batch goes to its leader as the ask answered it, not to broker 2.
    const next = append(pipeline, "b", 0, batch(1), 1);
    await waitFor(() => broker.requests.length === sent + 3);
    expect(broker.requests[sent + 2]!.node).toBe(3);
    broker.deliver(sent + 2);
    expect(await next).toBe(1);
    pipeline.close(new Error("closed"));
  });

  test("a topic asked only because its broker is marked, refused for good: forgotten, the other topics' batches go on (not held every turn)", async () => {
    const broker = new MovingLeaderBroker();
    const { clock, pipeline, moved, sent } = await brokerMarked(broker, ["a", "x"], 10);
    broker.leader = 3;
    broker.refused.add("x"); // its ACL removed; no batch of it waits
    const asked = broker.asks.length;
    clock.now = 200;
    await waitFor(() => broker.requests.length === sent + 2, { what: "a's batch sent again after the ask" });
    // Refused: each asked alone; x forgotten. An ask without it (a's, once more at most) clears the mark.
    expect(broker.asks.slice(asked, asked + 3)).toEqual([["a", "x"], ["a"], ["x"]]);
    expect(broker.asks.slice(asked + 3).every((topics) => topics.join() === "a")).toBe(true);
    expect(broker.requests[sent + 1]!.node).toBe(3);
    broker.deliver(sent + 1);
    expect(await moved).toBe(1);
    expect(pipeline.partitionLeaders("x")).toBeUndefined(); // forgotten: its next send asks, and fails
    clock.now = 10_000; // past the refresh backoff
    const refused = await append(pipeline, "x", 0, batch(1), 1).catch((e: Error) => e.message);
    expect(refused).toContain("Could not get metadata");
    pipeline.close(new Error("closed"));
  });

  test("a topic asked only because its broker is marked, refused for good in the library's answer (a ResponseError naming it): forgotten; the others asked again together, once, not each alone; their batches go on", async () => {
    // Existing behaviour, with the error as the library builds it (metadataRefusing), not a bare ProtocolError.
    const broker = new MovingLeaderBroker(true);
    const { clock, pipeline, moved, sent } = await brokerMarked(broker, ["a", "b", "x"], 10);
    broker.leader = 3;
    broker.refused.add("x"); // its ACL removed; no batch of it waits
    const asked = broker.asks.length;
    clock.now = 200; // the retry's and the refresh's backoff over: the next turn asks
    await waitFor(() => broker.requests.length === sent + 2, { what: "a's batch sent again after the ask" });
    expect(broker.asks.slice(asked, asked + 2)).toEqual([
      ["a", "b", "x"],
      ["a", "b"],
    ]);
    expect(broker.asks.slice(asked + 2).every((topics) => topics.join() === "a,b")).toBe(true);
    expect(broker.requests[sent + 1]!.node).toBe(3);
    broker.deliver(sent + 1);
    expect(await moved).toBe(1);
    expect(pipeline.partitionLeaders("x")).toBeUndefined(); // forgotten: its next send asks, and fails
    expect(pipeline.partitionLeaders("b")).toEqual([3]);
    expect(pipeline.failure).toBeUndefined();
    // The others' answer cleared the mark: b's next batch goes to its new leader without another ask.
    clock.now = 1_000;
    const askedBefore = broker.asks.length;
    const next = append(pipeline, "b", 0, batch(1), 1);
    await waitFor(() => broker.requests.length === sent + 3);
    expect(broker.asks.length).toBe(askedBefore);
    expect(broker.requests[sent + 2]!.node).toBe(3);
    broker.deliver(sent + 2);
    expect(await next).toBe(1);
    clock.now = 10_000;
    const refused = await append(pipeline, "x", 0, batch(1), 1).catch((e: Error) => e.message);
    expect(refused).toContain("Could not get metadata");
    pipeline.close(new Error("closed"));
  });

  test("a turn within the refresh backoff, which asks nothing, does not look for the marked broker's topics (markedTopics scans every known topic); the turn that asks does, once", async () => {
    const looked = spyOn(PartitionLeaders.prototype, "markedTopics");
    const deferral = spyOn(PartitionLeaders.prototype, "refreshDeferredUntil");
    try {
      const broker = new MovingLeaderBroker();
      // At 50, within the refresh backoff (to 100): the turn after the failure is deferred, a's batch waiting for the ask.
      const { clock, pipeline, moved, sent } = await brokerMarked(broker, ["a", "b"], 50);
      expect(deferral.mock.results.some((r) => r.value === 100)).toBe(true);
      expect(looked).toHaveBeenCalledTimes(1); // by the first ask's turn, at 0 (no mark then)
      const asked = broker.asks.length;
      clock.now = 200; // the retry's and the refresh's backoff over: the next turn asks, b too
      await waitFor(() => broker.requests.length === sent + 2, { what: "a's batch sent again after the ask" });
      expect(broker.asks.slice(asked)).toEqual([["a", "b"]]);
      expect(looked).toHaveBeenCalledTimes(2);
      broker.deliver(sent + 1);
      expect(await moved).toBe(1);
      pipeline.close(new Error("closed"));
    } finally {
      looked.mockRestore();
      deferral.mockRestore();
    }
  });
});
