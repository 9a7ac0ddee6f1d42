/**
 * The `limit(identity, bytes)` stage: per-identity token buckets for requests/s and bytes/s, and
 * a cap over all identities of the connector, from the connector's `ingest.quota.*` keys (0 means
 * unlimited), and the gateway-wide cap of the worker's `ingest.quota.global.*` keys (buckets
 * shared by every connector). A request passes only when every bucket it draws from can give (requests are
 * checked before anything is taken, so a refused request costs nothing); otherwise it is an
 * IngestError 429 with Retry-After (whole seconds, rounded up) for the longest wait.
 *
 * Buckets are kept for at most `ingest.quota.max.identities` identities: idle (full) buckets are
 * dropped first, then the oldest. Outcomes feed the per-identity metrics (top-N plus "other").
 * The buckets live in a `QuotaBuckets` the caller may carry from one instance of the connector to
 * the next (IngestSecurity does: a restart, a pause and resume or a config change must not hand a
 * device that used up its quota a fresh one); an instance with other limits takes them over with
 * what was consumed, clamped to its limits, and drops those whose quota it no longer has. The limits
 * are kept with the buckets: an older instance still charging a request it admitted charges under the
 * newest instance's limits.
 *
 * Buckets refill on the clock's monotonic reading, never the wall clock: a host whose clock is
 * stepped (NTP on an edge device without a real-time clock) would otherwise stall every refill for
 * the size of a step back, or hand out a full burst on a step forward.
 */
import { check, defineConfig, key } from "../../plugin/config-def.ts";
import { type Clock, monotonicNow, systemClock } from "../../util/clock.ts";
import { ErrorCodes, IngestError } from "../ingest-error.ts";
import { type IngestIdentity, identityName } from "../request-context.ts";
import { IdentityMetrics } from "./identity-metrics.ts";
import { TokenBucket } from "./token-bucket.ts";

const GROUP = "Ingest quotas";

const rate = (doc: string) =>
  key.double({ doc, default: 0, importance: "MEDIUM", group: GROUP, validators: [check.atLeast(0)] });
const burst = (doc: string) =>
  key.double({
    doc,
    default: null,
    importance: "LOW",
    group: GROUP,
    validators: [(n) => (n !== null && n < 1 ? "Value must be at least 1" : undefined)],
  });

export const ingestQuotaConfigDef = defineConfig({
  "ingest.quota.requests.per.second": rate(
    "Requests per second allowed to each identity (token bucket); 0: unlimited.",
  ),
  "ingest.quota.requests.burst": burst(
    "Bucket size for requests per identity; unset: one second's worth (at least 1).",
  ),
  "ingest.quota.bytes.per.second": rate("Request body bytes per second allowed to each identity; 0: unlimited."),
  "ingest.quota.bytes.burst": burst("Bucket size for bytes per identity; unset: one second's worth."),
  "ingest.quota.total.requests.per.second": rate(
    "Requests per second over all identities of this connector; 0: unlimited.",
  ),
  "ingest.quota.total.bytes.per.second": rate(
    "Request body bytes per second over all identities of this connector; 0: unlimited.",
  ),
  "ingest.quota.max.identities": key.int({
    doc: "How many identities' buckets are kept; beyond it idle ones, then the oldest, are forgotten.",
    default: 100000,
    importance: "LOW",
    group: GROUP,
    validators: [check.atLeast(1)],
  }),
  "ingest.metrics.identities.top.n": key.int({
    doc: 'How many identities get their own series in the per-identity metrics; the rest are summed as principal="other".',
    default: 20,
    importance: "LOW",
    group: GROUP,
    validators: [check.between(0, 1000)],
  }),
});

export type IngestQuotaConfig = ReturnType<typeof ingestQuotaConfigDef.parse>;

/** The worker's cap over every ingest connector (worker.properties keys). */
export const ingestGlobalQuotaConfigDef = defineConfig({
  "ingest.quota.global.requests.per.second": key.double({
    doc: "Requests per second over every ingest connector of this gateway (token bucket, one second's burst); 0: unlimited. Over it: 429 with Retry-After.",
    default: 0,
    importance: "LOW",
    group: "Ingest quotas",
    validators: [check.atLeast(0)],
  }),
  "ingest.quota.global.bytes.per.second": key.double({
    doc: "Request body bytes per second over every ingest connector of this gateway; 0: unlimited.",
    default: 0,
    importance: "LOW",
    group: "Ingest quotas",
    validators: [check.atLeast(0)],
  }),
});

/** Buckets shared by every connector's quotas (the gateway-wide cap). */
export interface SharedBuckets {
  readonly requests: TokenBucket | null;
  readonly bytes: TokenBucket | null;
}

