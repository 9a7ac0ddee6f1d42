import { describe, expect, test } from "bun:test";
import { type AnyOrderEntries, AnyOrderWindow } from "./any-order-window.ts";

interface Entry {
  readonly key: number;
  taken: boolean;
}

const entries: AnyOrderEntries<Entry, number> = {
  keyOf: (entry) => entry.key,
  isTaken: (entry) => entry.taken,
  markTaken: (entry) => {
    entry.taken = true;
  },
};

/** `count` entries (keys 0..count-1) pushed into a new window. */
function pushed(count: number) {
  const window = new AnyOrderWindow<Entry, number>(entries);
  const all: Entry[] = [];
  for (let key = 0; key < count; key++) {
    const entry: Entry = { key, taken: false };
    all.push(entry);
    window.push(entry);
  }
  return { window, all };
}

describe("AnyOrderWindow", () => {
  test("entries of one partition taken while another partition's, interleaved with them, are held (a task that commits in any order): O(1) each", () => {
    const { window, all } = pushed(20_000);
    // Even entries wait on a stuck partition; the odd ones are taken as written, in order.
    for (let i = 1; i < 20_000; i += 2) expect(window.take(i)).toBe(all[i]!);
    expect(window.searchVisits).toBeLessThanOrEqual(3 * 10_000); // the head, the cursor's entry, the next one
    const visits = window.searchVisits;
    // Then the held ones, in order: each at the head.
    for (let i = 0; i < 20_000; i += 2) expect(window.take(i)).toBe(all[i]!);
    expect(window.searchVisits - visits).toBeLessThanOrEqual(10_000);
    expect(window.untaken()).toEqual([]);
  });

  test("pieces of interleaved partitions taken ahead of a held entry: each piece, not each entry, walks from the head", () => {
    // Entry 0 is held (a stuck partition); partitions a, b and c take the others in turn (1, 4, 7.. to a) and are
    // acknowledged per partition, 100 entries a piece, a's piece, then b's, then c's, then a's next, and so on.
    const partitions = 3;
    const piece = 100;
    const count = 1 + partitions * piece * 20;
    const { window, all } = pushed(count);
    let bound = 0;
    let cursor = 0;
    for (let from = 1; from < count; from += partitions * piece) {
      for (let p = 0; p < partitions; p++) {
        const first = from + p;
        // A piece starting before the cursor: the entries after it, then those from the head to its first; then each
        // entry the head and the entries from the cursor to it.
        if (first < cursor) bound += count - cursor + first;
        bound += 4 * piece;
        for (let k = 0; k < piece; k++) {
          const i = first + k * partitions;
          expect(window.take(i)).toBe(all[i]!);
          cursor = i + 1;
        }
      }
    }
    expect(window.searchVisits).toBeLessThanOrEqual(bound);
    expect(window.take(0)).toBe(all[0]!);
    expect(window.untaken()).toEqual([]);
  });

  test("a repeated take returns null and the next one is still found at the cursor", () => {
    const { window, all } = pushed(2);
    expect(window.take(0)).toBe(all[0]!);
    expect(window.take(0)).toBeNull();
    expect(window.searchVisits).toBe(1); // the one entry not taken, not a scan of all
    expect(window.take(1)).toBe(all[1]!);
    expect(window.searchVisits).toBe(1);
    expect(window.take(1)).toBeNull(); // nothing left: nothing to search
    expect(window.searchVisits).toBe(1);
  });

  // review-ppack2b P3: the cursor's fast path returned a slot acknowledged out of order again (counted twice).
  test("a repeated take of an entry taken out of order, at the cursor, returns null", () => {
    const { window, all } = pushed(3);
    expect(window.take(2)).toBe(all[2]!);
    expect(window.take(1)).toBe(all[1]!);
    expect(window.take(2)).toBeNull();
    expect(window.take(0)).toBe(all[0]!);
    expect(window.untaken()).toEqual([]);
  });

  test("a key not pushed is not found", () => {
    const { window, all } = pushed(3);
    expect(window.take(3)).toBeNull();
    expect(window.searchVisits).toBe(3);
    expect(all.map((e) => e.taken)).toEqual([false, false, false]);
  });

  test("out of order: each take finds its own entry; afterwards the next entry is found at the cursor", () => {
    const { window, all } = pushed(5);
    for (const i of [3, 1, 4, 0, 2]) expect(window.take(i)).toBe(all[i]!);
    const visits = window.searchVisits;
    const next: Entry = { key: 5, taken: false };
    window.push(next);
    expect(window.take(5)).toBe(next);
    expect(window.searchVisits).toBe(visits);
  });

  test("a take at the head moves the cursor past the entries taken ahead of it", () => {
    const { window, all } = pushed(3);
    expect(window.take(1)).toBe(all[1]!); // out of order: 2 visits
    expect(window.take(0)).toBe(all[0]!); // the cursor is past it: 1 visit
    expect(window.take(2)).toBe(all[2]!); // at the cursor, past entry 1
    expect(window.searchVisits).toBe(3);
  });

  test("an entry never taken stays while every later one is taken, past compaction", () => {
    const count = 20_000;
    const { window, all } = pushed(count);
    for (let key = 1; key < count; key++) expect(window.take(key)).toBe(all[key]!);
    const last: Entry = { key: count, taken: false };
    window.push(last);
    expect(window.untaken()).toEqual([all[0]!, last]);
    expect(window.take(0)).toBe(all[0]!);
    expect(window.take(count)).toBe(last);
    expect(window.take(1)).toBeNull();
  });

  test("interleaved partitions' takes (odd entries, then even ones) each take their entry, past compaction", () => {
    const count = 10_000;
    const { window, all } = pushed(count);
    for (let key = 1; key < count; key += 2) expect(window.take(key)).toBe(all[key]!);
    for (let key = 0; key < count; key += 2) expect(window.take(key)).toBe(all[key]!);
    expect(window.take(0)).toBeNull();
    const next: Entry = { key: count, taken: false };
    window.push(next);
    expect(window.take(count)).toBe(next);
  });

  test("untaken lists the entries not taken in order; clear forgets all", () => {
    const { window, all } = pushed(5);
    window.take(0);
    window.take(2);
    expect(window.untaken()).toEqual([all[1]!, all[3]!, all[4]!]);
    window.clear();
    expect(window.untaken()).toEqual([]);
    const visits = window.searchVisits;
    expect(window.take(1)).toBeNull(); // forgotten: nothing to search
    expect(window.searchVisits).toBe(visits);
  });

  test("an entry the head moves past is let go at once, while later entries are still held; one taken ahead stays until then", () => {
    const { window, refs } = pushedOnlyHeld(4);
    expect(window.take(2)?.key).toBe(2); // ahead of 1: kept, a later take may walk it
    expect(window.take(0)?.key).toBe(0); // the head moves to 1
    Bun.gc(true);
    expect(refs[0]!.deref()).toBeUndefined();
    expect(refs[2]!.deref()?.key).toBe(2);
    expect(window.take(1)?.key).toBe(1); // the head moves past 1 and 2, to 3
    Bun.gc(true);
    expect(refs.map((ref) => ref.deref()?.key)).toEqual([undefined, undefined, undefined, 3]);
    expect(window.untaken().map((entry) => entry.key)).toEqual([3]);
    expect(window.take(2)).toBeNull();
  });
});

/** `count` entries (keys 0..count-1) only the new window holds; `refs` says which of them are still alive. */
function pushedOnlyHeld(count: number) {
  const window = new AnyOrderWindow<Entry, number>(entries);
  const refs: WeakRef<Entry>[] = [];
  for (let key = 0; key < count; key++) {
    const entry: Entry = { key, taken: false };
    refs.push(new WeakRef(entry));
    window.push(entry);
  }
  return { window, refs };
}
