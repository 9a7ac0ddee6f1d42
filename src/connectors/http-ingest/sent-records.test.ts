import { describe, expect, test } from "bun:test";
import type { SourceRecord } from "../../api/record.ts";
import { SentRecords, type SentSlot } from "./sent-records.ts";
import { toSourceRecord } from "./task.ts";

const sourceRecord = (value: number): SourceRecord =>
  toSourceRecord("t", { key: null, value, headers: [], partition: null, timestamp: 7, bytes: 1 });

/** `count` slots polled (state "sent") into a new SentRecords. */
function polled(count: number) {
  const sent = new SentRecords<SentSlot>();
  const slots: SentSlot[] = [];
  for (let i = 0; i < count; i++) {
    const slot: SentSlot = { record: sourceRecord(i), state: "sent" };
    slots.push(slot);
    sent.push(slot);
  }
  return { sent, slots };
}

describe("SentRecords", () => {
  test("records of one partition acknowledged while another partition's, interleaved with them, are held (a task that commits in any order): O(1) each", () => {
    const { sent, slots } = polled(20_000);
    // Even records wait on a stuck partition; the odd ones are acknowledged as written, in poll order.
    for (let i = 1; i < 20_000; i += 2) expect(sent.ack(slots[i]!.record)).toBe(slots[i]!);
    expect(sent.ackSearchVisits).toBeLessThanOrEqual(3 * 10_000); // the head, the cursor's slot, the next one
    const visits = sent.ackSearchVisits;
    // Then the held ones, in poll order: each at the head.
    for (let i = 0; i < 20_000; i += 2) expect(sent.ack(slots[i]!.record)).toBe(slots[i]!);
    expect(sent.ackSearchVisits - visits).toBeLessThanOrEqual(10_000);
    expect(sent.awaiting()).toEqual([]);
  });

  test("pieces of interleaved partitions acknowledged ahead of a held record: each piece, not each record, walks from the head", () => {
    // Slot 0 is held (a stuck partition); partitions a, b and c take the others in turn (1, 4, 7.. to a) and are
    // acknowledged per partition, 100 records a piece, a's piece, then b's, then c's, then a's next, and so on.
    const partitions = 3;
    const piece = 100;
    const count = 1 + partitions * piece * 20;
    const { sent, slots } = polled(count);
    let bound = 0;
    let cursor = 0;
    for (let from = 1; from < count; from += partitions * piece) {
      for (let p = 0; p < partitions; p++) {
        const first = from + p;
        // A piece starting before the cursor: the slots after it, then those from the head to its first; then each
        // record the head and the slots from the cursor to it.
        if (first < cursor) bound += count - cursor + first;
        bound += 4 * piece;
        for (let k = 0; k < piece; k++) {
          const i = first + k * partitions;
          expect(sent.ack(slots[i]!.record)).toBe(slots[i]!);
          cursor = i + 1;
        }
      }
    }
    expect(sent.ackSearchVisits).toBeLessThanOrEqual(bound);
    expect(sent.ack(slots[0]!.record)).toBe(slots[0]!);
    expect(sent.awaiting()).toEqual([]);
  });

  test("in poll order, abandoned records among them (half of 20,000): each found at the cursor, none searched for", () => {
    const { sent, slots } = polled(20_000);
    for (let i = 0; i < 10_000; i++) slots[i]!.state = "abandoned"; // the older half
    for (let i = 0; i < 20_000; i++) {
      // An abandoned record's slot too: its request may want its late outcome (IngestQueue).
      expect(sent.ack(slots[i]!.record)).toBe(slots[i]!);
    }
    // Before the fix each acknowledgement of an abandoned record searched everything after it (quadratic).
    expect(sent.ackSearchVisits).toBe(0);
    expect(slots.every((s) => s.state === "acked")).toBe(true);
    expect(sent.takeUnacked()).toEqual([]);
  });

  test("a repeated acknowledgement returns null and the next one is still found at the cursor", () => {
    const { sent, slots } = polled(2);
    expect(sent.ack(slots[0]!.record)).toBe(slots[0]!);
    expect(sent.ack(slots[0]!.record)).toBeNull();
    expect(sent.ackSearchVisits).toBe(1); // the one slot still awaiting its acknowledgement, not a scan of all
    expect(sent.ack(slots[1]!.record)).toBe(slots[1]!);
    expect(sent.ackSearchVisits).toBe(1);
    expect(sent.ack(slots[1]!.record)).toBeNull(); // nothing sent any more: nothing to search
    expect(sent.ackSearchVisits).toBe(1);
  });

  // review-ppack2b P3: the cursor's fast path returned a slot acknowledged out of order again (counted twice).
  test("a repeated acknowledgement of a record acknowledged out of order, at the cursor, returns null", () => {
    const { sent, slots } = polled(3);
    expect(sent.ack(slots[2]!.record)).toBe(slots[2]!);
    expect(sent.ack(slots[1]!.record)).toBe(slots[1]!);
    expect(sent.ack(slots[2]!.record)).toBeNull();
    expect(sent.ack(slots[0]!.record)).toBe(slots[0]!);
    expect(sent.awaiting()).toEqual([]);
  });

  test("a record not pushed here is not found", () => {
    const { sent, slots } = polled(3);
    expect(sent.ack(sourceRecord(0))).toBeNull();
    expect(sent.ackSearchVisits).toBe(3);
    expect(slots.map((s) => s.state)).toEqual(["sent", "sent", "sent"]);
  });

  test("an abandoned record keeps its place while acknowledgements around it are compacted away; its late acknowledgement is found", () => {
    const { sent, slots } = polled(10_000);
    // Record 0 is acknowledged last; records 1..5000 in order (acknowledged ahead of it: compacted
    // away once they pile up); 5001.. are abandoned and then acknowledged in order.
    for (let i = 1; i <= 5000; i++) expect(sent.ack(slots[i]!.record)).toBe(slots[i]!);
    for (let i = 5001; i < 10_000; i++) slots[i]!.state = "abandoned";
    for (let i = 5001; i < 10_000; i++) expect(sent.ack(slots[i]!.record)).toBe(slots[i]!);
    expect(sent.ack(slots[0]!.record)).toBe(slots[0]!);
    expect(sent.ack(slots[3]!.record)).toBeNull(); // repeated, its slot compacted away: nothing changes
    // Two slots visited to find record 1 (after the gap), one to find record 0: none of the
    // thousands in between.
    expect(sent.ackSearchVisits).toBe(3);
    expect(slots.every((s) => s.state === "acked")).toBe(true);
  });

  test("out of poll order: each acknowledgement finds its own slot; afterwards the next record is found at the cursor", () => {
    const { sent, slots } = polled(5);
    for (const i of [3, 1, 4, 0, 2]) expect(sent.ack(slots[i]!.record)).toBe(slots[i]!);
    const visits = sent.ackSearchVisits;
    const next: SentSlot = { record: sourceRecord(5), state: "sent" };
    sent.push(next);
    expect(sent.ack(next.record)).toBe(next);
    expect(sent.ackSearchVisits).toBe(visits);
  });

  test("an acknowledgement at the head moves the cursor past the records acknowledged ahead of it", () => {
    const { sent, slots } = polled(3);
    expect(sent.ack(slots[1]!.record)).toBe(slots[1]!); // out of order: 2 visits
    expect(sent.ack(slots[0]!.record)).toBe(slots[0]!); // the cursor is past it: 1 visit
    expect(sent.ack(slots[2]!.record)).toBe(slots[2]!); // at the cursor, past record 1
    expect(sent.ackSearchVisits).toBe(3);
  });

  test("takeUnacked returns the slots awaiting their acknowledgement in poll order (the abandoned too, not the acknowledged) and forgets all", () => {
    const { sent, slots } = polled(5);
    sent.ack(slots[0]!.record);
    sent.ack(slots[2]!.record);
    slots[3]!.state = "abandoned";
    expect(sent.takeUnacked()).toEqual([slots[1]!, slots[3]!, slots[4]!]);
    expect(sent.takeUnacked()).toEqual([]);
    const visits = sent.ackSearchVisits;
    expect(sent.ack(slots[1]!.record)).toBeNull(); // forgotten: nothing to search
    expect(sent.ackSearchVisits).toBe(visits);
  });
});