export function globalBuckets(
  config: ReturnType<typeof ingestGlobalQuotaConfigDef.parse>,
  clock: Clock = systemClock,
): SharedBuckets {
  const req = config["ingest.quota.global.requests.per.second"];
  const bytes = config["ingest.quota.global.bytes.per.second"];
  const now = monotonicNow(clock);
  return {
    requests: req > 0 ? new TokenBucket(req, Math.max(1, req), now) : null,
    bytes: bytes > 0 ? new TokenBucket(bytes, Math.max(1, bytes), now) : null,
  };
}

interface IdentityBuckets {
  readonly requests: TokenBucket | null;
  readonly bytes: TokenBucket | null;
}

const NO_BUCKETS: IdentityBuckets = { requests: null, bytes: null };

/** The per-identity limits (0: unlimited), of the connector's newest instance. */
interface IdentityLimits {
  readonly requestRate: number;
  readonly requestBurst: number;
  readonly byteRate: number;
  readonly byteBurst: number;
  readonly maxIdentities: number;
}

/**
 * A connector's buckets (per identity, and over all its identities), carried across its instances, with the
 * limits of its newest instance (`retune`): an older instance still charging a request it admitted before a
 * config change charges under those, never creating a bucket under its own.
 */
export class QuotaBuckets {
  readonly perIdentity = new Map<string, IdentityBuckets>();
  total: IdentityBuckets = NO_BUCKETS;
  private limits: IdentityLimits = { requestRate: 0, requestBurst: 1, byteRate: 0, byteBurst: 1, maxIdentities: 1 };

  /** Whether a per-identity quota is configured. */
  get perIdentityOn(): boolean {
    return this.limits.requestRate > 0 || this.limits.byteRate > 0;
  }

  /** Takes `limits` over: every bucket under them (those whose quota is gone dropped), at most max.identities kept. */
  retune(limits: IdentityLimits, now: number): void {
    this.limits = limits;
    if (!this.perIdentityOn) this.perIdentity.clear();
    for (const [principal, b] of this.perIdentity) this.perIdentity.set(principal, this.underLimits(b, now));
    this.evictTo(limits.maxIdentities, now);
  }

  /** `principal`'s buckets under the current limits: kept ones (retuned if made under others), else new ones. */
  of(principal: string, now: number): IdentityBuckets {
    const kept = this.perIdentity.get(principal);
    if (kept !== undefined) {
      const b = this.underLimits(kept, now);
      if (b !== kept) this.perIdentity.set(principal, b);
      return b;
    }
    this.evictTo(this.limits.maxIdentities - 1, now);
    const b = this.underLimits(NO_BUCKETS, now);
    this.perIdentity.set(principal, b);
    return b;
  }

  /** `b` under the current limits (`b` itself when it already is). */
  private underLimits(b: IdentityBuckets, now: number): IdentityBuckets {
    const { requestRate, requestBurst, byteRate, byteBurst } = this.limits;
    const requests = retuned(b.requests, requestRate, requestBurst, now);
    const bytes = retuned(b.bytes, byteRate, byteBurst, now);
    return requests === b.requests && bytes === b.bytes ? b : { requests, bytes };
  }

  /** Drops buckets until at most `max` are kept: the idle (full) ones first, then the oldest. */
  private evictTo(max: number, now: number): void {
    if (this.perIdentity.size <= max) return;
    for (const [p, x] of this.perIdentity) {
      if ((x.requests?.isFull(now) ?? true) && (x.bytes?.isFull(now) ?? true)) this.perIdentity.delete(p);
    }
    while (this.perIdentity.size > max) this.perIdentity.delete(this.perIdentity.keys().next().value as string);
  }

  /** Ms until every bucket is full again: from then on they hold nothing new ones would not. */
  msUntilFull(nowMs: number): number {
    let ms = 0;
    const full = (b: IdentityBuckets) => {
      ms = Math.max(ms, b.requests?.msUntilFull(nowMs) ?? 0, b.bytes?.msUntilFull(nowMs) ?? 0);
    };
    full(this.total);
    for (const b of this.perIdentity.values()) full(b);
    return ms;
  }
}

/** `bucket` under the limits (a fresh one if there was none), or null when the rate is 0 (unlimited). */
function retuned(bucket: TokenBucket | null, rate: number, burst: number, now: number): TokenBucket | null {
  if (rate <= 0) return null;
  return bucket === null ? new TokenBucket(rate, burst, now) : bucket.withLimits(rate, burst, now);
}

