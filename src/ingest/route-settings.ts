/**
 * IngestRouteSettings: what the request path needs to know about one ingest route, derived by the
 * HttpIngestSource connector from its config (connectors/http-ingest/config.ts declares the keys).
 */

/** How a request body becomes records on the connector's path. */
export type IngestMode = "single" | "batch" | "auto";

/**
 * How record values reach the value converter: `json` parsed JSON (JsonConverter and the others),
 * `string` the element's text (StringConverter), `bytes` the element's bytes (ByteArrayConverter):
 * the last two without a JSON round trip.
 */
export type ValueFormat = "json" | "string" | "bytes";

export type KeySource =
  | { readonly source: "none" }
  | { readonly source: "header"; readonly header: string }
  | { readonly source: "field"; readonly path: string };

export interface HeaderMapping {
  /** HTTP request headers copied to every record (lower-case `from`), under the name `to`. */
  readonly allow: ReadonlyArray<{ readonly from: string; readonly to: string }>;
  /** Headers added to every record. */
  readonly static: ReadonlyArray<readonly [string, string]>;
  /** Header name for the request's Content-Type on JSON records (raw bodies always carry it), or null. */
  readonly contentType: string | null;
  /** Header name for the receive time (ms since epoch, decimal text), or null. */
  readonly receivedAt: string | null;
  /**
   * Lower-case names of every header the gateway stamps (the above, the identity header): a
   * client's own header of such a name (REST Proxy v3 headers) is dropped.
   */
  readonly stamped: ReadonlySet<string>;
}

export interface IngestLimits {
  /** Larger bodies get 413 without being read. */
  readonly maxBodyBytes: number;
  readonly maxRecords: number;
  readonly maxRecordBytes: number;
  /** Deepest nesting of arrays and objects in a JSON body (ingest.max.json.depth); deeper is 400. */
  readonly maxJsonDepth: number;
  /** How long a request waits for Kafka to acknowledge its records; records not yet sent by then are withdrawn. */
  readonly requestTimeoutMs: number;
  /** Beyond it, 503 with Retry-After. */
  readonly maxConcurrentRequests: number;
  /** Retry-After on 503s (paused, overloaded, no running task). */
  readonly retryAfterSeconds: number;
  /** REST Proxy v3 `records:batch` entries (api.v3.produce.batch.maximum.entries). */
  readonly v3BatchMaxEntries: number;
  /** Most headers of one REST Proxy v3 record (ingest.max.record.headers). */
  readonly maxRecordHeaders: number;
  /** How far ahead of the gateway's clock a client's timestamp may be (ingest.timestamp.max.future.ms). */
  readonly maxFutureTimestampMs: number;
  /** How long a REST Proxy v3 streaming request may stay open (ingest.streaming.max.duration.ms). */
  readonly streamMaxDurationMs: number;
}

export interface IngestRouteSettings {
  /** The connector's own path, e.g. `/ingest/telemetry`. */
  readonly path: string;
  /** kafka.topic: where records on the connector's own path go. */
  readonly topic: string;
  /** Topics REST Proxy shapes may name (empty: REST Proxy shapes disabled for this connector). */
  readonly restProxyTopics: readonly string[];
  /**
   * Those of them `ingest.rest.proxy.topics` names: where several connectors accept a topic, the
   * one naming it serves it (route-table.ts `byTopic`).
   */
  readonly restProxyNamed: readonly string[];
  readonly mode: IngestMode;
  readonly valueFormat: ValueFormat;
  /** The same for keys (key.converter). */
  readonly keyFormat: ValueFormat;
  readonly key: KeySource;
  readonly headers: HeaderMapping;
  readonly limits: IngestLimits;
  /** How long an Idempotency-Key is remembered (0: the header is ignored). */
  readonly idempotencyWindowMs: number;
}
