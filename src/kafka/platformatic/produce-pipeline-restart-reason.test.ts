/**
 * The reason a partition's restart (next producer epoch, sequences from 0) gives in its retry
 * warning (review P3): "a batch before it was refused" only while the sequence gap that refusal
 * left is what the broker answered for; after an epoch change in between (another refusal that
 * took the next epoch) a later OUT_OF_ORDER_SEQUENCE_NUMBER is the broker having lost the
 * producer's state, and the warning says so.
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import { appendAll, FakeBroker, settings, warmedUp } from "./produce-pipeline-test-support.ts";

/** A clock a minute further on at each reading: every retry warning is logged (none throttled). */
function stepping(): () => number {
  let now = 0;
  return () => (now += 60_000);
}
const patient = { deliveryTimeoutMs: Number.MAX_SAFE_INTEGER / 2 };

describe("ProducePipeline restart reasons", () => {
  test("a refusal behind an unsettled batch names itself as the reason of the restart that follows", async () => {
    const broker = new FakeBroker();
    broker.refusals.set(1, 87);
    const warnings: string[] = [];
    const pipeline = await warmedUp(broker, settings({ ...patient, onRetry: (m) => warnings.push(m) }), stepping());
    const { all } = appendAll(pipeline, [0, 1, 2]);
    await waitFor(() => broker.requests.length === 3);
    broker.deliver(0, { "t-0": 6 }); // NOT_LEADER_OR_FOLLOWER: retried with its sequence
    broker.deliver(1); // INVALID_RECORD behind batch 0, not settled yet: no epoch bump
    broker.deliver(2); // OUT_OF_ORDER_SEQUENCE_NUMBER: batch 1's sequence is missing
    await broker.deliverUntil(all);
    expect(warnings.filter((w) => w.includes("sequences from 0"))).toEqual([
      "Kafka rejected 1 record(s) for t-0: OUT_OF_ORDER_SEQUENCE_NUMBER; a batch before it was refused: sending t-0's pending batches again in order with producer epoch 1 and sequences from 0, one on the wire until one is written; retrying (attempt 3) until delivery.timeout.ms",
    ]);
  });

  test("after an unrelated epoch change, a later restart says the broker lost the producer's state", async () => {
    const broker = new FakeBroker();
    broker.refusals.set(1, 87);
    broker.refusals.set(0, 87);
    const warnings: string[] = [];
    const pipeline = await warmedUp(broker, settings({ ...patient, onRetry: (m) => warnings.push(m) }), stepping());
    const first = appendAll(pipeline, [0, 1, 2]);
    await waitFor(() => broker.requests.length === 3);
    broker.deliver(0, { "t-0": 6 }); // NOT_LEADER_OR_FOLLOWER: retried
    broker.deliver(1); // INVALID_RECORD behind batch 0: a sequence gap, no epoch bump yet
    broker.deliver(2); // OUT_OF_ORDER_SEQUENCE_NUMBER: waits behind batch 0
    // Batch 0's retry is refused too, as the oldest: the partition takes epoch 1, batch 2 goes at
    // sequence 0 and is written. The gap batch 1 left is gone with epoch 0.
    await broker.deliverUntil(first.all);
    expect(broker.logs.get("t-0")).toEqual([2]);
    warnings.length = 0;
    const second = appendAll(pipeline, [3]);
    await waitFor(() => broker.requests.some((r) => !r.delivered));
    broker.deliver(
      broker.requests.findIndex((r) => !r.delivered),
      { "t-0": 45 },
    ); // the broker lost this producer's state
    await broker.deliverUntil(second.all);
    // The stepping clock has every request unanswered for minutes: those WARNs are unanswered-requests.test.ts'.
    expect(warnings.filter((w) => w.includes("sequences from 0"))).toEqual([
      "Kafka rejected 1 record(s) for t-0: OUT_OF_ORDER_SEQUENCE_NUMBER; the broker lost this producer's state: sending t-0's pending batches again in order with producer epoch 2 and sequences from 0, one on the wire until one is written; retrying (attempt 2) until delivery.timeout.ms",
    ]);
  });
});
