import { describe, expect, test } from "bun:test";
import { settled } from "../../../test/support/wait-for.ts";
import { NotSentError } from "../send-rejection.ts";
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
  return { acc: new RecordAccumulator(s, settlement, now, () => turns.asked++), turns, settlement };
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

  test("close fails a batch on the wire as may have been written (its reason), one only queued as never sent", async () => {
    const { acc } = accumulator();
    const onWire = acc.appendBatch("t", 0, batch(0), 1);
    const queued = acc.appendBatch("t", 0, batch(1), 1);
    const sent = onWire.batch!;
    sent.part.sent(sent, () => {});
    sent.wentOut = true; // its request was written (InFlightRequests)
    const outcomes = [outcomeOf(onWire.outcome), outcomeOf(queued.outcome)];
    const reason = new Error("The producer was closed: the batch may have been written");
    acc.close(reason);
    const [wire, never] = await Promise.all(outcomes);
    expect(sent.uncertain).toBe(true);
    expect(wire).toBe(reason);
    expect(never).toBeInstanceOf(NeverSentBatch);
    expect(String(never)).toBe(`NeverSentBatch: ${reason.message}`);
  });

  test("after the producer failed a batch is refused at once as not sent, naming the failure, and asks for no turn", async () => {
    const { acc, turns, settlement } = accumulator();
    const first = acc.appendBatch("t", 0, batch(0), 1);
    const firstOutcome = outcomeOf(first.outcome);
    const failure = new Error("CLUSTER_AUTHORIZATION_FAILED");
    settlement.fail(first.batch!, failure);
    expect(await firstOutcome).toBeInstanceOf(NeverSentBatch);

    const refused = acc.appendBatch("t", 1, batch(1), 1);
    expect(refused.batch).toBeUndefined();
    const error = await outcomeOf(refused.outcome);
    expect(error).toBeInstanceOf(NotSentError);
    expect([String(error), (error as Error).cause]).toEqual([
      "NotSentError: Not sent: the producer failed earlier (CLUSTER_AUTHORIZATION_FAILED)",
      failure,
    ]);
    expect([turns.asked, acc.pending]).toEqual([1, 0]);
  });

  test("with keepOrderAfterRefusal a send taken before the partition's last refusal (`since`) is refused as not sent; one taken after it is appended", async () => {
    const { acc, turns, settlement } = accumulator({ keepOrderAfterRefusal: true, batchBytes: 0 });
    const since = settlement.refusals;
    const refusedFirst = acc.appendBatch("t", 0, batch(0), 1, undefined, since);
    const firstOutcome = outcomeOf(refusedFirst.outcome);
    settlement.refuse(refusedFirst.batch!, 87, "bad record", 0); // INVALID_RECORD: this batch alone
    expect(String(await firstOutcome)).toContain("INVALID_RECORD");

    const behind = acc.appendBatch("t", 0, batch(1), 1, undefined, since);
    expect(behind.batch).toBeUndefined();
    const error = await outcomeOf(behind.outcome);
    expect(error).toBeInstanceOf(NotSentError);
    expect(String(error)).toBe("NotSentError: Not sent: an earlier batch of t-0 failed");

    // Taken after the refusal, on another partition, or with no `since`: appended.
    const after = acc.appendBatch("t", 0, batch(2), 1, undefined, settlement.refusals);
    const other = acc.appendBatch("t", 1, batch(3), 1, undefined, since);
    const unordered = acc.appendBatch("t", 0, batch(4), 1);
    expect([after.batch, other.batch, unordered.batch].every((b) => b !== undefined)).toBe(true);
    expect([turns.asked, acc.pending, acc.queuedBatches("t", 0)]).toEqual([4, 3, 2]);
  });

  test("without keepOrderAfterRefusal the partition goes on after a refusal whatever `since` says", async () => {
    const { acc, settlement } = accumulator();
    const since = settlement.refusals;
    const refusedFirst = acc.appendBatch("t", 0, batch(0), 1, undefined, since);
    const firstOutcome = outcomeOf(refusedFirst.outcome);
    settlement.refuse(refusedFirst.batch!, 87, "bad record", 0);
    await firstOutcome;
    expect(acc.appendBatch("t", 0, batch(1), 1, undefined, since).batch).toBeDefined();
  });
});
