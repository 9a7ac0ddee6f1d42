import { describe, expect, test } from "bun:test";
import type { SourceRecord } from "../api/record.ts";
import type { StagedOffsets } from "./source-offset-staging.ts";
import { SubmittedOffsets } from "./submitted-offsets.ts";
import { offsetRecord } from "./task-test-support.ts";

const rec = offsetRecord;

function committable(submitted: SubmittedOffsets): StagedOffsets {
  const staged: StagedOffsets = new Map();
  submitted.committable(staged);
  return staged;
}

/** Each batch submitted in order, then acknowledged whole. */
function acknowledgedInOrder(...batches: SourceRecord[][]): StagedOffsets {
  const submitted = new SubmittedOffsets();
  for (const batch of batches.map((records) => submitted.submit(records))) submitted.acknowledge(batch);
  return committable(submitted);
}

describe("SubmittedOffsets", () => {
  test("stages each partition's last offset, a null one as a tombstone (Connect's SubmittedRecords)", () => {
    const staged = acknowledgedInOrder([
      rec({ file: "a" }, { pos: 1 }),
      rec({ file: "b" }, { pos: 1 }),
      rec({ file: "a" }, null),
      rec({ file: "b" }, { pos: 2 }),
    ]);
    expect(Object.fromEntries(staged)).toEqual({
      '{"file":"a"}': { partition: { file: "a" }, offset: null },
      '{"file":"b"}': { partition: { file: "b" }, offset: { pos: 2 } },
    });
  });

  test("a record without a partition stages nothing, whatever its offset", () => {
    const submitted = new SubmittedOffsets();
    const batch = submitted.submit([rec(null, null), rec(null, { pos: 1 })]);
    expect(batch).toEqual([]);
    // No allocation for such a batch (ingest in kafka mode): every one gets the same empty batch.
    expect(submitted.submit([rec(null, null)])).toBe(batch);
    submitted.acknowledge(batch);
    expect(committable(submitted).size).toBe(0);
  });

  test("a later batch's offset replaces a tombstone staged before it", () => {
    const staged = acknowledgedInOrder([rec({ file: "a" }, null)], [rec({ file: "a" }, { pos: 3 })]);
    expect([...staged.values()]).toEqual([{ partition: { file: "a" }, offset: { pos: 3 } }]);
  });

  // review-ppack P2: every poll batch's range stayed until the next commit (16 MB for 120,000 one-record batches).
  test("a partition acknowledged in order keeps one range between commits, not one per batch", () => {
    const submitted = new SubmittedOffsets();
    for (let i = 0; i < 1000; i++) submitted.acknowledge(submitted.submit([rec({ spool: "s" }, { seq: i })]));
    expect(submitted.held).toBe(1);
    const held = submitted.submit([rec({ spool: "s" }, { seq: 1000 })]);
    for (let i = 1001; i < 1010; i++) submitted.acknowledge(submitted.submit([rec({ spool: "s" }, { seq: i })]));
    // Ranges behind one not yet acknowledged wait for it (only an acknowledged head is superseded).
    expect(submitted.held).toBe(11);
    expect([...committable(submitted).values()]).toEqual([{ partition: { spool: "s" }, offset: { seq: 999 } }]);
    submitted.acknowledge(held);
    expect(submitted.held).toBe(1);
    expect([...committable(submitted).values()]).toEqual([{ partition: { spool: "s" }, offset: { seq: 1009 } }]);
    expect(submitted.held).toBe(0);
  });

  test("a batch is one range per partition, however many records it holds", () => {
    const spool = { spool: "s" };
    const batch = new SubmittedOffsets().submit(Array.from({ length: 10_000 }, (_, i) => rec(spool, { seq: i })));
    expect(batch).toHaveLength(1);
  });

  test("a batch acknowledged before an earlier batch of the same partition stages nothing for it, and stages the other partitions", () => {
    const submitted = new SubmittedOffsets();
    const first = submitted.submit([rec({ file: "a" }, { pos: 1 })]);
    const second = submitted.submit([rec({ file: "a" }, { pos: 2 }), rec({ file: "b" }, { pos: 1 })]);
    submitted.acknowledge(second);
    expect([...committable(submitted).values()]).toEqual([{ partition: { file: "b" }, offset: { pos: 1 } }]);
    submitted.acknowledge(first);
    expect([...committable(submitted).values()]).toEqual([{ partition: { file: "a" }, offset: { pos: 2 } }]);
  });

  describe("acknowledged by prefix (after a failed or given-up batch: Connect's per-partition acknowledged prefix)", () => {
    test("stages each partition's records up to its first one not handled, for good; a record without a partition neither stages nor ends", () => {
      const submitted = new SubmittedOffsets();
      const firstRecords = [
        rec(null, { pos: 9 }), // not handled
        rec({ file: "a" }, { pos: 1 }),
        rec({ file: "b" }, { pos: 1 }), // not handled
        rec({ file: "a" }, null),
        rec({ file: "b" }, { pos: 2 }),
      ];
      const first = submitted.submit(firstRecords);
      const laterRecords = [rec({ file: "b" }, { pos: 3 }), rec({ file: "a" }, { pos: 2 })];
      const later = submitted.submit(laterRecords);
      submitted.acknowledgePrefix(first, firstRecords, (i) => i !== 0 && i !== 2);
      // A later batch: b stays ended though its records are handled; a goes on past its tombstone.
      submitted.acknowledgePrefix(later, laterRecords, () => true);
      expect([...committable(submitted).values()]).toEqual([{ partition: { file: "a" }, offset: { pos: 2 } }]);
    });

    test("a record without a partition amid one partition's records neither stages nor ends it", () => {
      const submitted = new SubmittedOffsets();
      const records = [rec({ file: "a" }, { pos: 1 }), rec(null, null), rec({ file: "a" }, { pos: 2 })];
      submitted.acknowledgePrefix(submitted.submit(records), records, (i) => i !== 1);
      expect([...committable(submitted).values()]).toEqual([{ partition: { file: "a" }, offset: { pos: 2 } }]);
    });

    test("a partition ended after some of its records stages their offset once, and nothing after it", () => {
      const submitted = new SubmittedOffsets();
      const records = [rec({ file: "a" }, { pos: 1 }), rec({ file: "a" }, { pos: 2 })];
      const batch = submitted.submit(records);
      submitted.submit([rec({ file: "a" }, { pos: 3 })]);
      submitted.acknowledgePrefix(batch, records, (i) => i === 0);
      expect([...committable(submitted).values()]).toEqual([{ partition: { file: "a" }, offset: { pos: 1 } }]);
      expect(committable(submitted).size).toBe(0);
    });
  });
});
