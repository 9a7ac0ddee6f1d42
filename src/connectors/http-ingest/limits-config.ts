/**
 * HttpIngestSource's limit keys (group "Limits"): body, record, header and JSON-depth bounds, the
 * client timestamp bound, the request timeout, concurrency, queue and poll sizes, Retry-After, the
 * REST Proxy batch size and the Idempotency-Key window. Declared once like the other key groups
 * (ingest-security.ts, spool/spool-config.ts) and concatenated into the connector's config def in
 * config.ts, right after the route and header keys, so the documented key order is unchanged;
 * `routeSettings` there reads them into IngestRouteSettings.limits.
 */
import { MAX_JSON_DEPTH } from "../../api/data/json-depth.ts";
import { check, defineConfig, key } from "../../plugin/config-def.ts";

const LIMITS = "Limits";

export const ingestLimitsConfigDef = defineConfig({
  "ingest.max.body.bytes": key.int({
    doc: "Largest request body accepted; larger ones get 413 without the rest being read. The header values every record of a request repeats (the key header, allow-listed headers, a stamped content type, the stamped identity: ingest.identity.header and ingest.identity.key) count against it too, once per record (413). A REST Proxy v3 stream (a chunked POST …/records without an Idempotency-Key the connector honours) is not bounded in all: this bounds each of its records' text (in UTF-8 bytes, with the header values it carries), a longer one ends the stream with a 413 report; header values over ingest.max.body.bytes / ingest.max.records a record are 413 before the stream opens. A chunked one with such a key is read whole and bounded as any body.",
    default: 1_048_576,
    importance: "MEDIUM",
    group: LIMITS,
    validators: [check.atLeast(1)],
  }),
  "ingest.max.records": key.int({
    doc: "Most records in one request (array elements, NDJSON lines, REST Proxy v2 records, v3 records of a request not sent chunked, or sent chunked with an Idempotency-Key the connector honours, and records:batch entries); more get 422. A REST Proxy v3 stream (a chunked POST …/records without such a key) is not bounded in all: this bounds its records read and not yet settled.",
    default: 10_000,
    importance: "MEDIUM",
    group: LIMITS,
    validators: [check.atLeast(1)],
  }),
  "ingest.max.record.bytes": key.int({
    doc: "Largest single record (its value as received); larger ones get 413 and nothing of the request is written.",
    default: 1_000_000,
    importance: "MEDIUM",
    group: LIMITS,
    validators: [check.atLeast(1)],
  }),
  "ingest.max.json.depth": key.int({
    doc: "Deepest nesting of arrays and objects accepted in a JSON body (JSON, each NDJSON line, REST Proxy bodies); deeper ones get 400. At most 1000, the deepest JSON value the runtime reads (Jackson's default).",
    default: 100,
    importance: "LOW",
    group: LIMITS,
    validators: [check.between(1, MAX_JSON_DEPTH)],
  }),
  "ingest.max.record.headers": key.int({
    doc: "Most headers a REST Proxy v3 record may carry (its headers array); more fail that record with 400.",
    default: 100,
    importance: "LOW",
    group: LIMITS,
    validators: [check.atLeast(0)],
  }),
  "ingest.timestamp.max.future.ms": key.long({
    doc: "How far ahead of the gateway's clock a timestamp the client gives (REST Proxy v3 timestamp) may be; a later one, or a negative one, fails that record with 400 and nothing of it is written. The default is the broker's message.timestamp.after.max.ms default, which would otherwise refuse the record.",
    default: 3_600_000,
    importance: "LOW",
    group: LIMITS,
    validators: [check.atLeast(0)],
  }),
  "ingest.request.timeout.ms": key.int({
    doc: "How long a request may take from the start of its body to Kafka's acknowledgement of its records. A body not received by then is 408 (the connection closes); records not yet sent by then are withdrawn and the request answers 503; records already sent answer 500 (they may still be written); a request with an Idempotency-Key then keeps its key held (a retry is 409) until those records settle: written, its answer is replayed; not written, the key is released. A REST Proxy v3 stream (a chunked POST …/records) ends with a 408 report when no byte of it arrives (or the client reads none of its reports) for this long; each of its records waits for Kafka this long at most, as a request's do.",
    default: 30_000,
    importance: "MEDIUM",
    group: LIMITS,
    validators: [check.atLeast(1)],
  }),
  "ingest.streaming.max.duration.ms": key.long({
    doc: 'How long a REST Proxy v3 streaming request (a chunked POST …/records: records written as they come, each delivery report sent as soon as it and the records before it settle) may stay open (REST Proxy\'s streaming.connection.max.duration.ms). Then the gateway reads no more of it, answers the records it read, sends the report {"error_code":408,"message":"Streaming connection open for longer than allowed"} and ends the stream. A stream also ends (a 408 report) when no byte of it arrives for ingest.request.timeout.ms.',
    default: 86_400_000,
    importance: "LOW",
    group: LIMITS,
    validators: [check.atLeast(1)],
  }),
  "ingest.max.concurrent.requests": key.int({
    doc: "Requests handled at once on this route; more get 503 with Retry-After.",
    default: 1024,
    importance: "MEDIUM",
    group: LIMITS,
    validators: [check.atLeast(1)],
  }),
  "ingest.queue.max.records": key.int({
    doc: "Records a task holds before Kafka acknowledges them; a request that would exceed it gets 503 with Retry-After (a request is always taken when the task holds nothing). At least ingest.max.records: validation refuses less.",
    default: 100_000,
    importance: "LOW",
    group: LIMITS,
    validators: [check.atLeast(1)],
  }),
  "ingest.queue.max.bytes": key.long({
    doc: "Bytes of records (key and value as received, plus the request header values each record carries a copy of: the key header, allow-listed headers, a stamped content type, the stamped identity) a task holds before Kafka acknowledges them; a request that would exceed it gets 503 with Retry-After (a request is always taken when the task holds nothing). At least ingest.max.body.bytes: validation refuses less. That guarantees room for the body, not for its copies: a request's records count up to its body plus as much again in header values (more is 413; one record: its header values, up to the listener's 16 KiB), plus the identity name in each record (twice with ingest.identity.key), and a request past this limit waits for an empty queue; at least twice ingest.max.body.bytes lets the largest request in beside others. Bounds the memory concurrent requests of large records take while Kafka is slow or unreachable: without it, up to ingest.max.concurrent.requests times ingest.max.body.bytes.",
    default: 67_108_864,
    importance: "LOW",
    group: LIMITS,
    validators: [check.atLeast(1)],
  }),
  "ingest.poll.max.records": key.int({
    doc: "Most records a task hands to the producer in one poll (records of many requests share one produce call).",
    default: 10_000,
    importance: "LOW",
    group: LIMITS,
    validators: [check.atLeast(1)],
  }),
  "ingest.retry.after.seconds": key.int({
    doc: "Retry-After of 503 answers (paused or stopped connector, overload, no running task).",
    default: 5,
    importance: "LOW",
    group: LIMITS,
    validators: [check.atLeast(0)],
  }),
  "ingest.rest.proxy.batch.max.entries": key.int({
    doc: "Most entries in a REST Proxy v3 records:batch request (api.v3.produce.batch.maximum.entries).",
    default: 10,
    importance: "LOW",
    group: LIMITS,
    validators: [check.between(1, 50)],
  }),
  "ingest.idempotency.window.ms": key.long({
    doc: "How long an Idempotency-Key is remembered (in the gateway's SQLite file, across restarts): a retry with the same key and body gets the original answer without writing again; the same key with another body gets 422. Each key keeps the request's whole answer; the worker's ingest.idempotency.max.bytes bounds them all, deleting the keys that expire first. 0 ignores the header.",
    default: 86_400_000,
    importance: "MEDIUM",
    group: LIMITS,
    validators: [check.atLeast(0)],
  }),
});
