import { describe, expect, test } from "bun:test";
import { settled } from "../../../test/support/wait-for.ts";
import { NeverSentBatch } from "./batch-failures.ts";
import { BatchSettlement } from "./batch-settlement.ts";
import type { PipelineSettings } from "./pipeline-settings.ts";
import { batch, settings } from "./produce-pipeline-test-support.ts";
import { RecordAccumulator } from "./record-accumulator.ts";

/** An accumulator alone (no pipeline sends its batches), counting the turns it asked for. */
function accumulator(over: Partial<PipelineSettings> = {}) {
  const s = settings(over);
  const now = () => 0;
  const turns = { asked: 0 };
  const settlement = new BatchSettlement(
    s,
    now,
    () => {},
    () => 1,
  );
  return { acc: new RecordAccumulator(s, settlement, now, () => turns.asked++), turns };
}

/** What `outcome` settled with: the offset, or the error. */
const outcomeOf = (outcome: Promise<number | readonly number[]>) =>
  settled(
    outcome.then(
      (offset) => offset,
      (error: unknown) => error,
    ),
  );

describe("RecordAccumulator", () => {
  test("each append queues the batch on its partition and asks for a turn; the partitioner counts them in batch.size units", () => {
    const { acc, turns } = accumulator({ batchBytes: 100 });
    for (let i = 0; i < 3; i++) acc.appendBatch("t", 1, batch(i), 1); // 65 bytes each
    expect({
      asked: turns.asked,
      pending: acc.pending,
      queued: [acc.queuedBatches("t", 0), acc.queuedBatches("t", 1), acc.queuedBatches("u", 0)],
      inUse: [acc.inUse("t"), acc.inUse("u")],
    }).toEqual({ asked: 3, pending: 3, queued: [0, 2, 0], inUse: [true, false] });
  });

  test("with batch.size 0 the partitioner counts records, as Java's deque of one-record batches", () => {
    const { acc } = accumulator({ batchBytes: 0 });
    acc.appendBatch("t", 0, batch(1, 2, 3), 3);
    acc.appendBatch("t", 0, batch(4), 1);
    expect(acc.queuedBatches("t", 0)).toBe(4);
  });

  test("a batch only queued is withdrawn as never sent, once; drained resolves when none is pending", async () => {
    const { acc } = accumulator({ batchBytes: 0 });
    const kept = acc.appendBatch("t", 0, batch(0), 1);
    const taken = acc.appendBatch("t", 0, batch(1), 1);
    expect(acc.withdraw(taken.batch!)).toBe(true);
    expect(acc.withdraw(taken.batch!)).toBe(false);
    const withdrawn = await outcomeOf(taken.outcome);
    expect(String(withdrawn)).toBe("NeverSentBatch: The batch was withdrawn before it was sent");
    expect([acc.pending, acc.queuedBatches("t", 0)]).toEqual([1, 1]);

    const keptOutcome = outcomeOf(kept.outcome);
    acc.close(new Error("closed forcefully"));
    await settled(acc.drained());
    const closed = await keptOutcome;
    expect(closed).toBeInstanceOf(NeverSentBatch);
    expect([String(closed), acc.pending, acc.queuedBatches("t", 0), acc.inUse("t")]).toEqual([
      "NeverSentBatch: closed forcefully",
      0,
      0,
      false,
    ]);
  });

  test("after close a batch is refused at once as never sent, and asks for no turn", async () => {
    const { acc, turns } = accumulator();
    acc.close(new Error("closed"));
    const refused = acc.appendBatch("t", 0, batch(0), 1);
    expect(refused.batch).toBeUndefined();
    expect(String(await outcomeOf(refused.outcome))).toBe("NeverSentBatch: The producer is closed");
    expect([turns.asked, acc.pending, acc.closed]).toEqual([0, 0, true]);
  });
});
