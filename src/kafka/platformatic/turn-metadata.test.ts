/**
 * TurnMetadata, through ProducePipeline against a fake broker: a turn's metadata step. Metadata not to be had (a
 * refusal fails the topic's batches, retriable errors are retried until delivery.timeout.ms), metadata.max.age.ms
 * (asked again before a send, in the background), a topic refused while its batches are queued or on the wire (only
 * its batches fail, the producer goes on). More: produce-pipeline-metadata-refresh.test.ts (deleted topics, leaderless
 * partitions, broker marks), produce-pipeline-metadata-warning.test.ts (the WARN of failing asks),
 * produce-pipeline-held-turn.test.ts (sends while an ask is awaited).
 */
import { describe, expect, test } from "bun:test";
import { NetworkError, ProtocolError } from "@platformatic/kafka";
import { waitFor } from "../../../test/support/wait-for.ts";
import { KafkaAccessError } from "../access-errors.ts";
import { RETRY_GRACE_MS } from "../retry-grace.ts";
import { kafkaErrorOf, NotSentError } from "../send-rejection.ts";
import { RefusedBatch } from "./batch-failures.ts";
import type { PipelineSettings } from "./pipeline-settings.ts";
import { ProducePipeline } from "./produce-pipeline.ts";
import {
  append,
  appendAll,
  batch,
  FakeBroker,
  NoMetadata,
  settings,
  warmedUp,
} from "./produce-pipeline-test-support.ts";

/** A pipeline whose first batch to partition 0 of each of `topics` was written (sequence 0): where the refusal tests start. */
async function warmedTopics(
  broker: FakeBroker,
  s: PipelineSettings,
  topics: readonly string[],
): Promise<ProducePipeline> {
  const pipeline = new ProducePipeline(broker, s);
  const warm = topics.map((t) => append(pipeline, t, 0, batch(0), 1));
  await waitFor(() => broker.requests.length === 1);
  broker.deliver(0);
  expect(await Promise.all(warm)).toEqual(topics.map(() => 0));
  return pipeline;
}

/** `broker`'s metadata refusing topic "refused" (TOPIC_AUTHORIZATION_FAILED) while `refusing` (an ACL removed). */
function refusingTopic(broker: FakeBroker, refusing: boolean): { refusing: boolean; readonly asked: string[][] } {
  const acl = { refusing, asked: [] as string[][] };
  const answer = broker.leaders.bind(broker);
  broker.leaders = (ts) => {
    acl.asked.push([...ts]);
    return acl.refusing && ts.includes("refused")
      ? Promise.reject(new ProtocolError("TOPIC_AUTHORIZATION_FAILED"))
      : answer(ts);
  };
  return acl;
}

/** A send's outcome as a string (its offsets) or its error. */
const settled = (p: Promise<number | readonly number[]>) => p.then(String, (e: Error) => e);

describe("ProducePipeline when metadata cannot be had", () => {
  test("a non-retriable metadata error (TOPIC_AUTHORIZATION_FAILED) fails the topic's batches at once, with the cause; the producer goes on", async () => {
    const pipeline = new ProducePipeline(new NoMetadata(new ProtocolError("TOPIC_AUTHORIZATION_FAILED")), settings());
    const errors = await Promise.all([0, 1].map((l) => append(pipeline, "t", 0, batch(l), 1).catch((e: Error) => e)));
    for (const error of errors) {
      expect((error as Error).message).toStartWith("Could not get metadata: ");
      expect((error as Error).message).toContain("Topic authorization failed");
      // Java's TopicAuthorizationException, naming the topic.
      expect((error as Error).cause).toBeInstanceOf(KafkaAccessError);
      expect(((error as Error).cause as KafkaAccessError).unauthorizedTopics).toEqual(["t"]);
    }
    expect(pipeline.failure).toBeUndefined();
  });

  test("any other non-retriable one fails the batches at once and the producer", async () => {
    const pipeline = new ProducePipeline(new NoMetadata(new ProtocolError("UNSUPPORTED_VERSION")), settings());
    const { outcomes, all } = appendAll(pipeline, [0, 1]);
    await all;
    expect(outcomes[0]).toStartWith("failed: Could not get metadata: ");
    expect(outcomes[1]).toBe("failed: Not sent: an earlier batch of t-0 failed");
    expect(pipeline.failure).toBeDefined();
  });

  test("a retriable one is retried until delivery.timeout.ms, its failure the pipeline's retryFailure past the grace period; the expiry names the last cause", async () => {
    let now = 0;
    const broker = new NoMetadata(new NetworkError("Connection to 127.0.0.1:9 failed.", { canRetry: true }));
    const pipeline = new ProducePipeline(broker, settings({ deliveryTimeoutMs: 10_000 }), () => now);
    const { outcomes, all } = appendAll(pipeline, [0]);
    await waitFor(() => broker.calls === 1);
    now = 1; // retry.backoff.ms later on the test's clock: metadata may be asked again
    await waitFor(() => broker.calls >= 2); // retried
    expect(outcomes).toEqual([]);
    expect(pipeline.retryFailure).toBeUndefined();
    now = RETRY_GRACE_MS;
    expect(pipeline.retryFailure?.message).toBe("Could not get metadata: Connection to 127.0.0.1:9 failed.");
    now = 10_000;
    await all;
    expect(outcomes).toEqual([
      "failed: Expiring 1 record(s) for t-0: delivery.timeout.ms elapsed before it was sent (Could not get metadata: Connection to 127.0.0.1:9 failed.)",
    ]);
    expect(pipeline.retryFailure).toBeUndefined();
  });
});

