import { describe, expect, test } from "bun:test";
import { UserError } from "@platformatic/kafka";
import { waitFor } from "../../../test/support/wait-for.ts";
import { ProducePipeline } from "./produce-pipeline.ts";
import { batch, FakeBroker, settings } from "./produce-pipeline-test-support.ts";

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
    const s = settings({ retryBackoffMs: 60_000, deliveryTimeoutMs: 600_000, onRetry: (m) => retries.push(m) });
    const pipeline = new ProducePipeline(broker, s, () => clock);
    const warm = ["gone", "kept"].map((t) => pipeline.append(t, 0, batch(0), 1));
    await waitFor(() => broker.requests.length === 1);
    broker.deliver(0);
    await Promise.all(warm);
    broker.deleted = true;
    const lost = pipeline.append("gone", 0, batch(1), 1);
    const first = pipeline.append("kept", 0, batch(1), 1);
    await waitFor(() => broker.requests.length === 2);
    // UNKNOWN_TOPIC_OR_PARTITION and NOT_LEADER_OR_FOLLOWER: both retried after leaders are asked again.
    broker.deliver(1, { "gone-0": 3, "kept-0": 6 });
    await waitFor(() => retries.length > 0); // the answer taken at clock 0: both due again at 60 000
    clock = 60_000;
    const second = pipeline.append("kept", 0, batch(2), 1);
    await broker.deliverUntil(Promise.all([first, second]));
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(broker.logs.get("gone-0")).toEqual([0]);
    // The refresh done (the kept topic answered): one backoff later only the deleted topic is asked again, alone,
    // not both together and then each alone.
    const calls = broker.metadataCalls;
    clock = 120_000;
    const third = pipeline.append("kept", 0, batch(3), 1);
    await broker.deliverUntil(third);
    expect(await third).toBe(3);
    expect(broker.metadataCalls - calls).toBe(1);
    pipeline.close(new Error("closed"));
    expect(await lost.catch((e: Error) => e.message)).toBe("closed");
  });
});

/** A broker of topic t, 2 partitions, whose metadata knows no leader for t-1 (its leader down), counting its calls. */
class LeaderlessBroker extends FakeBroker {
  metadataCalls = 0;
  override async leaders(topics: readonly string[]): Promise<Map<string, readonly number[]>> {
    this.metadataCalls++;
    return new Map(topics.map((t) => [t, [1, -1]]));
  }
}

describe("ProducePipeline while a partition has no leader", () => {
  test("metadata is asked again at most once per retry.backoff.ms, as Java's, while the other partition's batches are written", async () => {
    const broker = new LeaderlessBroker(2);
    let clock = 0;
    const pipeline = new ProducePipeline(broker, settings({ retryBackoffMs: 100 }), () => clock);
    const waiting = pipeline.append("t", 1, batch(0), 1);
    for (let label = 1; label <= 5; label++) {
      const written = pipeline.append("t", 0, batch(label), 1);
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
