import { describe, expect, test } from "bun:test";
import { ManualClock } from "../../util/manual-clock.ts";
import { IngestError, ingestErrorResponse } from "../ingest-error.ts";
import type { IngestIdentity } from "../request-context.ts";
import {
  globalBuckets,
  ingestGlobalQuotaConfigDef,
  ingestQuotaConfigDef,
  ingestQuotas,
  QuotaBuckets,
} from "./ingest-quotas.ts";

const id = (principal: string): IngestIdentity => ({ principal, source: "jwt", attributes: {} });

function quotas(settings: Record<string, string>) {
  const clock = new ManualClock();
  return { q: ingestQuotas(ingestQuotaConfigDef.parse(settings), clock), clock };
}

function outcome(fn: () => void): "ok" | { status: number; retryAfter: string | null; code: number } {
  try {
    fn();
    return "ok";
  } catch (error) {
    if (!(error instanceof IngestError)) throw error;
    const res = ingestErrorResponse(error);
    return { status: res.status, retryAfter: res.headers.get("Retry-After"), code: error.errorCode };
  }
}

describe("ingestQuotas", () => {
  test("without quotas everything passes", () => {
    const { q } = quotas({});
    for (let i = 0; i < 1000; i++) q.limit(id("d"), 10_000);
    expect(q.trackedIdentities).toBe(0);
  });

  test("requests/s: the burst passes, then 429 with Retry-After, then recovery after refill", () => {
    const { q, clock } = quotas({ "ingest.quota.requests.per.second": "2", "ingest.quota.requests.burst": "3" });
    expect([1, 2, 3].map(() => outcome(() => q.limit(id("d1"), 10)))).toEqual(["ok", "ok", "ok"]);
    expect(outcome(() => q.limit(id("d1"), 10))).toEqual({ status: 429, retryAfter: "1", code: 42901 });
    expect(outcome(() => q.limit(id("d2"), 10))).toBe("ok");
    clock.advance(500);
    expect(outcome(() => q.limit(id("d1"), 10))).toBe("ok");
    expect(outcome(() => q.limit(id("d1"), 10))).not.toBe("ok");
  });

  test("bytes/s: a body bigger than the burst passes on a full bucket and the debt is waited out", () => {
    const { q, clock } = quotas({ "ingest.quota.bytes.per.second": "1000" });
    expect(outcome(() => q.limit(id("d"), 3000))).toBe("ok");
    expect(outcome(() => q.limit(id("d"), 10))).toEqual({ status: 429, retryAfter: "3", code: 42901 });
    clock.advance(2_000);
    expect(outcome(() => q.limit(id("d"), 10))).not.toBe("ok");
    clock.advance(1_100);
    expect(outcome(() => q.limit(id("d"), 10))).toBe("ok");
  });

  test("a refused request takes nothing from the other buckets", () => {
    const { q, clock } = quotas({ "ingest.quota.requests.per.second": "1", "ingest.quota.bytes.per.second": "100" });
    expect(outcome(() => q.limit(id("d"), 100))).toBe("ok");
    clock.advance(1000);
    expect(outcome(() => q.limit(id("d"), 500))).toBe("ok");
    clock.advance(1000);
    expect(outcome(() => q.limit(id("d"), 10))).not.toBe("ok"); // bytes in debt
    clock.advance(3500);
    expect(outcome(() => q.limit(id("d"), 10))).toBe("ok"); // the refusal cost no request token
  });

  test("the total cap applies across identities", () => {
    const { q } = quotas({ "ingest.quota.total.requests.per.second": "3" });
    const results = ["a", "b", "c", "d"].map((p) => outcome(() => q.limit(id(p), 1)));
    expect(results.slice(0, 3)).toEqual(["ok", "ok", "ok"]);
    expect(results[3]).toEqual({ status: 429, retryAfter: "1", code: 42901 });
  });

  test("buckets are kept for a bounded number of identities", () => {
    const { q } = quotas({ "ingest.quota.requests.per.second": "1", "ingest.quota.max.identities": "10" });
    for (let i = 0; i < 100; i++) q.limit(id(`dev-${i}`), 1);
    expect(q.trackedIdentities).toBeLessThanOrEqual(10);
  });

  test("per-identity metrics show the top N and sum the rest as other", () => {
    const { q } = quotas({ "ingest.quota.requests.per.second": "5", "ingest.metrics.identities.top.n": "2" });
    for (let i = 0; i < 7; i++) outcome(() => q.limit(id("busy"), 100));
    for (let i = 0; i < 3; i++) q.limit(id("medium"), 10);
    q.limit(id("quiet-1"), 1);
    q.limit(id("quiet-2"), 1);
    expect(q.metrics.snapshot()).toEqual([
      { principal: "busy", counts: { requests: 5, bytes: 500, throttled: 2, denied: 0 } },
      { principal: "medium", counts: { requests: 3, bytes: 30, throttled: 0, denied: 0 } },
      { principal: "other", counts: { requests: 2, bytes: 2, throttled: 0, denied: 0 } },
    ]);
    const families = q.metrics.families({ connector: "c1" });
    expect(families.map((f) => f.samples.length)).toEqual([3, 3, 3, 3]);
    expect(families[0]!.samples[0]).toEqual({ labels: { connector: "c1", principal: "busy" }, value: 5 });
  });

  describe("when the host's wall clock is stepped (NTP on a device without a real-time clock)", () => {
    test.each([
      ["back", -3_600_000],
      ["forward", 3_600_000],
    ])("a step %s by an hour changes nothing: the buckets keep refilling at their rate", (_dir, step) => {
      const clock = new ManualClock(1_000_000);
      const shared = globalBuckets(
        ingestGlobalQuotaConfigDef.parse({ "ingest.quota.global.requests.per.second": "100" }),
        clock,
      );
      const q = ingestQuotas(
        ingestQuotaConfigDef.parse({
          "ingest.quota.requests.per.second": "2",
          "ingest.quota.requests.burst": "2",
          "ingest.quota.bytes.per.second": "1000",
          "ingest.quota.total.requests.per.second": "10",
        }),
        clock,
        shared,
      );
      const seen: unknown[] = [];
      const tryOne = () => seen.push(outcome(() => q.limit(id("d"), 500)));
      tryOne();
      tryOne(); // the buckets of 2 requests and of 1000 bytes are now empty
      clock.advance(500); // one request and 500 bytes flow in, whatever the wall clock says
      clock.stepWallClock(step);
      tryOne();
      tryOne(); // a step forward granted nothing more
      clock.advance(1_000);
      tryOne();
      tryOne();
      const refused = { status: 429, retryAfter: "1", code: 42901 };
      expect(seen).toEqual(["ok", "ok", "ok", refused, "ok", "ok"]);
    });
  });
});

