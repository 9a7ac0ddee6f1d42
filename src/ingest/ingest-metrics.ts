/**
 * The ingest listener's metrics, rendered on the worker's /metrics (Prometheus text): requests by
 * route and status class, records and bytes accepted, request latency histogram, requests and
 * records in flight, the size of the record groups handed to Kafka together, and the worker's
 * Idempotency-Keys (kept, their bytes and cap, dropped before their window ended). The series of a
 * route and its connector go when the route leaves the route table (its connector was deleted,
 * stopped or restarted, as Connect drops a connector's metric group): deleted connectors and
 * changed ingest.path values never pile up on /metrics.
 */
import type { MetricFamily, Sample } from "../metrics/prometheus.ts";
import type { IdempotencyUsage } from "../store/idempotency-eviction.ts";
import type { IngestRoute, IngestRouteTable } from "./route-table.ts";

/** Latency buckets in seconds (upper bounds). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Records per poll handed to the producer. */
const BATCH_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];

class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly bounds: readonly number[]) {
    this.counts = new Array(bounds.length).fill(0);
  }
  observe(value: number): void {
    this.sum += value;
    this.count++;
    for (let i = 0; i < this.bounds.length; i++) {
      if (value <= this.bounds[i]!) {
        this.counts[i]!++;
        return;
      }
    }
  }
  samples(labels: Record<string, string>): Sample[] {
    const out: Sample[] = [];
    let cumulative = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      cumulative += this.counts[i]!;
      out.push({ labels: { ...labels, le: String(this.bounds[i]) }, value: cumulative, suffix: "_bucket" });
    }
    out.push({ labels: { ...labels, le: "+Inf" }, value: this.count, suffix: "_bucket" });
    out.push({ labels, value: this.sum, suffix: "_sum" });
    out.push({ labels, value: this.count, suffix: "_count" });
    return out;
  }
}

/** The route label of requests no route took. */
export const UNMATCHED_LABEL = "unmatched";
/** The route labels of the REST Proxy shapes. */
export const REST_PROXY_LABELS = {
  v2: "/topics/{topic}",
  v3: "/v3/…/records",
  v3Batch: "/v3/…/records:batch",
} as const;
/** Route labels that are not a route's path: they never go. */
const FIXED_LABELS: ReadonlySet<string> = new Set([UNMATCHED_LABEL, ...Object.values(REST_PROXY_LABELS)]);

const STATUS_CLASSES = ["0xx", "1xx", "2xx", "3xx", "4xx", "5xx"];

/** `2xx` for 200…299 etc. (the label strings made once, not per request). */
function statusClass(status: number): string {
  return STATUS_CLASSES[Math.floor(status / 100)] ?? `${Math.floor(status / 100)}xx`;
}

interface RouteCounters {
  readonly requests: Map<string, number>;
  recordsAccepted: number;
  bytesAccepted: number;
  inFlight: number;
  readonly latency: Histogram;
}

export class IngestMetrics {
  private readonly routes = new Map<string, RouteCounters>();
  private readonly batches = new Map<string, Histogram>();
  /** Per connector: requests answered as written whose Idempotency-Key could not be stored. */
  private readonly keysNotStored = new Map<string, number>();
  /** Per connector: requests whose client had closed the connection before their answer. */
  private readonly unanswered = new Map<string, number>();
  /** Keys deleted before their window ended to stay under ingest.idempotency.max.bytes. */
  private keysDropped = 0;
  /** The Idempotency-Keys kept and their cap (set by the store's owner; undefined: no gauges). */
  idempotencyUsage: () => (IdempotencyUsage & { readonly maxBytes: number }) | undefined = () => undefined;
  /** Records accepted into task queues and not yet acknowledged (set by the route table's owner). */
  recordsInFlight: () => number = () => 0;
  /** The native route paths and connectors of the route table; undefined until `retain` first runs. */
  private live: { readonly paths: ReadonlySet<string>; readonly connectors: ReadonlySet<string> } | undefined;

  /** Follows `table`: its routes' series are kept, those of a route that left it go (see `retain`). */
  follow(table: IngestRouteTable): void {
    table.onChange((routes) => this.retain(routes));
  }

  /**
   * Keeps only the series of these routes (the route table changed): a route that is gone loses its
   * series once its last request is answered, its connector its batch and idempotency series.
   * The fixed labels (unmatched, the REST Proxy shapes) stay.
   */
  private retain(routes: readonly IngestRoute[]): void {
    this.live = {
      paths: new Set(routes.map((r) => r.settings.path)),
      connectors: new Set(routes.map((r) => r.connector)),
    };
    for (const [label, r] of this.routes) this.dropIfGone(label, r);
    for (const connector of this.batches.keys())
      if (!this.live.connectors.has(connector)) this.batches.delete(connector);
    for (const counts of [this.keysNotStored, this.unanswered])
      for (const connector of counts.keys()) if (!this.live.connectors.has(connector)) counts.delete(connector);
  }

  private dropIfGone(label: string, r: RouteCounters): void {
    if (this.live === undefined || r.inFlight > 0 || FIXED_LABELS.has(label) || this.live.paths.has(label)) return;
    this.routes.delete(label);
  }

  private route(route: string): RouteCounters {
    let r = this.routes.get(route);
    if (!r) {
      r = {
        requests: new Map(),
        recordsAccepted: 0,
        bytesAccepted: 0,
        inFlight: 0,
        latency: new Histogram(LATENCY_BUCKETS),
      };
      this.routes.set(route, r);
    }
    return r;
  }

  started(route: string): void {
    this.route(route).inFlight++;
  }