describe("ProducePipeline (metadata.max.age.ms)", () => {
  test("a topic's metadata older than metadata.max.age.ms is asked again before a send: partitions added since are used, as Java's", async () => {
    const broker = new FakeBroker(1);
    let clock = 0;
    const pipeline = await warmedUp(broker, settings({ metadataMaxAgeMs: 1000 }), () => clock);
    broker.partitions = 3; // added to the topic: unknown to the producer until it asks again
    const sendAt = async (at: number, label: number) => {
      clock = at;
      const { all } = appendAll(pipeline, [label]);
      await waitFor(() => broker.requests.length === label);
      broker.deliver(label - 1);
      await all;
      return pipeline.knownPartitionCount("t");
    };
    expect(await sendAt(999, 1)).toBe(1);
    expect(await sendAt(1000, 2)).toBe(3);
  });
});

/**
 * A pipeline with metadata.max.age.ms=1000, warmed up, its clock at the age: every metadata
 * refresh from then on answers `answer()`, counted in `asked`; `clock` moves the pipeline's time.
 */
async function agedPipeline(answer: () => Promise<never>) {
  const broker = new FakeBroker(1);
  const aged = { broker, clock: 0, asked: 0 };
  const pipeline = await warmedUp(broker, settings({ metadataMaxAgeMs: 1000 }), () => aged.clock);
  broker.leaders = () => {
    aged.asked++;
    return answer();
  };
  aged.clock = 1000;
  return Object.assign(aged, { pipeline });
}

describe("ProducePipeline (metadata.max.age.ms, the refresh refused)", () => {
  test("a refresh for age answered TOPIC_AUTHORIZATION_FAILED: the topic is forgotten, as Java's metadata drops it; the next send asks again and fails with the refusal", async () => {
    const aged = await agedPipeline(() => Promise.reject(new ProtocolError("TOPIC_AUTHORIZATION_FAILED")));
    const { broker, pipeline } = aged;
    const first = appendAll(pipeline, [1]);
    await waitFor(() => broker.requests.length === 1);
    broker.deliver(0);
    await first.all;
    expect(first.outcomes).toEqual([0]); // sent to the leader known while the refresh was out
    await waitFor(() => aged.asked === 1);
    aged.clock = 1001;
    const second = appendAll(pipeline, [2]);
    await second.all;
    expect(second.outcomes[0]).toStartWith("failed: Could not get metadata: ");
    expect(second.outcomes[0]).toContain("Topic authorization failed");
    expect(broker.requests).toHaveLength(1);
    expect(aged.asked).toBe(2);
  });
});

describe("ProducePipeline (metadata.max.age.ms, one topic of several refused)", () => {
  test("a refresh for age of two topics, one answered TOPIC_AUTHORIZATION_FAILED: only that one is forgotten and fails; the other's records are written", async () => {
    const broker = new FakeBroker(1);
    let clock = 0;
    const pipeline = new ProducePipeline(broker, settings({ metadataMaxAgeMs: 1000 }), () => clock);
    const outcomes = (appends: Promise<number | readonly number[]>[]) => {
      const all = Promise.all(appends.map((a) => a.then(String, (e: Error) => `failed: ${e.message}`)));
      let done = false;
      void all.then(() => {
        done = true;
      });
      return { all, done: () => done };
    };
    /** Appends one batch to each topic at once (one pump takes them together) and answers every request. */
    const sendBoth = async (label: number, topics = ["refused", "allowed"]) => {
      const sent = outcomes(topics.map((t, i) => append(pipeline, t, 0, batch(label + i), 1)));
      while (!sent.done()) {
        await waitFor(() => sent.done() || broker.requests.some((r) => !r.delivered));
        for (const [i, r] of broker.requests.entries()) if (!r.delivered) broker.deliver(i);
      }
      return sent.all;
    };
    expect(await sendBoth(0)).toEqual(["0", "0"]);
    const { asked } = refusingTopic(broker, true);
    clock = 1000;
    expect(await sendBoth(10)).toEqual(["1", "1"]); // to the leaders known while the refresh is out
    await waitFor(() => asked.length === 3);
    expect(asked).toEqual([["refused", "allowed"], ["refused"], ["allowed"]]);
    clock = 1001;
    const [refused, allowed] = await sendBoth(20);
    expect(refused).toStartWith("failed: Could not get metadata: ");
    expect(allowed).toBe("2");
  });
});

