/**
 * Device security for the ingest pipeline (issue 12): builds each route's authenticate /
 * authorize / limit / stamp stages from its HttpIngestSource config (`ingest.auth.*`,
 * `ingest.acl.*`, `ingest.identity.*`, `ingest.quota.*`, declared in the modules below and
 * concatenated into the connector's config def), and keeps the per-identity and authentication
 * metrics of every route for /metrics. The composition root (app.ts) creates one `IngestSecurity` and hands its
 * `stagesFactory` to the connector.
 */
import type { Config } from "../api/connector.ts";
import type { MetricFamily } from "../metrics/prometheus.ts";
import { type Clock, monotonicNow } from "../util/clock.ts";
import { BasicAttemptGuard, type BasicAttemptLimits } from "./auth/basic-attempt-guard.ts";
import { ingestAcl, ingestAclConfigDef } from "./auth/ingest-acl.ts";
import { ingestAuthConfigDef, ingestAuthenticatorFrom } from "./auth/ingest-auth-config.ts";
import { IngestAuthMetrics } from "./auth/ingest-auth-metrics.ts";
import type { ClearTextListeners } from "./clear-text-listeners.ts";
import { IngestError } from "./ingest-error.ts";
import type { IngestHeaderValue, IngestRecord } from "./ingest-record.ts";
import type { IdentityMetrics } from "./quota/identity-metrics.ts";
import {
  globalBuckets,
  ingestGlobalQuotaConfigDef,
  ingestQuotaConfigDef,
  ingestQuotas,
  QuotaBuckets,
  type SharedBuckets,
} from "./quota/ingest-quotas.ts";
import {
  ANONYMOUS,
  type IngestIdentity,
  type IngestStages,
  type IngestStagesFactory,
  identityName,
} from "./request-context.ts";
import type { IngestRouteSettings } from "./route-settings.ts";
import type { ClientIdentitySource } from "./tls/ingest-tls-config.ts";

/** Every connector key of device security, for the connector's config def. */
export const ingestSecurityConfigDef = ingestAuthConfigDef.concat(ingestAclConfigDef).concat(ingestQuotaConfigDef);

const encoder = new TextEncoder();

/** Whether a record carries a header named `lower` (any case); loops, no closure per request. */
function hasHeader(records: readonly IngestRecord[], lower: string): boolean {
  for (let i = 0; i < records.length; i++) {
    const headers = records[i]!.headers;
    for (let j = 0; j < headers.length; j++) if (headers[j]![0].toLowerCase() === lower) return true;
  }
  return false;
}

/**
 * Adds the identity header (replacing any the client sent under that name) and, if asked, makes
 * the identity every record's key (replacing a client-sent key); for the anonymous identity (no
 * authentication configured) only removes a client-sent identity header. The value is the
 * identity's name (identityName: method-qualified when the connector enables several methods).
 * Like the other header copies, the stamped name counts in each record's `bytes` (its UTF-8 bytes,
 * once for the header and once for the key), so ingest.queue.max.bytes bounds them too; a client
 * key or header it replaces stays counted. So does it against ingest.max.body.bytes, with the
 * other copies, before the records are made (`stampedIdentityBytes`, checkCopiedHeaders).
 */
export function stampIdentity(
  identity: IngestIdentity,
  records: readonly IngestRecord[],
  settings: IngestRouteSettings,
  headerName: string,
  asKey: boolean,
  qualified = false,
): readonly IngestRecord[] {
  if (headerName === "" && !asKey) return records;
  // Without authentication there is no identity to vouch for: add nothing, but still drop a
  // client-sent header of that name so that downstream consumers can trust it.
  if (identity.source === "anonymous" && (headerName === "" || !hasHeader(records, headerName.toLowerCase())))
    return records;
  return stamped(identity, records, settings, headerName, asKey, qualified);
}

/** The bytes the identity's name adds to a record: once as the header, once as the key. */
function nameCopies(name: string, headerName: string, asKey: boolean): number {
  const nameBytes = Buffer.byteLength(name);
  return (headerName !== "" ? nameBytes : 0) + (asKey ? nameBytes : 0);
}