export interface IngestQuotas {
  /** Charges one request of `bytes` to `identity`; throws IngestError 429 when over quota. */
  limit(identity: IngestIdentity, bytes: number): void;
  /** Counts a 403 for the metrics. */
  recordDenied(identity: IngestIdentity): void;
  readonly metrics: IdentityMetrics;
  /** The configured limits (0: unlimited), for /metrics. */
  readonly limits: Readonly<Record<string, number>>;
  /** Identities with buckets now (for tests). */
  readonly trackedIdentities: number;
  /**
   * Puts the carried buckets under these limits (the connector's newest instance). Called once the instance's route
   * opened: one whose start fails (its path taken) changes nothing the connector keeps for its next instance (its
   * quota buckets and limits, its basic lockouts, its metrics).
   */
  takeOver(): void;
}

export function ingestQuotas(
  config: IngestQuotaConfig,
  clock: Clock = systemClock,
  shared: SharedBuckets = { requests: null, bytes: null },
  /** The connector enables several authentication methods: identities are method-qualified (identityName). */
  qualified = false,
  /** The buckets an earlier instance of the connector left, put under these limits by `takeOver`; else its own. */
  carried?: QuotaBuckets,
): IngestQuotas {
  const buckets = carried ?? new QuotaBuckets();
  const reqRate = config["ingest.quota.requests.per.second"];
  const byteRate = config["ingest.quota.bytes.per.second"];
  const reqBurst = Math.max(1, config["ingest.quota.requests.burst"] ?? reqRate);
  const byteBurst = Math.max(1, config["ingest.quota.bytes.burst"] ?? byteRate);
  const totalReq = config["ingest.quota.total.requests.per.second"];
  const totalBytes = config["ingest.quota.total.bytes.per.second"];
  const takeOver = () => {
    const now0 = monotonicNow(clock);
    buckets.total = {
      requests: retuned(buckets.total.requests, totalReq, Math.max(1, totalReq), now0),
      bytes: retuned(buckets.total.bytes, totalBytes, Math.max(1, totalBytes), now0),
    };
    buckets.retune(
      {
        requestRate: reqRate,
        requestBurst: reqBurst,
        byteRate,
        byteBurst,
        maxIdentities: config["ingest.quota.max.identities"],
      },
      now0,
    );
  };
  if (carried === undefined) takeOver();
  const metrics = new IdentityMetrics(config["ingest.metrics.identities.top.n"]);

  return {
    metrics,
    takeOver,
    limits: {
      "requests.per.second": reqRate,
      "requests.burst": reqRate > 0 ? reqBurst : 0,
      "bytes.per.second": byteRate,
      "bytes.burst": byteRate > 0 ? byteBurst : 0,
      "total.requests.per.second": totalReq,
      "total.bytes.per.second": totalBytes,
    },
    get trackedIdentities() {
      return buckets.perIdentity.size;
    },
    recordDenied(identity) {
      metrics.record(identityName(identity, qualified), "denied");
    },
    limit(identity, bytes) {
      const name = identityName(identity, qualified);
      const global = buckets.total;
      const perIdentityOn = buckets.perIdentityOn;
      if (!perIdentityOn && !global.requests && !global.bytes && !shared.requests && !shared.bytes) {
        metrics.record(name, "accepted", bytes); // no quota configured: only counted
        return;
      }
      const now = monotonicNow(clock);
      const own = perIdentityOn ? buckets.of(name, now) : NO_BUCKETS;
      const draws: [TokenBucket | null, number, string][] = [
        [own.requests, 1, "request rate"],
        [own.bytes, bytes, "byte rate"],
        [global.requests, 1, "total request rate"],
        [global.bytes, bytes, "total byte rate"],
        [shared.requests, 1, "gateway request rate"],
        [shared.bytes, bytes, "gateway byte rate"],
      ];
      let waitMs = 0;
      let which = "";
      for (const [bucket, n, name] of draws) {
        if (!bucket || n <= 0) continue;
        const w = bucket.waitFor(n, now);
        if (w > waitMs) {
          waitMs = w;
          which = name;
        }
      }
      if (waitMs > 0) {
        metrics.record(name, "throttled");
        const seconds = Math.max(1, Math.ceil(waitMs / 1000));
        const whose = which.startsWith("total")
          ? "this route's"
          : which.startsWith("gateway")
            ? "the gateway's"
            : `principal ${name}'s`;
        throw new IngestError(
          429,
          ErrorCodes.TOO_MANY_REQUESTS,
          `Too many requests: ${whose} ${which.replace(/^(total|gateway) /, "")} quota is exhausted; retry after ${seconds} s`,
          { retryAfterSeconds: seconds },
        );
      }
      for (const [bucket, n] of draws) if (bucket && n > 0) bucket.take(n, now);
      metrics.record(name, "accepted", bytes);
    },
  };
}
