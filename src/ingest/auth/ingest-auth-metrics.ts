/**
 * One ingest connector's authentication counters for /metrics (explore4 J3: failed attempts and
 * lockouts were logged nowhere above DEBUG and counted nowhere, so neither an attack on the device
 * port nor a NAT'd fleet answered 429 could be seen): refusals (401) by the method whose credential
 * was refused, addresses blocked by ingest.auth.basic.failures.max, and attempts refused by
 * ingest.auth.basic.failures.global.per.second. The connector's
 * authenticator (ingest-authenticator.ts) counts; IngestSecurity renders them with the connector
 * label and drops them with the connector's stages, as its per-identity counters.
 */
import type { MetricFamily } from "../../metrics/prometheus.ts";

/** The `method` label: the method whose credential was refused, `none` for a request without one it accepts. */
export type IngestAuthFailureMethod = "jwt" | "basic" | "mtls" | "none";

export class IngestAuthMetrics {
  private readonly failures = new Map<IngestAuthFailureMethod, number>();
  private lockouts = 0;
  private globalLimitRefusals = 0;

  /**
   * `methods`: the connector's ingest.auth.methods, whose series (and `none`'s) show 0 from the
   * start, so that an alert on their rate has a series to watch; `countsLockouts`: whether it
   * counts lockouts and global-limit refusals (basic is enabled).
   */
  constructor(
    methods: readonly string[],
    private readonly countsLockouts: boolean,
  ) {
    for (const method of ["jwt", "basic", "mtls"] as const) if (methods.includes(method)) this.failures.set(method, 0);
    this.failures.set("none", 0);
  }

  /** A request refused (401) for want of a valid credential of `method`. */
  failed(method: IngestAuthFailureMethod): void {
    this.failures.set(method, (this.failures.get(method) ?? 0) + 1);
  }

  /** An address blocked after ingest.auth.basic.failures.max failed attempts. */
  lockedOut(): void {
    this.lockouts++;
  }

  /** An attempt refused (429) because failed attempts of all clients passed ingest.auth.basic.failures.global.per.second. */
  globallyLimited(): void {
    this.globalLimitRefusals++;
  }

  families(labels: Readonly<Record<string, string>>): MetricFamily[] {
    return [
      {
        name: "ingest_auth_failures_total",
        type: "counter",
        help: "Ingest requests refused 401 by a connector's authentication, by the method whose credential was refused (none: the request carried none the connector accepts).",
        samples: [...this.failures].map(([method, value]) => ({ labels: { ...labels, method }, value })),
      },
      ...(this.countsLockouts
        ? [
            {
              name: "ingest_auth_lockouts_total",
              type: "counter" as const,
              help: "Client addresses blocked (429) by a connector after ingest.auth.basic.failures.max failed basic authentication attempts.",
              samples: [{ labels: { ...labels }, value: this.lockouts }],
            },
            {
              name: "ingest_auth_global_limit_refusals_total",
              type: "counter" as const,
              help: "Basic authentication attempts needing a password verify that a connector refused (429) because the failed attempts of all clients together passed ingest.auth.basic.failures.global.per.second.",
              samples: [{ labels: { ...labels }, value: this.globalLimitRefusals }],
            },
          ]
        : []),
    ];
  }
}
