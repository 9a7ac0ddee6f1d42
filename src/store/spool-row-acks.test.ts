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
});
