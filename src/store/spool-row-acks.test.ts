import { describe, expect, test } from "bun:test";
import { SpoolRowAcks } from "./spool-row-acks.ts";

describe("SpoolRowAcks", () => {
  test("a range covering a whole row it does not track completes it at once, tracking nothing", () => {
    const acks = new SpoolRowAcks();
    expect(acks.mark("c1", 1, 3, 0, 10)).toBe(true);
    expect([...acks.of("c1")]).toEqual([]);
  });

  test("parts of a row complete it once every record is marked, each counted once", () => {
    const acks = new SpoolRowAcks();
    expect(acks.mark("c1", 11, 15, 11, 12)).toBe(false);
    expect(acks.mark("c1", 11, 15, 12, 13)).toBe(false);
    expect(acks.mark("c1", 11, 15, 11, 13)).toBe(false);
    expect([11, 12, 13, 14, 15].map((s) => acks.isAcked(15, s))).toEqual([true, true, true, false, false]);
    expect(acks.mark("c1", 11, 15, 14, 20)).toBe(true);
    acks.forget(15);
    expect(acks.isAcked(15, 11)).toBe(false);
  });

  test("forgetThrough drops a partition's rows up to a sequence, not other partitions'", () => {
    const acks = new SpoolRowAcks();
    acks.mark("c1", 1, 4, 1, 1);
    acks.mark("c2", 5, 8, 5, 5);
    acks.mark("c1", 9, 12, 9, 9);
    acks.forgetThrough("c1", 8);
    expect([...acks.of("c1")].map((r) => r.last)).toEqual([12]);
    expect([...acks.of("c2")].map((r) => r.last)).toEqual([8]);
  });

  test("restore keeps only flags that fit their row: one per record, each 0 or 1, not all 1", () => {
    const acks = new SpoolRowAcks();
    expect(acks.restore("c1", 3, 3, Uint8Array.of(2, 0, 0))).toBe(false);
    expect(acks.restore("c1", 3, 3, Uint8Array.of(1, 1, 1))).toBe(false);
    expect(acks.restore("c1", 3, 3, Uint8Array.of(1, 0))).toBe(false);
    expect([...acks.of("c1")]).toEqual([]);
    // Rejected flags leave the row unacknowledged: acking records 2 and 3 does not complete it.
    expect(acks.mark("c1", 1, 3, 2, 3)).toBe(false);
    expect(acks.restore("c2", 13, 3, Uint8Array.of(0, 1, 0))).toBe(true);
    expect([11, 12, 13].map((s) => acks.isAcked(13, s))).toEqual([false, true, false]);
    expect(acks.mark("c2", 11, 13, 11, 11)).toBe(false);
    expect(acks.mark("c2", 11, 13, 13, 13)).toBe(true);
  });

  test("marked computes a row's flags without changing what is kept", () => {
    const acks = new SpoolRowAcks();
    acks.mark("c1", 1, 4, 1, 1);
    expect([...(acks.marked(1, 4, 0, 2) ?? [])]).toEqual([1, 1, 0, 0]);
    expect([1, 2].map((s) => acks.isAcked(4, s))).toEqual([true, false]);
    expect(acks.marked(1, 4, 2, 4)).toBeUndefined();
    expect([...(acks.marked(5, 7, 0, 5) ?? [])]).toEqual([1, 0, 0]);
    expect([...acks.of("c1")].map((r) => r.last)).toEqual([4]);
  });
});
