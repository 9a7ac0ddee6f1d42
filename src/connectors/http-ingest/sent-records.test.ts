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

  test("awaiting returns the slots sent (not the abandoned); takeUnacked returns the slots awaiting their acknowledgement in poll order (the abandoned too, not the acknowledged) and forgets all", () => {
    const { sent, slots } = polled(5);
    sent.ack(slots[0]!.record);
    sent.ack(slots[2]!.record);
    slots[3]!.state = "abandoned";
    expect(sent.awaiting()).toEqual([slots[1]!, slots[4]!]);
    expect(sent.takeUnacked()).toEqual([slots[1]!, slots[3]!, slots[4]!]);
    expect(sent.takeUnacked()).toEqual([]);
    const visits = sent.ackSearchVisits;
    expect(sent.ack(slots[1]!.record)).toBeNull(); // forgotten: nothing to search
    expect(sent.ackSearchVisits).toBe(visits);
  });
});
