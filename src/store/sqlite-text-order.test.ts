import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { compareSqliteText } from "./sqlite-text-order.ts";

// The pruning timer's batch moves its name's cursor to the batch's last key in the index (review-idemsplit P3-1).
describe("compareSqliteText", () => {
  test.each([
    ["a", "b"],
    ["a", "ab"],
    ["", "a"],
    ["z", "é"],
    ["\uffff", "\u{1f600}"], // UTF-16 puts the surrogate first; UTF-8 (and SQLite) the other way
    ["\ue000", "\u{10000}"],
    ["\u{1f600}", "\u{1f601}"],
    ["k\u{1f600}", "k\ufffd"],
    ["same", "same"],
  ])("orders %p and %p as SQLite's BINARY collation does", (a, b) => {
    using db = new Database(":memory:");
    const sqlite = (x: string, y: string) =>
      (db.query("SELECT (? > ?) - (? < ?) AS c").get(x, y, x, y) as { c: number }).c;
    expect([Math.sign(compareSqliteText(a, b)), Math.sign(compareSqliteText(b, a))]).toEqual([
      sqlite(a, b),
      sqlite(b, a),
    ]);
  });
});