/** The bytes stampIdentity adds to each record of `identity`'s requests (IngestStages.stampedBytes). */
export function stampedIdentityBytes(
  identity: IngestIdentity,
  headerName: string,
  asKey: boolean,
  qualified = false,
): number {
  if (identity.source === "anonymous") return 0;
  return nameCopies(identityName(identity, qualified), headerName, asKey);
}

/** stampIdentity's new records (apart: its closures' scope is an object per call). */
function stamped(
  identity: IngestIdentity,
  records: readonly IngestRecord[],
  settings: IngestRouteSettings,
  headerName: string,
  asKey: boolean,
  qualified: boolean,
): readonly IngestRecord[] {
  const lower = headerName.toLowerCase();
  if (identity.source === "anonymous") {
    return records.map((r) => ({ ...r, headers: r.headers.filter(([name]) => name.toLowerCase() !== lower) }));
  }
  const name = identityName(identity, qualified);
  const key = settings.keyFormat === "bytes" ? encoder.encode(name) : name;
  const copied = nameCopies(name, headerName, asKey);
  return records.map((record) => {
    let headers = record.headers;
    if (headerName !== "") {
      const kept = record.headers.filter(([name]) => name.toLowerCase() !== lower);
      headers = [...kept, [headerName, name] as readonly [string, IngestHeaderValue]];
    }
    return {
      ...record,
      headers,
      // The identity wins over a client-sent key (REST Proxy key, X-Kafka-Key): a device cannot
      // write under another device's key (security review 2026-12-01, P3.20).
      key: asKey ? key : record.key,
      bytes: record.bytes + copied,
    };
  });
}

export interface IngestSecurityOptions {
  /** The https ingest listener's ssl.client.identity. */
  readonly mtlsIdentity: ClientIdentitySource;
  /** Whether an ingest listener asks for client certificates (a connector with mtls WARNs when not). */
  readonly clientCertificates?: boolean;
  /** Plain http ingest listeners other hosts reach, and the https ones (a connector with jwt or basic WARNs). */
  readonly clearTextListeners?: ClearTextListeners;
  readonly clock: Clock;
  /** The worker's ingest.quota.global.* settings. */
  readonly global?: Readonly<Record<string, string>>;
}

/** A connector's basic attempt guard and the instances holding it. */
interface KeptGuard {
  readonly limits: string;
  readonly lockoutMs: number;
  readonly guard: BasicAttemptGuard;
  /** Open instances of the connector using it. */
  open: number;
  /** When the last of them closed (monotonic ms). */
  closedAt: number;
}

/** A connector's quota buckets and the instances holding them. */
interface KeptQuotas {
  readonly buckets: QuotaBuckets;
  /** Open instances of the connector using them. */
  open: number;
  /** When, once the last of them closed, every bucket is full again (monotonic ms). */
  fullAt: number;
}

export class IngestSecurity {
  private readonly metricsByConnector = new Map<string, IdentityMetrics>();
  private readonly authMetricsByConnector = new Map<string, IngestAuthMetrics>();
  private readonly limitsByConnector = new Map<string, Readonly<Record<string, number>>>();
  /**
   * Each connector's basic attempt guard, kept across its instances while its limits stay (a config change, a
   * restart, a pause and resume build its stages again: a new guard unblocked every address its lockout had
   * blocked). Dropped once no instance of the connector holds it and the last one closed more than its
   * failures.lockout.ms ago (checked when stages are built or closed): by then every block it held has expired, and
   * a connector deleted, renamed or no longer using basic authentication keeps no guard (up to ~1.5 MB each).
   */
  private readonly guardsByConnector = new Map<string, KeptGuard>();
  /**
   * Each connector's quota buckets, kept across its instances (a restart, a pause and resume or a config change
   * gave every device that used up its quota a fresh one); an instance with other limits takes them over once its
   * route opened (`activate`; ingest-quotas.ts). Dropped when the connector is deleted (`connectorDeleted`), and once
   * no instance holds them and every bucket is full again (checked when stages are built or closed): a connector
   * stopped or no longer built keeps none. Each holds at most its ingest.quota.max.identities identities.
   */
  private readonly quotasByConnector = new Map<string, KeptQuotas>();
  private readonly shared: SharedBuckets;

