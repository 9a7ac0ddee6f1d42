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

  test("clear forgets every row: none is taken after", () => {
    const rows = new PolledRows();
    rows.add(1, 10);
    rows.add(2, 20);
    rows.clear();
    expect(rows.take(1)).toBeUndefined();
    expect(rows.take(2)).toBeUndefined();
  });
});
