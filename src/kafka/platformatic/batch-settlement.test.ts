import { describe, expect, test } from "bun:test";
import { BatchSettlement } from "./batch-settlement.ts";
import { type Batch, type BatchOutcome, PartitionBatches } from "./partition-batches.ts";
import { batch, settings, splitter } from "./produce-pipeline-test-support.ts";

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
  const b: Batch = {
    part,
    records: batch(0, 1),
    count: 2,
    deadline: 1_000,
    settle: (outcome) => outcomes.push(outcome),
    split: splitter([0, 1]),
    state: "done",
    sequence: -1,
    place: -1,
    generation: 0,
    retryAt: 0,
    attempts: 0,
    uncertain: false,
    settled: false,
  };
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