  constructor(private readonly options: IngestSecurityOptions) {
    this.shared = globalBuckets(ingestGlobalQuotaConfigDef.parse(options.global ?? {}), options.clock);
  }

  readonly stagesFactory: IngestStagesFactory = (connector: string, config: Config): IngestStages => {
    this.dropExpired();
    const auth = ingestAuthConfigDef.parse(config);
    const aclConfig = ingestAclConfigDef.parse(config);
    const quotaConfig = ingestQuotaConfigDef.parse(config);
    const methods = auth["ingest.auth.methods"].map((m) => m.trim());
    const authMetrics = new IngestAuthMetrics(methods, methods.includes("basic"));
    // Several methods: certificate names, token subjects and basic users are separate namespaces.
    const qualified = new Set(auth["ingest.auth.methods"].map((m) => m.trim())).size > 1;
    const acl = ingestAcl(aclConfig, qualified);
    // Last of what can throw. The connector's kept guard is only looked up during the call and held once it
    // returned: a call throwing after it was handed out left it counted open, never to be dropped.
    let found: KeptGuard | undefined;
    const authenticator = ingestAuthenticatorFrom(auth, {
      mtlsIdentity: this.options.mtlsIdentity,
      ...(this.options.clientCertificates !== undefined ? { clientCertificates: this.options.clientCertificates } : {}),
      ...(this.options.clearTextListeners ? { clearTextListeners: this.options.clearTextListeners } : {}),
      clock: this.options.clock,
      connector,
      metrics: authMetrics,
      attemptGuard: (limits) => {
        found = this.attemptGuard(connector, limits);
        return found.guard;
      },
    });
    // Kept as the connector's guard once the route opened (`activate`): an instance whose start failed (a guard with
    // other limits built for it) changes nothing the connector keeps for its next instance (its quota buckets and
    // limits, its basic lockouts, its metrics).
    let held: KeptGuard | undefined = found;
    if (held !== undefined) held.open++;
    let heldQuotas: KeptQuotas | undefined = this.keptQuotas(connector);
    const quotas = ingestQuotas(quotaConfig, this.options.clock, this.shared, qualified, heldQuotas.buckets);
    const headerName = aclConfig["ingest.identity.header"] ?? "";
    const asKey = aclConfig["ingest.identity.key"];
    return {
      // Without authentication every request is anonymous, answered without a promise.
      authenticate: authenticator.enabled
        ? (context, check) => authenticator.authenticate(context, check)
        : () => ANONYMOUS,
      authenticates: authenticator.enabled,
      ...(auth["ingest.auth.methods"].some((m) => m.trim() === "basic")
        ? {
            failureLimits: {
              maxFailures: auth["ingest.auth.basic.failures.max"],
              lockoutMs: auth["ingest.auth.basic.failures.lockout.ms"],
              globalFailuresPerSecond: auth["ingest.auth.basic.failures.global.per.second"],
            },
          }
        : {}),
      authorize: (identity, target) => {
        try {
          acl.authorize(identity, target);
        } catch (error) {
          if (error instanceof IngestError) quotas.recordDenied(identity);
          throw error;
        }
      },
      limit: (identity, _target, bytes) => quotas.limit(identity, bytes),
      stamp: (identity, records, settings) => stampIdentity(identity, records, settings, headerName, asKey, qualified),
      stampedBytes: (identity) => stampedIdentityBytes(identity, headerName, asKey, qualified),
      activate: () => {
        if (held !== undefined) this.guardsByConnector.set(connector, held);
        quotas.takeOver();
        this.metricsByConnector.set(connector, quotas.metrics);
        if (authenticator.enabled) this.authMetricsByConnector.set(connector, authMetrics);
        else this.authMetricsByConnector.delete(connector);
        this.limitsByConnector.set(connector, quotas.limits);
      },
      close: () => {
        if (this.metricsByConnector.get(connector) === quotas.metrics) {
          this.metricsByConnector.delete(connector);
          this.limitsByConnector.delete(connector);
        }
        if (this.authMetricsByConnector.get(connector) === authMetrics) this.authMetricsByConnector.delete(connector);
        if (held !== undefined && --held.open === 0) held.closedAt = monotonicNow(this.options.clock);
        held = undefined;
        if (heldQuotas !== undefined && --heldQuotas.open === 0) {
          const now = monotonicNow(this.options.clock);
          heldQuotas.fullAt = now + heldQuotas.buckets.msUntilFull(now);
        }
        heldQuotas = undefined;
        this.dropExpired();
      },
    };
  };