  finished(route: string, status: number, seconds: number, recordsAccepted: number, bytesAccepted: number): void {
    const r = this.route(route);
    r.inFlight = Math.max(0, r.inFlight - 1);
    const cls = statusClass(status);
    r.requests.set(cls, (r.requests.get(cls) ?? 0) + 1);
    r.latency.observe(seconds);
    r.recordsAccepted += recordsAccepted;
    r.bytesAccepted += bytesAccepted;
    this.dropIfGone(route, r);
  }

  /** A request refused before it reached a route (unknown path, topic): counted under its route label. */
  refused(route: string, status: number): void {
    const r = this.route(route);
    const cls = statusClass(status);
    r.requests.set(cls, (r.requests.get(cls) ?? 0) + 1);
  }

  /** A request's records were written but its Idempotency-Key could not be stored (a full disk, an answer over the cap). */
  idempotencyKeyNotStored(connector: string): void {
    this.keysNotStored.set(connector, (this.keysNotStored.get(connector) ?? 0) + 1);
  }

  /** A request's client had closed the connection before its answer: it never saw it. */
  requestUnanswered(connector: string): void {
    this.unanswered.set(connector, (this.unanswered.get(connector) ?? 0) + 1);
  }

  /** Kept keys were deleted before their window ended, to make room under the cap. */
  idempotencyKeysDropped(count: number): void {
    this.keysDropped += count;
  }

  /** Records handed to the producer together (one poll of a connector's ingest task). */
  batch(connector: string, size: number): void {
    let h = this.batches.get(connector);
    if (!h) {
      h = new Histogram(BATCH_BUCKETS);
      this.batches.set(connector, h);
    }
    h.observe(size);
  }

  families(): MetricFamily[] {
    const requests: Sample[] = [];
    const records: Sample[] = [];
    const bytes: Sample[] = [];
    const inFlight: Sample[] = [];
    const latency: Sample[] = [];
    for (const [route, r] of this.routes) {
      for (const [cls, n] of r.requests) requests.push({ labels: { route, status_class: cls }, value: n });
      records.push({ labels: { route }, value: r.recordsAccepted });
      bytes.push({ labels: { route }, value: r.bytesAccepted });
      inFlight.push({ labels: { route }, value: r.inFlight });
      latency.push(...r.latency.samples({ route }));
    }
    return [
      {
        name: "ingest_requests_total",
        type: "counter",
        help: "Ingest requests answered, by route and HTTP status class.",
        samples: requests,
      },
      {
        name: "ingest_records_accepted_total",
        type: "counter",
        help: "Records answered as written: acknowledged by Kafka (by the spool with ingest.ack.mode=spool).",
        samples: records,
      },
      {
        name: "ingest_bytes_accepted_total",
        type: "counter",
        help: "Bytes of the records answered as written: key and value as received, plus the request header values each carries a copy of and the identity stamped on it.",
        samples: bytes,
      },
      {
        name: "ingest_requests_in_flight",
        type: "gauge",
        help: "Ingest requests being handled now.",
        samples: inFlight,
      },
      {
        name: "ingest_records_in_flight",
        type: "gauge",
        help: "Records accepted and not yet acknowledged by Kafka.",
        samples: [{ labels: {}, value: this.recordsInFlight() }],
      },
      {
        name: "ingest_request_duration_seconds",
        type: "histogram",
        help: "Time from request arrival to response.",
        samples: latency,
      },
      {
        name: "ingest_produce_batch_records",
        type: "histogram",
        help: "Records handed to the producer together (one poll of an ingest task, many requests).",
        samples: [...this.batches].flatMap(([connector, h]) => h.samples({ connector })),
      },
      {
        name: "ingest_idempotency_keys_not_stored_total",
        type: "counter",
        help: "Requests whose records Kafka acknowledged (answered as written, or, with a key held, answered before that their records may still be written) and whose Idempotency-Key could not be stored (a full disk, an answer larger than ingest.idempotency.max.bytes, the data file closed while a held key settled): a retry with that key writes again.",
        samples: [...this.keysNotStored].map(([connector, value]) => ({ labels: { connector }, value })),
      },
      {
        name: "ingest_requests_unanswered_total",
        type: "counter",
        help: "Requests whose client had closed the connection before their answer (a half-close on the plain http listener, a hang-up, one before its body was read included): records already sent to Kafka were written, those still queued withdrawn, none of a body not read; the client never saw the answer, and a retry without an Idempotency-Key writes the written ones again.",
        samples: [...this.unanswered].map(([connector, value]) => ({ labels: { connector }, value })),
      },
      ...this.idempotencyFamilies(),
    ];
  }

  private idempotencyFamilies(): MetricFamily[] {
    const usage = this.idempotencyUsage();
    if (usage === undefined) return [];
    const gauge = (name: string, help: string, value: number): MetricFamily => ({
      name,
      type: "gauge",
      help,
      samples: [{ labels: {}, value }],
    });
    return [
      gauge(
        "ingest_idempotency_keys",
        "Idempotency-Keys kept in gateway.db (of every connector; expired ones and deleted connectors' not yet deleted included).",
        usage.keys,
      ),
      gauge(
        "ingest_idempotency_keys_bytes",
        "Bytes of the kept Idempotency-Keys: each key's whole answer plus its key, scope, connector, request hash and content type (SQLite's page overhead not included).",
        usage.bytes,
      ),
      gauge("ingest_idempotency_max_bytes", "The worker's ingest.idempotency.max.bytes (0: no cap).", usage.maxBytes),
      {
        name: "ingest_idempotency_keys_dropped_total",
        type: "counter",
        help: "Idempotency-Keys deleted before their window ended to keep the kept keys under ingest.idempotency.max.bytes: a retry with one writes again.",
        samples: [{ labels: {}, value: this.keysDropped }],
      },
    ];
  }
}
