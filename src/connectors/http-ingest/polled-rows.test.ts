import { describe, expect, test } from "bun:test";
import { PolledRows } from "./polled-rows.ts";

describe("PolledRows", () => {
  test("a row acknowledged after later ones (a partition Kafka held) is still taken, once", () => {
    const rows = new PolledRows();
    for (let seq = 1; seq <= 4; seq++) rows.add(seq, seq * 10);
    expect(rows.take(2)).toBe(20);
    expect(rows.take(4)).toBe(40);
    expect(rows.take(1)).toBe(10);
    expect(rows.take(3)).toBe(30);
    for (let seq = 1; seq <= 4; seq++) expect(rows.take(seq)).toBeUndefined();
  });

  test("a row never acknowledged stays awaited while every later one is taken, past compaction", () => {
    const rows = new PolledRows();
    const count = 20_000;
    for (let seq = 1; seq <= count; seq++) rows.add(seq, 1);
    for (let seq = 2; seq <= count; seq++) expect(rows.take(seq)).toBe(1);
    rows.add(count + 1, 7);
    expect(rows.take(1)).toBe(1);
    expect(rows.take(count + 1)).toBe(7);
    expect(rows.take(2)).toBeUndefined();
  });

  test("interleaved partitions' acknowledgements (odd rows, then even ones) each take their row", () => {
    const rows = new PolledRows();
    const count = 10_000;
    for (let seq = 0; seq < count; seq++) rows.add(seq, seq);
    for (let seq = 1; seq < count; seq += 2) expect(rows.take(seq)).toBe(seq);
    for (let seq = 0; seq < count; seq += 2) expect(rows.take(seq)).toBe(seq);
    expect(rows.take(0)).toBeUndefined();
    rows.add(count, 3);
    expect(rows.take(count)).toBe(3);
  });
});
