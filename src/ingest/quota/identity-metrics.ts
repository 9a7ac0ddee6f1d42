/**
 * Per-identity ingest counters for /metrics with bounded cardinality: at most `maxTracked`
 * identities are counted individually (once full, new identities count under "other"), and the
 * exposition shows the `topN` identities with the most requests, everything else summed as
 * principal="other". So a fleet of a million devices costs at most topN+1 series per metric.
 *
 * Every series is a true counter even as identities move in and out of the top N: a request is
 * counted, at the scrape that first sees it, in the series of its identity if that identity is
 * shown then, else in "other"; it stays there. So "other" never drops when a big identity joins
 * the top N, nor jumps by an identity's whole history when it leaves it, and an identity shown
 * again goes on from where its series stopped (what a series showed leaves with it while it is not
 * shown: sum the rates of the series, not their values).
 */
import type { MetricFamily } from "../../metrics/prometheus.ts";

interface Counts {
  requests: number;
  bytes: number;
  throttled: number;
  denied: number;
}

export type IdentityOutcome = "accepted" | "throttled" | "denied";

export const OTHER = "other";

const zero = (): Counts => ({ requests: 0, bytes: 0, throttled: 0, denied: 0 });
const KEYS = ["requests", "bytes", "throttled", "denied"] as const;

/** One identity's counts, and how much of them earlier scrapes put in "other" or in its own series. */
interface Tracked {
  readonly counts: Counts;
  readonly inOther: Counts;
  readonly attributed: Counts;
}

export class IdentityMetrics {
  private readonly counts = new Map<string, Tracked>();
  private readonly overflow: Counts = zero();

  constructor(
    private readonly topN = 20,
    private readonly maxTracked = 10_000,
  ) {}

  record(principal: string, outcome: IdentityOutcome, bytes = 0): void {
    let c = this.counts.get(principal)?.counts;
    if (!c) {
      if (this.counts.size >= this.maxTracked || principal === OTHER) c = this.overflow;
      else {
        c = zero();
        this.counts.set(principal, { counts: c, inOther: zero(), attributed: zero() });
      }
    }
    if (outcome === "accepted") {
      c.requests += 1;
      c.bytes += bytes;
    } else if (outcome === "throttled") c.throttled += 1;
    else c.denied += 1;
  }

  /**
   * The top-N identities by requests (then throttled), plus "other". Attributes what each identity
   * counted since the last call: to its own series when it is shown now, else to "other".
   */
  snapshot(): { principal: string; counts: Counts }[] {
    const ranked = [...this.counts.entries()].sort(
      (a, b) =>
        b[1].counts.requests - a[1].counts.requests ||
        b[1].counts.throttled - a[1].counts.throttled ||
        (a[0] < b[0] ? -1 : 1),
    );
    const other = { ...this.overflow };
    for (const [, t] of ranked.slice(this.topN)) {
      for (const k of KEYS) {
        t.inOther[k] += t.counts[k] - t.attributed[k];
        t.attributed[k] = t.counts[k];
      }
    }
    for (const [, t] of ranked) for (const k of KEYS) other[k] += t.inOther[k];
    const top = ranked.slice(0, this.topN).map(([principal, t]) => {
      const shown = zero();
      for (const k of KEYS) {
        t.attributed[k] = t.counts[k];
        shown[k] = t.counts[k] - t.inOther[k];
      }
      return { principal, counts: shown };
    });
    if (ranked.length > this.topN || KEYS.some((k) => other[k] > 0)) top.push({ principal: OTHER, counts: other });
    return top;
  }

  families(labels: Readonly<Record<string, string>>): MetricFamily[] {
    const snap = this.snapshot();
    const family = (name: string, help: string, pick: (c: Counts) => number): MetricFamily => ({
      name,
      help,
      type: "counter",
      samples: snap.map((s) => ({ labels: { ...labels, principal: s.principal }, value: pick(s.counts) })),
    });
    return [
      family(
        "ingest_identity_requests_total",
        "Requests admitted per identity: past authentication, the ACL and the quotas, counted even when the body is then refused (400, 415, 422) (top N, rest as other).",
        (c) => c.requests,
      ),
      family(
        "ingest_identity_bytes_total",
        "Request body bytes of the requests admitted per identity (top N, rest as other).",
        (c) => c.bytes,
      ),
      family(
        "ingest_identity_throttled_total",
        "Requests answered 429 per identity (top N, rest as other).",
        (c) => c.throttled,
      ),
      family(
        "ingest_identity_denied_total",
        "Requests answered 403 per identity (top N, rest as other).",
        (c) => c.denied,
      ),
    ];
  }
}
