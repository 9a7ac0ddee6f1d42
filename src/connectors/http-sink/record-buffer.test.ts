import { describe, expect, test } from "bun:test";
import { RecordBuffer } from "./record-buffer.ts";
import type { EncodedRecord } from "./record-encoder.ts";

const limits = { maxBatchRecords: 3, flushBytes: 1000, flushTimeoutMs: 100, requestRecords: 2 };

/** Whether `target` is reachable from `root` through own property values, array elements, Map keys and values. */
function reaches(root: unknown, target: object): boolean {
  const seen = new Set<unknown>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const at = stack.pop();
    if (at === target) return true;
    if (typeof at !== "object" || at === null || seen.has(at) || ArrayBuffer.isView(at)) continue;
    seen.add(at);
    if (at instanceof Map) for (const [k, v] of at) stack.push(k, v);
    else stack.push(...Object.values(at));
  }
  return false;
}

function rec(tp: string, offset: number, at = 0, route = ""): EncodedRecord {
  return {
    record: {} as EncodedRecord["record"],
    tp,
    offset,
    body: new TextEncoder().encode(String(offset)),
    url: "http://x/",
    headers: [],
    route,
    enqueuedAt: at,
    seq: offset,
    held: 100,
  };
}

describe("RecordBuffer", () => {
  test("flushes at the record count, the bytes or the age of the oldest record", () => {
    const b = new RecordBuffer(limits);
    b.add(rec("a", 0, 0));
    b.add(rec("a", 1, 10));
    expect(b.flushable(50)).toBe(false);
    expect(b.nextTimeout()).toBe(100);
    expect(b.flushable(100)).toBe(true);
    b.add(rec("b", 0, 60));
    expect(b.flushable(60)).toBe(true);
  });

  test("a request takes a prefix of idle lanes, oldest first; busy lanes wait; commits stop at the first pending", () => {
    const b = new RecordBuffer({ ...limits, requestRecords: 3 });
    b.add(rec("a", 5, 1));
    b.add(rec("a", 6, 2));
    b.add(rec("b", 9, 0));
    const first = b.take()!;
    expect(first.records.map((r) => `${r.tp}${r.offset}`)).toEqual(["b9", "a5", "a6"]);
    b.add(rec("a", 7, 3));
    expect(b.take()).toBeUndefined();
    expect(b.firstPending("a")).toBe(5);
    expect(b.firstPending("b")).toBe(9);
    b.complete(first);
    expect(b.firstPending("a")).toBe(7);
    expect(b.firstPending("b")).toBeUndefined();
    expect(b.size).toBe(1);
  });

  test("records with another route (URL or own headers) are not batched together", () => {
    const b = new RecordBuffer({ ...limits, requestRecords: 10 });
    b.add(rec("a", 0, 0, "x"));
    b.add(rec("a", 1, 1, "y"));
    b.add(rec("b", 0, 2, "x"));
    expect(b.take()!.records.map((r) => `${r.tp}${r.offset}`)).toEqual(["a0", "b0"]);
  });

  test("dropped lanes no longer own their request in flight, and a new lane is not freed by it", () => {
    const b = new RecordBuffer(limits);
    b.add(rec("a", 0));
    const old = b.take()!;
    b.drop(["a"]);
    expect(b.owns(old, "a")).toBe(false);
    b.add(rec("a", 10));
    const fresh = b.take()!;
    b.complete(old);
    expect(b.owns(fresh, "a")).toBe(true);
    expect(b.firstPending("a")).toBe(10);
    expect(b.take()).toBeUndefined();
  });

  test("requeue puts an aborted request's records of owned lanes back at their head; dropped lanes' are forgotten", () => {
    const b = new RecordBuffer({ ...limits, requestRecords: 4 });
    b.add(rec("a", 5, 0));
    b.add(rec("b", 7, 1));
    b.add(rec("a", 6, 2));
    const aborted = b.take()!;
    b.add(rec("a", 7, 3));
    b.drop(["b"]);
    b.requeue(aborted);
    expect(b.size).toBe(3);
    expect(b.waiting).toBe(3);
    expect(b.firstPending("a")).toBe(5);
    expect(b.firstPending("b")).toBeUndefined();
    expect(b.take()!.records.map((r) => `${r.tp}${r.offset}`)).toEqual(["a5", "a6", "a7"]);
  });

  test("requeue from an index keeps the records before it done (a batch re-sent one by one, aborted midway)", () => {
    const b = new RecordBuffer({ ...limits, requestRecords: 4 });
    b.add(rec("a", 5, 0));
    b.add(rec("a", 6, 1));
    b.add(rec("b", 1, 2));
    const aborted = b.take()!;
    expect(aborted.records.map((r) => `${r.tp}${r.offset}`)).toEqual(["a5", "a6", "b1"]);
    b.requeue(aborted, 2);
    expect(b.size).toBe(1);
    expect(b.firstPending("a")).toBeUndefined();
    expect(b.laneKeys()).toEqual(["b"]);
    expect(b.take()!.records.map((r) => `${r.tp}${r.offset}`)).toEqual(["b1"]);
  });

  test("bytes held count waiting and in-flight records and request bodies, and go back to 0 through complete, requeue and drop", () => {
    const b = new RecordBuffer({ ...limits, requestRecords: 4 });
    b.add(rec("a", 10)); // each record holds 100 bytes
    b.add(rec("b", 20));
    b.add(rec("a", 11));
    expect(b.bytes).toBe(300);
    const first = b.take()!;
    expect(first.bytes).toBe(9); // "10," "11," "20]": the body [10,11,20] less its "["
    expect(first.held).toBe(310); // its records and its body of 10 bytes
    expect(b.bytes).toBe(310);
    b.add(rec("a", 12));
    expect(b.bytes).toBe(410);
    b.drop(["b"]);
    b.requeue(first, 1); // a11 goes back; b20 was dropped
    expect(b.bytes).toBe(200);
    const second = b.take()!;
    expect(b.bytes).toBe(207); // [11,12]
    b.complete(second);
    expect(b.bytes).toBe(0);
    b.add(rec("c", 30));
    const third = b.take()!;
    b.drop(["c"]);
    b.complete(third);
    expect(b.bytes).toBe(0);
  });

  test("a delivered record is freed with its request, while its lane still holds later records", () => {
    const b = new RecordBuffer({ ...limits, requestRecords: 1 });
    const first = rec("a", 0);
    const later = rec("a", 1);
    b.add(first);
    b.add(later);
    b.add(rec("a", 2));
    b.complete(b.take()!);
    // What the buffer can still reach, not a WeakRef after a collection: a conservative scan of the
    // stack may keep a freed record alive for a while (a CI flake).
    expect(reaches(b, first)).toBe(false);
    expect(reaches(b, later)).toBe(true);
    expect(b.size).toBe(2);
    expect(b.firstPending("a")).toBe(1);
  });
});
