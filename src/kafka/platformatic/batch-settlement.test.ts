import { describe, expect, test } from "bun:test";
import { BatchSettlement } from "./batch-settlement.ts";
import { type Batch, type BatchOutcome, PartitionBatches } from "./partition-batches.ts";
import { batch, settings, splitter, testBatch } from "./produce-pipeline-test-support.ts";
import { UnansweredRequests } from "./unanswered-requests.ts";

/** A batch of two records of t-0 on the wire, the outcomes it settles with, and the settlement that settles it. */
function onTheWire() {
  const settlement = new BatchSettlement(
    settings(),
    () => 0,
    () => {},
    () => 1,
  );
  const part = new PartitionBatches("t", 0, true);
  const outcomes: BatchOutcome[] = [];
  const b = testBatch(part, {
    records: batch(0, 1),
    count: 2,
    deadline: 1_000,
    settle: (outcome) => outcomes.push(outcome),
    split: splitter([0, 1]),
  });
  part.append(b);
  part.sent(b, () => {});
  return { settlement, b, outcomes };
}

const refused = new Error("refused");
const written = (s: BatchSettlement, b: Batch) => s.succeed(b, 7);
const failed = (s: BatchSettlement, b: Batch) => s.fail(b, refused);

// Review pbstate-b P3: a second outcome counted the batch out of the pipeline's pending ones twice (drained() and flush
// resolved early; a split's piece counter settled the big batch before its other pieces were written).
describe("BatchSettlement when a batch is given a second outcome", () => {
  test.each([
    ["written twice", written, written, [7]],
    ["written, then failed", written, failed, [7]],
    ["failed, then written", failed, written, [refused]],
    ["failed twice", failed, failed, [refused]],
  ])("%s: it settles once, with its first", (_, first, second, expected) => {
    const { settlement, b, outcomes } = onTheWire();
    first(settlement, b);
    second(settlement, b);
    expect(outcomes).toEqual(expected);
  });

  test("split (its pieces settle it), then failed: it is not settled by the failure", () => {
    const { settlement, b, outcomes } = onTheWire();
    settlement.split(b, 10, null, () => {});
    failed(settlement, b);
    expect(outcomes).toEqual([]);
    const pieces = [...b.part.queue];
    expect(pieces).toHaveLength(2);
    for (const [i, piece] of pieces.entries()) {
      b.part.sent(piece, () => {});
      settlement.succeed(piece, 10 + i);
    }
    expect(outcomes).toEqual([[10, 11]]);
  });
});

/**
 * A settlement on a clock the test sets (`at`) whose retry WARN budget a WARN at 0 spent, its WARNs and wakes, and a
 * batch of two records of t-0 on the wire.
 */
function budgetSpent() {
  const warnings: string[] = [];
  const wakes: number[] = [];
  let clock = 0;
  const settlement = new BatchSettlement(
    settings({ onRetry: (m) => warnings.push(m) }),
    () => clock,
    (at) => wakes.push(at),
    () => 1,
  );
  const part = new PartitionBatches("t", 0, true);
  const b = testBatch(part, { records: batch(0, 1), count: 2, deadline: 120_000, split: splitter([0, 1]) });
  part.append(b);
  part.sent(b, () => {});
  settlement.retryWarnings.warn(0, () => "an earlier retry");
  return { settlement, b, warnings, wakes, at: (ms: number) => (clock = ms) };
}

describe("BatchSettlement's WARNs held back by the retry warnings' budget", () => {
  test("a retry's is not written once its batch was written", () => {
    const { settlement, b, warnings, wakes, at } = budgetSpent();
    at(1_000);
    settlement.retry(b, 6, null);
    b.part.sent(b, () => {});
    settlement.succeed(b, 7);
    settlement.retryWarnings.writeHeld(at(5_000));
    expect([warnings, wakes]).toEqual([["an earlier retry"], [b.retryAt, 5_000]]);
  });

  test("a retry's, written once the budget allows, says how long ago the retry was", () => {
    const { settlement, b, warnings, at } = budgetSpent();
    at(1_000);
    settlement.retry(b, 6, null);
    settlement.retryWarnings.writeHeld(at(5_000));
    expect(warnings).toEqual([
      "an earlier retry",
      "Kafka rejected 2 record(s) for t-0: NOT_LEADER_OR_FOLLOWER; retrying (attempt 2) until delivery.timeout.ms (retried 4 s ago; held back by the one-WARN-per-interval budget)",
    ]);
  });

  test("a retry held back after a silent broker's WARN was: both are written, the broker's first", () => {
    const { settlement, b, warnings, at } = budgetSpent();
    const unanswered = new UnansweredRequests({
      requestTimeoutMs: 30_000,
      address: (node) => `127.0.0.1:${9090 + node}`,
      warnings: settlement.retryWarnings,
      wakeAt: () => {},
      error: (message) => new Error(message),
    });
    unanswered.sent(2, 1_000); // broker 2 never answers
    settlement.retryWarnings.warn(at(5_000), () => "a retry"); // the budget spent until 10 s
    unanswered.check(at(6_000)); // held back
    at(7_000);
    settlement.retry(b, 6, null); // held back too, in its own slot
    for (let t = 7_500; t <= 15_000; t += 500) {
      unanswered.check(at(t));
      settlement.retryWarnings.writeHeld(t);
    }
    expect(warnings).toEqual([
      "an earlier retry",
      "a retry",
      "Kafka broker 2 (127.0.0.1:9092) has not answered a produce request for 9 s (request.timeout.ms 30000); waiting until request.timeout.ms",
      "Kafka rejected 2 record(s) for t-0: NOT_LEADER_OR_FOLLOWER; retrying (attempt 2) until delivery.timeout.ms (retried 8 s ago; held back by the one-WARN-per-interval budget)",
    ]);
  });

  test("a split's is written once the budget allows, not dropped", () => {
    const { settlement, b, warnings, wakes, at } = budgetSpent();
    at(1_000);
    settlement.split(b, 10, null, () => {});
    expect([warnings, wakes]).toEqual([["an earlier retry"], [5_000]]);
    settlement.retryWarnings.writeHeld(at(5_000));
    expect(warnings).toEqual([
      "an earlier retry",
      "Kafka rejected 2 record(s) for t-0: MESSAGE_TOO_LARGE; splitting it into 2 batches and sending them again",
    ]);
  });
});