describe("ProducePipeline (leadership moved, one topic of several refused)", () => {
  test("the foreground refresh of two topics, one answered TOPIC_AUTHORIZATION_FAILED: each is asked alone; only the refused one's batch fails, the other's is written", async () => {
    const broker = new FakeBroker(1);
    const topics = ["refused", "allowed"];
    const pipeline = await warmedTopics(broker, settings(), topics);
    const { asked } = refusingTopic(broker, true);
    const sends = topics.map((t) =>
      append(pipeline, t, 0, batch(1), 1).then(String, (e: Error) => `failed: ${e.message}`),
    );
    await waitFor(() => broker.requests.length === 2);
    broker.deliver(1, { "refused-0": 6, "allowed-0": 6 }); // NOT_LEADER_OR_FOLLOWER: leadership to be asked again
    await waitFor(() => broker.requests.length === 3);
    broker.deliver(2);
    const [refused, allowed] = await Promise.all(sends);
    expect(refused).toStartWith("failed: Could not get metadata: ");
    expect(allowed).toBe("1");
    expect(asked.slice(0, 3)).toEqual([["refused", "allowed"], ["refused"], ["allowed"]]);
  });
});

describe("ProducePipeline (a topic refused metadata while its batches are queued or on the wire)", () => {
  test("only the refused topic's batches fail, with Java's TopicAuthorizationException naming it: the producer goes on; the others are written once, in order; its partition takes the next epoch for the sequences its batch sent before took, and is written once allowed again", async () => {
    const broker = new FakeBroker(1);
    const topics = ["refused", "allowed"];
    const pipeline = await warmedTopics(broker, settings(), topics);
    const acl = refusingTopic(broker, true);
    // refused-0: batch 1 sent (sequence 1), batch 2 queued behind it; allowed-0: batches 1 and 2.
    const sent = settled(append(pipeline, "refused", 0, batch(1), 1));
    const allowed = [settled(append(pipeline, "allowed", 0, batch(1), 1))];
    await waitFor(() => broker.requests.length === 2);
    const queued = settled(append(pipeline, "refused", 0, batch(2), 1));
    allowed.push(settled(append(pipeline, "allowed", 0, batch(2), 1)));
    await waitFor(() => broker.requests.length === 3);
    broker.deliver(1, { "refused-0": 6, "allowed-0": 6 }); // NOT_LEADER_OR_FOLLOWER: the foreground refresh is refused
    broker.deliver(2, { "allowed-0": 45 }); // behind allowed's batch 1: OUT_OF_ORDER_SEQUENCE_NUMBER, sent again after it
    const refusals = await Promise.all([sent, queued]);
    for (const refusal of refusals) {
      const error = refusal as Error;
      expect(error).toBeInstanceOf(Error);
      expect(kafkaErrorOf(error)).toBe("TOPIC_AUTHORIZATION_FAILED");
      expect(error.cause).toBeInstanceOf(KafkaAccessError);
      expect((error.cause as KafkaAccessError).unauthorizedTopics).toEqual(["refused"]);
    }
    expect(refusals[0]).toBeInstanceOf(RefusedBatch); // on the wire before, not written
    expect(pipeline.failure).toBeUndefined();
    allowed.push(settled(append(pipeline, "allowed", 0, batch(3), 1)));
    await broker.deliverUntil(Promise.all(allowed));
    expect(await Promise.all(allowed)).toEqual(["1", "2", "3"]);
    expect(broker.logs.get("allowed-0")).toEqual([0, 1, 2, 3]);
    acl.refusing = false; // the ACL given back: the refused partition goes on at its next epoch, from sequence 0
    const again = settled(append(pipeline, "refused", 0, batch(4), 1));
    await broker.deliverUntil(again);
    expect(await again).toBe("1");
    expect(broker.logs.get("refused-0")).toEqual([0, 4]);
    expect(broker.requests.at(-1)!.sent).toEqual([[4, 0]]);
    expect(broker.requests.at(-1)!.epochs).toEqual([1]);
  });

  test("the refused batch that took a sequence behind one still on the wire: the one ahead is written once; the partition takes the next epoch only then (refuse's gap), nothing written twice", async () => {
    const broker = new FakeBroker(1);
    const pipeline = await warmedTopics(broker, settings(), ["refused"]);
    const acl = refusingTopic(broker, false);
    const ahead = settled(append(pipeline, "refused", 0, batch(1), 1));
    await waitFor(() => broker.requests.length === 2);
    const behind = settled(append(pipeline, "refused", 0, batch(2), 1));
    await waitFor(() => broker.requests.length === 3);
    acl.refusing = true;
    broker.deliver(2, { "refused-0": 6 }); // NOT_LEADER_OR_FOLLOWER: the foreground refresh is refused
    const refusal = (await behind) as Error;
    expect(kafkaErrorOf(refusal)).toBe("TOPIC_AUTHORIZATION_FAILED");
    expect(pipeline.failure).toBeUndefined();
    broker.deliver(1);
    expect(await ahead).toBe("1");
    acl.refusing = false;
    const again = settled(append(pipeline, "refused", 0, batch(3), 1));
    await broker.deliverUntil(again);
    expect(await again).toBe("2");
    expect(broker.logs.get("refused-0")).toEqual([0, 1, 3]);
    expect(broker.requests.at(-1)!.epochs).toEqual([1]);
  });

  test.each([true, false])(
    "the refused batch that took a sequence may have been written (its answer lost) and one behind it is on the wire: that one is not failed as not written nor sent again from sequence 0 (keepOrderAfterRefusal %p); nothing written twice",
    async (keepOrderAfterRefusal) => {
      const broker = new FakeBroker(1);
      const pipeline = await warmedTopics(broker, settings({ keepOrderAfterRefusal }), ["refused"]);
      const acl = refusingTopic(broker, false);
      const ahead = settled(append(pipeline, "refused", 0, batch(1), 1));
      await waitFor(() => broker.requests.length === 2);
      const behind = settled(append(pipeline, "refused", 0, batch(2), 1));
      await waitFor(() => broker.requests.length === 3);
      acl.refusing = true;
      // Both written, both answers lost (a connection dropped): batch 1 waits for a retry, refused metadata.
      for (const index of [1, 2]) broker.handle(broker.requests[index]!);
      broker.requests[1]!.delivered = true;
      broker.requests[1]!.failWith(new NetworkError("Connection closed"));
      const refusal = (await ahead) as Error;
      expect(kafkaErrorOf(refusal)).toBe("TOPIC_AUTHORIZATION_FAILED");
      expect(refusal).not.toBeInstanceOf(RefusedBatch); // may have been written
      broker.requests[2]!.delivered = true;
      broker.requests[2]!.failWith(new NetworkError("Connection closed"));
      acl.refusing = false; // the ACL given back before batch 2 is settled
      const outcome = await Promise.race([behind, broker.deliverUntil(behind).then(() => behind)]);
      expect(outcome).not.toBeInstanceOf(NotSentError); // it was written: the caller would send it again
      expect(broker.logs.get("refused-0")).toEqual([0, 1, 2]);
      const again = settled(append(pipeline, "refused", 0, batch(3), 1));
      await broker.deliverUntil(again);
      expect(broker.logs.get("refused-0")).toEqual([0, 1, 2, 3]);
    },
  );
});

