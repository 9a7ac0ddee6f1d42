import { describe, expect, test } from "bun:test";
import { deferred } from "../util/async.ts";
import { InFlightBatches } from "./in-flight-batches.ts";

describe("InFlightBatches", () => {
  test("hands settled batches back in submission order only, stopping at the first unsettled one", async () => {
    const q = new InFlightBatches<string, number>(5, 1000);
    const sends = [deferred<number>(), deferred<number>(), deferred<number>()];
    for (const [i, d] of sends.entries()) q.submit(`b${i}`, 10, d.promise);
    sends[2]!.resolve(2);
    sends[1]!.reject(new Error("failed"));
    await Promise.resolve();
    expect(q.takeSettled()).toEqual([]); // b0 is still in flight
    sends[0]!.resolve(0);
    await q.oldestSettled();
    expect(q.takeSettled()).toEqual([
      { payload: "b0", outcome: { ok: true, value: 0 } },
      { payload: "b1", outcome: { ok: false, error: new Error("failed") } },
      { payload: "b2", outcome: { ok: true, value: 2 } },
    ]);
    expect([q.size, q.bytes]).toEqual([0, 0]);
  });

  test("a batch uncounted counts its bytes only, also once taken back", async () => {
    const uncounted = new Set<string>();
    const q = new InFlightBatches<string, number>(2, 100, (p) => !uncounted.has(p));
    const a = deferred<number>();
    q.submit("a", 10, a.promise);
    q.submit("b", 10, new Promise(() => {}));
    expect(q.hasRoom(10)).toBe(false);
    uncounted.add("a");
    q.uncount();
    expect(q.hasRoom(10)).toBe(true);
    expect(q.hasRoom(81)).toBe(false); // its bytes still count
    q.submit("c", 10, new Promise(() => {}));
    a.resolve(0);
    await q.oldestSettled();
    expect(q.takeSettled()).toHaveLength(1);
    expect(q.hasRoom(10)).toBe(false); // b and c count; a was not counted any more
  });

  // review-ppack2b P1: each wait for room raced one long-lived promise, whose reactions piled up while nothing was
  // uncounted (every task but ingest's): ~64 bytes a wait, for good.
  test("a wait for room freed is called once when a batch is uncounted, and one dropped is never called nor kept", () => {
    const q = new InFlightBatches<string, number>(1, 100, () => true);
    const woken: string[] = [];
    const forget = q.onRoomFreed(() => woken.push("dropped"));
    forget();
    q.onRoomFreed(() => woken.push("kept"));
    expect(q.roomWaits).toBe(1);
    q.submit("a", 10, new Promise(() => {}));
    q.uncount();
    expect(q.roomWaits).toBe(0);
    q.uncount();
    expect(woken).toEqual(["kept"]);
  });

  test("is bounded by count and bytes; a single oversized batch is admitted when nothing is in flight", () => {
    const q = new InFlightBatches<string, number>(2, 100);
    expect(q.hasRoom(500)).toBe(true);
    q.submit("big", 500, new Promise(() => {}));
    expect(q.hasRoom(1)).toBe(false);
    const r = new InFlightBatches<string, number>(2, 100);
    r.submit("a", 40, new Promise(() => {}));
    expect([r.hasRoom(60), r.hasRoom(61)]).toEqual([true, false]);
    r.submit("b", 10, new Promise(() => {}));
    expect(r.hasRoom(0)).toBe(false);
  });
});