// p3ingest 1: the buckets an instance leaves are taken over by the next one (IngestSecurity carries them).
describe("ingestQuotas over carried buckets", () => {
  const parse = (settings: Record<string, string>) => ingestQuotaConfigDef.parse(settings);
  /** Instances of one connector over the same buckets, as IngestSecurity builds them. */
  const carried = () => {
    const clock = new ManualClock();
    const buckets = new QuotaBuckets();
    const instance = (settings: Record<string, string>) => {
      const quotas = ingestQuotas(parse(settings), clock, undefined, false, buckets);
      quotas.takeOver();
      return quotas;
    };
    return { clock, buckets, instance };
  };

  test("an instance with a smaller ingest.quota.max.identities keeps the newest identities only", () => {
    const { buckets, instance } = carried();
    const first = instance({ "ingest.quota.requests.per.second": "1" });
    for (let i = 0; i < 10; i++) first.limit(id(`cycler-${i}`), 1);
    const next = instance({ "ingest.quota.requests.per.second": "1", "ingest.quota.max.identities": "3" });
    expect([...buckets.perIdentity.keys()]).toEqual(["cycler-7", "cycler-8", "cycler-9"]);
    for (let i = 0; i < 10; i++) next.limit(id(`other-${i}`), 1);
    expect(next.trackedIdentities).toBe(3);
    expect(outcome(() => next.limit(id("other-9"), 1))).not.toBe("ok");
  });

  // p3ingest-b 1: a request the old instance admitted before a config change and charged after it made its bucket
  // under the old limits (burst 100), which the new instance (burst 1) then used: 99 more requests got through.
  test("an older instance charging after a newer one was built charges under the newer's limits", () => {
    const { instance } = carried();
    const old = instance({ "ingest.quota.requests.per.second": "1", "ingest.quota.requests.burst": "100" });
    const next = instance({ "ingest.quota.requests.per.second": "1" });
    expect(outcome(() => old.limit(id("late"), 1))).toBe("ok");
    expect(outcome(() => next.limit(id("late"), 1))).toEqual({ status: 429, retryAfter: "1", code: 42901 });
    expect(outcome(() => old.limit(id("later"), 1))).toBe("ok");
    expect(outcome(() => old.limit(id("later"), 1))).toEqual({ status: 429, retryAfter: "1", code: 42901 });
  });

  test("an older instance charging after per-identity quotas were removed keeps no buckets", () => {
    const { buckets, instance } = carried();
    const old = instance({ "ingest.quota.requests.per.second": "1" });
    instance({});
    expect(outcome(() => old.limit(id("late"), 1))).toBe("ok");
    expect(outcome(() => old.limit(id("late"), 1))).toBe("ok");
    expect(buckets.perIdentity.size).toBe(0);
  });

  // p3ingest-b 5: a smaller max.identities dropped the oldest buckets though idle (full) ones were there to go.
  test("an instance with a smaller ingest.quota.max.identities drops idle buckets before the oldest", () => {
    const { clock, buckets, instance } = carried();
    const rate = { "ingest.quota.requests.per.second": "1", "ingest.quota.requests.burst": "2" };
    const first = instance(rate);
    first.limit(id("busy-old"), 1);
    first.limit(id("busy-old"), 1);
    first.limit(id("idle"), 1);
    clock.advance(1_000);
    first.limit(id("busy-new"), 1);
    first.limit(id("busy-new"), 1);
    instance({ ...rate, "ingest.quota.max.identities": "2" });
    expect([...buckets.perIdentity.keys()]).toEqual(["busy-old", "busy-new"]);
  });

  test("the totals carry over too, and go with their keys", () => {
    const { buckets, instance } = carried();
    const total = { "ingest.quota.total.requests.per.second": "1" };
    const first = instance(total);
    first.limit(id("a"), 1);
    const next = instance(total);
    expect(outcome(() => next.limit(id("b"), 1))).toEqual({ status: 429, retryAfter: "1", code: 42901 });
    instance({});
    expect(buckets.total).toEqual({ requests: null, bytes: null });
    const again = instance(total);
    expect(outcome(() => again.limit(id("b"), 1))).toBe("ok");
  });
});