describe("ProducePipeline (a topic refused while its batch is on the wire)", () => {
  test("a partition with only batches on the wire needs no leader: the other topic's batch goes at once, its metadata is not asked for again (no Metadata request loop), and the one on the wire settles on its answer", async () => {
    const broker = new FakeBroker(1);
    let clock = 0;
    const pipeline = new ProducePipeline(broker, settings({ metadataMaxAgeMs: 1000 }), () => clock);
    const first = append(pipeline, "refused", 0, batch(0), 1);
    await waitFor(() => broker.requests.length === 1);
    broker.deliver(0);
    clock = 500;
    const second = append(pipeline, "allowed", 0, batch(1), 1);
    await waitFor(() => broker.requests.length === 2);
    broker.deliver(1);
    expect(await Promise.all([first, second])).toEqual([0, 0]);
    let asked = 0;
    broker.leaders = () => {
      asked++;
      return Promise.reject(new ProtocolError("TOPIC_AUTHORIZATION_FAILED"));
    };
    clock = 1000; // "refused" is asked again in the background (and forgotten) while its batch is on the wire
    const onWire = append(pipeline, "refused", 0, batch(2), 1);
    await waitFor(() => broker.requests.length === 3 && pipeline.knownPartitionCount("refused") === undefined);
    const other = append(pipeline, "allowed", 0, batch(3), 1);
    await waitFor(() => broker.requests.length === 4); // before the answer to the one on the wire
    broker.deliver(3);
    broker.deliver(2);
    expect(await Promise.all([onWire, other])).toEqual([1, 1]);
    expect(asked).toBe(1);
  });

  test("its batch on the wire, forgotten with its topic, that comes back NOT_LEADER_OR_FOLLOWER asks for a leader again and is written once (the ACL given back meanwhile)", async () => {
    const broker = new FakeBroker(1);
    let clock = 0;
    let ticking = false; // each reading a millisecond later (retry.backoff.ms passes)
    const pipeline = new ProducePipeline(broker, settings({ metadataMaxAgeMs: 1000 }), () =>
      ticking ? ++clock : clock,
    );
    const first = append(pipeline, "refused", 0, batch(0), 1);
    await waitFor(() => broker.requests.length === 1);
    broker.deliver(0);
    expect(await first).toBe(0);
    const acl = refusingTopic(broker, true);
    clock = 1000; // "refused" is asked again in the background (and forgotten) while its batch is on the wire
    const onWire = append(pipeline, "refused", 0, batch(1), 1);
    await waitFor(() => broker.requests.length === 2 && pipeline.knownPartitionCount("refused") === undefined);
    acl.refusing = false;
    ticking = true;
    broker.deliver(1, { "refused-0": 6 });
    await broker.deliverUntil(onWire);
    expect(await onWire).toBe(1);
    expect(broker.logs.get("refused-0")).toEqual([0, 1]);
  });
});

