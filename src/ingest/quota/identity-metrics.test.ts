import { describe, expect, test } from "bun:test";
import { IdentityMetrics, OTHER } from "./identity-metrics.ts";

type Snapshot = ReturnType<IdentityMetrics["snapshot"]>;
const of = (snap: Snapshot, principal: string) => snap.find((s) => s.principal === principal)?.counts;

describe("IdentityMetrics: counters stay counters as identities move in and out of the top N", () => {
  test('"other" never drops when a big identity joins the top N; a shown-again identity goes on from where it stopped', () => {
    const m = new IdentityMetrics(1);
    for (let i = 0; i < 10; i++) m.record("small-bytes", "accepted", 1);
    for (let i = 0; i < 9; i++) m.record("big-bytes", "accepted", 100_000);
    const first = m.snapshot();
    expect(first.map((s) => s.principal)).toEqual(["small-bytes", OTHER]);
    expect(of(first, OTHER)).toEqual({ requests: 9, bytes: 900_000, throttled: 0, denied: 0 });

    // big-bytes overtakes by requests: its 900 000 earlier bytes stay in "other" (they dropped to 0).
    m.record("big-bytes", "accepted", 1);
    m.record("big-bytes", "accepted", 1);
    const second = m.snapshot();
    expect(second.map((s) => s.principal)).toEqual(["big-bytes", OTHER]);
    expect(of(second, OTHER)).toEqual({ requests: 9, bytes: 900_000, throttled: 0, denied: 0 });
    expect(of(second, "big-bytes")).toEqual({ requests: 2, bytes: 2, throttled: 0, denied: 0 });

    // small-bytes comes back on top: its series goes on from 10, "other" takes big-bytes' new counts only.
    for (let i = 0; i < 5; i++) m.record("small-bytes", "accepted", 1);
    m.record("big-bytes", "throttled");
    const third = m.snapshot();
    expect(third.map((s) => s.principal)).toEqual(["small-bytes", OTHER]);
    expect(of(third, "small-bytes")).toEqual({ requests: 15, bytes: 15, throttled: 0, denied: 0 });
    expect(of(third, OTHER)).toEqual({ requests: 9, bytes: 900_000, throttled: 1, denied: 0 });
  });

  test("every request is counted once across the series of the scrape that first sees it", () => {
    const m = new IdentityMetrics(2);
    const names = ["a", "b", "c", "d", "e"];
    let total = 0;
    const seen = new Map<string, number>();
    for (let round = 0; round < 20; round++) {
      const who = names[(round * 7 + (round % 3)) % names.length]!;
      const n = 1 + ((round * 13) % 5);
      for (let i = 0; i < n; i++) m.record(who, "accepted", 1);
      total += n;
      for (const s of m.snapshot()) {
        const before = seen.get(s.principal) ?? 0;
        expect(s.counts.requests).toBeGreaterThanOrEqual(before);
        seen.set(s.principal, s.counts.requests);
      }
    }
    // The last value each series showed, summed: every request exactly once.
    expect([...seen.values()].reduce((a, b) => a + b, 0)).toBe(total);
  });
});