  /** The connector's kept guard for `limits`, or a new one (not kept yet) when its limits changed. */
  private attemptGuard(connector: string, limits: BasicAttemptLimits): KeptGuard {
    const key = JSON.stringify(limits);
    const kept = this.guardsByConnector.get(connector);
    if (kept?.limits === key) return kept;
    const guard = new BasicAttemptGuard(limits, this.options.clock);
    return { limits: key, lockoutMs: limits.lockoutMs, guard, open: 0, closedAt: 0 };
  }

  /** The connector's kept quota buckets (new ones when none are), held by one more instance. */
  private keptQuotas(connector: string): KeptQuotas {
    let kept = this.quotasByConnector.get(connector);
    if (kept === undefined) {
      kept = { buckets: new QuotaBuckets(), open: 0, fullAt: 0 };
      this.quotasByConnector.set(connector, kept);
    }
    kept.open++;
    return kept;
  }

  /**
   * Drops the guards no instance holds whose last instance closed more than their lockout ago, and the quota
   * buckets no instance holds that are all full again.
   */
  private dropExpired(): void {
    const now = monotonicNow(this.options.clock);
    for (const [connector, kept] of this.guardsByConnector) {
      if (kept.open === 0 && now - kept.closedAt >= kept.lockoutMs) this.guardsByConnector.delete(connector);
    }
    for (const [connector, kept] of this.quotasByConnector) {
      if (kept.open === 0 && now >= kept.fullAt) this.quotasByConnector.delete(connector);
    }
  }

  /**
   * The connector was deleted: its quota buckets go (one created again under its name starts with fresh ones);
   * an instance of it still open keeps using those it holds until it closes. Its basic attempt guard stays, as the
   * README says: a delete and create again of the name (how some tools apply a changed config) must not unblock
   * the addresses its lockout blocked; it goes once its lockout has passed, as any guard no instance holds.
   */
  connectorDeleted(connector: string): void {
    this.quotasByConnector.delete(connector);
  }

  /** Connectors whose basic attempt guard is kept (for tests). */
  get guardedConnectors(): readonly string[] {
    return [...this.guardsByConnector.keys()];
  }

  /** Connectors whose quota buckets are kept (for tests). */
  get quotaConnectors(): readonly string[] {
    return [...this.quotasByConnector.keys()];
  }

  /** Per-identity and authentication families of every route, one family per metric name. */
  families(): MetricFamily[] {
    const merged = new Map<string, MetricFamily>();
    const perConnector = [...this.metricsByConnector, ...this.authMetricsByConnector];
    for (const [connector, metrics] of perConnector) {
      for (const f of metrics.families({ connector })) {
        const existing = merged.get(f.name);
        merged.set(f.name, existing ? { ...existing, samples: [...existing.samples, ...f.samples] } : f);
      }
    }
    const limits = [...this.limitsByConnector].flatMap(([connector, l]) =>
      Object.entries(l).map(([limit, value]) => ({ labels: { connector, limit }, value })),
    );
    if (limits.length > 0) {
      merged.set("ingest_quota_limit", {
        name: "ingest_quota_limit",
        help: "Configured ingest quotas per connector (ingest.quota.<limit>; 0: unlimited).",
        type: "gauge",
        samples: limits,
      });
    }
    return [...merged.values()];
  }
}