describe("ProducePipeline (metadata.max.age.ms, the refresh not answered)", () => {
  test.each([
    ["hangs", () => new Promise<never>(() => {})],
    ["fails", () => Promise.reject(new NetworkError("Connection closed"))],
  ])(
    "a refresh for age that %s does not hold sends back: they go to the leaders known, as Java's producer sends while its metadata is asked again",
    async (_, answer) => {
      const aged = await agedPipeline(answer);
      const { broker, pipeline } = aged;
      const { outcomes, all } = appendAll(pipeline, [1]);
      await waitFor(() => broker.requests.length === 1);
      broker.deliver(0);
      await all;
      expect(outcomes).toEqual([0]);
      expect(aged.asked).toBe(1); // asked again after retry.backoff.ms, not before every send
    },
  );
});

/** A broker whose metadata fails with `failing` while it is set, counting the asks. */
class FlakyMetadata extends FakeBroker {
  failing: Error | undefined;
  asks = 0;
  override async leaders(topics: readonly string[]): Promise<Map<string, readonly number[]>> {
    this.asks++;
    if (this.failing) throw this.failing;
    return super.leaders(topics);
  }
}

describe("ProducePipeline when a turn's ask fails retriably", () => {
  test("the turn sends nothing more: a batch whose partition was answered NOT_LEADER_OR_FOLLOWER goes to its leader known at the next turn, not in the one whose ask failed", async () => {
    const broker = new FlakyMetadata();
    const clock = { now: 0 };
    const pipeline = await warmedUp(broker, settings({ retryBackoffMs: 100 }), () => clock.now); // refresh backoff to 100
    clock.now = 10;
    const written = append(pipeline, "t", 0, batch(1), 1);
    await waitFor(() => broker.requests.length === 1);
    clock.now = 50;
    broker.deliver(0, { "t-0": 6 }); // NOT_LEADER_OR_FOLLOWER: t-0 marked, its batch retried after 150
    await new Promise((resolve) => setImmediate(resolve)); // the turn after it: within the refresh backoff, it asks nothing
    const asks = broker.asks;
    broker.failing = new NetworkError("Connection closed", { canRetry: true });
    clock.now = 200; // both backoffs over: the next turn asks, and the ask fails
    await waitFor(() => broker.asks > asks, { what: "the ask of the turn after the backoffs" });
    await new Promise((resolve) => setImmediate(resolve)); // that turn over
    expect(broker.requests.length).toBe(1);
    // The next turn, within the refresh backoff the failure started, sends it to its leader known.
    await waitFor(() => broker.requests.length === 2, { what: "the batch sent by the next turn" });
    expect(broker.requests[1]!.node).toBe(1);
    broker.deliver(1);
    expect(await written).toBe(0);
    pipeline.close(new Error("closed"));
  });
});
