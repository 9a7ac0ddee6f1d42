/**
 * Per-identity ingest counters for /metrics with bounded cardinality: at most `maxTracked`
 * identities are counted individually (once full, new identities count under "other"), and the
 * exposition shows the `topN` identities with the most requests, everything else summed as
 * principal="other". So a fleet of a million devices costs at most topN+1 series per metric.
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

export class IdentityMetrics {
  private readonly counts = new Map<string, Counts>();
  private readonly overflow: Counts = { requests: 0, bytes: 0, throttled: 0, denied: 0 };

  constructor(
    private readonly topN = 20,
    private readonly maxTracked = 10_000,
  ) {}

  record(principal: string, outcome: IdentityOutcome, bytes = 0): void {
    let c = this.counts.get(principal);
    if (!c) {
      if (this.counts.size >= this.maxTracked || principal === OTHER) c = this.overflow;
      else {
        c = { requests: 0, bytes: 0, throttled: 0, denied: 0 };
        this.counts.set(principal, c);
      }
    }
    if (outcome === "accepted") {
      c.requests += 1;
      c.bytes += bytes;
    } else if (outcome === "throttled") c.throttled += 1;
    else c.denied += 1;
  }

  /** The top-N identities by requests (then throttled), plus "other". */
  snapshot(): { principal: string; counts: Counts }[] {
    const ranked = [...this.counts.entries()].sort(
      (a, b) => b[1].requests - a[1].requests || b[1].throttled - a[1].throttled || (a[0] < b[0] ? -1 : 1),
    );
    const top = ranked.slice(0, this.topN).map(([principal, counts]) => ({ principal, counts: { ...counts } }));
    const other = { ...this.overflow };
    for (const [, c] of ranked.slice(this.topN)) {
      other.requests += c.requests;
      other.bytes += c.bytes;
      other.throttled += c.throttled;
      other.denied += c.denied;
    }
    if (ranked.length > this.topN || Object.values(this.overflow).some((v) => v > 0)) {
      top.push({ principal: OTHER, counts: other });
    }
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
        "Requests accepted per identity (top N, rest as other).",
        (c) => c.requests,
      ),
      family(
        "ingest_identity_bytes_total",
        "Request body bytes accepted per identity (top N, rest as other).",
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
