/**
 * REST Proxy v3 produce (`POST /v3/clusters/{cluster_id}/topics/{topic}/records` and
 * `…/records:batch`), as shared/rest-proxy-api.md gives it.
 *   records: one JSON object per record; several concatenated (streaming mode) get one delivery
 *   report each, in order, HTTP 200. A single record not sent chunked answers with its own status.
 *   records:batch: `{"entries":[{id, …}]}` → 207 `{"successes":[…],"failures":[…]}`.
 * A record that cannot be read fails on its own (a report with error_code 400; 413 over
 * ingest.max.record.bytes; 40402 naming a partition the topic lacks, 40401 when the topic does not
 * exist), the others are written, as
 * REST Proxy produces each streamed record or batch entry on its own. The whole body is read first
 * (bounded by ingest.max.body.bytes), then answered; a chunked `…/records` request is streamed
 * instead (v3-record-stream.ts), except with an Idempotency-Key.
 */
import * as v from "valibot";
import { jsonDeeperThan, tooDeepMessage } from "../api/data/json-depth.ts";
import { exactMember, exactReading, jsonDataElement } from "./exact-json-data.ts";
import { ErrorCodes, failedRecordCode, IngestError } from "./ingest-error.ts";
import type { IngestRecord, RecordOutcome } from "./ingest-record.ts";
import { jacksonBodyText } from "./json-body-text.ts";
import { concatenatedJsonTexts, depthChecked } from "./json-text.ts";
import { type Element, elementBytes, ingestRecord, representOr, restProxyHeaders } from "./record-builder.ts";
import { issueMessage, V3BatchEntry, V3ProduceRequest } from "./rest-proxy-schemas.ts";
import { clientHeaders, clientTimestamp, decodeBase64, RecordError } from "./rest-proxy-v3-fields.ts";
import type { IngestRouteSettings } from "./route-settings.ts";

/** Java's Instant.toString: no fraction when the milliseconds are zero. */
export function instantString(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith(".000Z") ? `${iso.slice(0, -5)}Z` : iso;
}

export interface DataInfo {
  readonly type: "BINARY" | "JSON" | "STRING";
  readonly size: number;
}

/** One v3 record as read: a record to write (index into `records`), or an error report. */
export type V3Item =
  | {
      readonly ok: true;
      readonly id?: string;
      readonly index: number;
      readonly key: DataInfo | null;
      readonly value: DataInfo | null;
    }
  | {
      readonly ok: false;
      readonly id?: string;
      /** The HTTP status of a lone record's answer. */
      readonly status: number;
      readonly errorCode: number;
      readonly message: string;
    };

export interface V3Parsed {
  readonly records: IngestRecord[];
  readonly items: V3Item[];
}

function data(
  field: v.InferOutput<typeof V3ProduceRequest>["key"],
  what: "key" | "value",
  exact: unknown,
): { element: Element; info: DataInfo } | null {
  if (field === undefined || field === null) return null;
  if (field.schema_id != null || field.schema != null || field.subject != null || field.schema_version != null)
    throw new RecordError(`Bad Request: ${what} schemas need a schema registry, which this gateway does not use`);
  const type = field.type ?? "BINARY";
  if (type !== "BINARY" && type !== "JSON" && type !== "STRING")
    throw new RecordError(`Bad Request: ${what} type ${type} needs a schema registry, which this gateway does not use`);
  const d = field.data;
  if (d === undefined || d === null) return null;
  if (type === "BINARY") {
    const bytes = typeof d === "string" ? decodeBase64(d) : null;
    if (!bytes)
      throw new RecordError(
        `Bad Request: data=${typeof d === "string" ? d : JSON.stringify(d)} is not a base64 string.`,
      );
    return { element: { kind: "bytes", bytes }, info: { type, size: bytes.length } };
  }
  if (type === "STRING") {
    if (typeof d !== "string") throw new RecordError(`Bad Request: data=${JSON.stringify(d)} is not a string.`);
    return { element: { kind: "string", text: d }, info: { type, size: Buffer.byteLength(d) } };
  }
  // As sent: its exact reading's text when a number in it may have been changed (exact-json-data.ts).
  const element = jsonDataElement(d, exactMember(exactMember(exact, what), "data"));
  return { element, info: { type, size: Buffer.byteLength(element.text) } };
}

/** The headers every record of a request carries, and their copied bytes (restProxyHeaders). */
type BaseHeaders = ReturnType<typeof restProxyHeaders>;

function readRecord(
  settings: IngestRouteSettings,
  base: BaseHeaders,
  raw: unknown,
  receivedAt: number,
  schema: typeof V3ProduceRequest | typeof V3BatchEntry,
  exact: unknown,
): { record: IngestRecord; key: DataInfo | null; value: DataInfo | null } {
  const parsed = v.safeParse(schema, raw);
  if (!parsed.success) throw new RecordError(`Bad Request: ${issueMessage(parsed.issues)}`);
  const r = parsed.output;
  const key = data(r.key, "key", exact);
  const value = data(r.value, "value", exact);
  const headers = r.headers?.length ? [...base.headers, ...clientHeaders(settings, r.headers)] : base.headers;
  const timestamp = r.timestamp ? clientTimestamp(settings, r.timestamp, receivedAt) : receivedAt;
  const bytes = value ? elementBytes(value.element) : 0;
  if (bytes > settings.limits.maxRecordBytes)
    throw new RecordError(
      `The request included a message larger than the maximum message size of ${settings.limits.maxRecordBytes} bytes (ingest.max.record.bytes)`,
      413,
      ErrorCodes.PAYLOAD_TOO_LARGE,
    );
  const notText = (what: string) => (reason: string) =>
    new RecordError(`Bad Request: ${what} data is ${reason}, and this route's ${what} converter writes text`);
  const record = ingestRecord(
    representOr(key?.element ?? null, settings.keyFormat, notText("key")),
    representOr(value?.element ?? null, settings.valueFormat, notText("value")),
    headers,
    bytes + (key?.info.size ?? 0) + base.copied,
    r.partition_id ?? null,
    timestamp,
  );
  return { record, key: key?.info ?? null, value: value?.info ?? null };
}

export function failedItem(id: string | undefined, error: RecordError): V3Item {
  return { ok: false, id, status: error.status, errorCode: error.errorCode, message: error.message };
}

/** What a body that is not text in `encoding` answers. */
export const bodyNotText = (encoding: string) =>
  new IngestError(400, 400, `Bad Request: the body is not ${encoding} JSON`);

/**
 * The body as text (UTF-8, UTF-16 or UTF-32, told apart as Jackson does: json-body-text.ts),
 * checked against `ingest.max.json.depth` before anything parses it.
 */
function bodyText(body: Uint8Array, maxDepth: number): string {
  return depthChecked(jacksonBodyText(body, bodyNotText).text, maxDepth);
}

/** Reads `…/records` bodies: concatenated JSON objects. */
export function parseV3Records(
  settings: IngestRouteSettings,
  request: Request,
  body: Uint8Array,
  receivedAt: number,
  stamped = 0,
): V3Parsed {
  const texts = concatenatedJsonTexts(bodyText(body, settings.limits.maxJsonDepth));
  if (texts.length === 0) throw emptyBody();
  if (texts.length > settings.limits.maxRecords)
    throw new IngestError(
      422,
      ErrorCodes.INVALID_PAYLOAD,
      `The request holds more than ${settings.limits.maxRecords} records (ingest.max.records)`,
    );
  return parseV3Texts(settings, request, texts, receivedAt, stamped);
}

/** What a `…/records` request without a record answers. */
export function emptyBody(): IngestError {
  return new IngestError(400, 400, "Bad Request: Request body is empty. Data is required.");
}

/**
 * Reads the texts of `…/records` records (as split from the body: concatenatedJsonTexts, or
 * JsonStreamSplitter in streaming mode), each on its own: one that cannot be read is its own
 * error report. `streamed` (a stream's records, v3-record-stream.ts): each text is checked against
 * ingest.max.json.depth (a whole body was checked at once), and the header values the records carry
 * are not checked for these texts together: the stream bounds each record's text with them.
 */
export function parseV3Texts(
  settings: IngestRouteSettings,
  request: Request,
  texts: readonly string[],
  receivedAt: number,
  stamped = 0,
  streamed = false,
): V3Parsed {
  const maxDepth = settings.limits.maxJsonDepth;
  const base = restProxyHeaders(settings, request, receivedAt, streamed ? 1 : texts.length, stamped);
  const records: IngestRecord[] = [];
  const items: V3Item[] = texts.map((text) => {
    try {
      if (streamed && jsonDeeperThan(text, maxDepth))
        throw new RecordError(tooDeepMessage("The record", maxDepth, "ingest.max.json.depth"));
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch (error) {
        throw new RecordError(`Bad Request: malformed JSON: ${(error as Error).message}`);
      }
      const { record, key, value } = readRecord(
        settings,
        base,
        raw,
        receivedAt,
        V3ProduceRequest,
        exactReading(text, raw),
      );
      records.push(record);
      return { ok: true, index: records.length - 1, key, value };
    } catch (error) {
      if (error instanceof RecordError) return failedItem(undefined, error);
      throw error;
    }
  });
  return { records, items };
}

/** Reads `…/records:batch` bodies; batch-level problems are 422 (42208), entry-level ones failures. */
export function parseV3Batch(
  settings: IngestRouteSettings,
  request: Request,
  body: Uint8Array,
  receivedAt: number,
  stamped = 0,
): V3Parsed {
  const text = bodyText(body, settings.limits.maxJsonDepth);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new IngestError(400, 400, `Bad Request: malformed JSON: ${(error as Error).message}`);
  }
  const shape = v.safeParse(v.object({ entries: v.array(v.unknown()) }), doc);
  if (!shape.success) throw new IngestError(422, ErrorCodes.BATCH_VALIDATION, issueMessage(shape.issues));
  const entries = shape.output.entries;
  // ingest.max.records bounds every request's records, a batch's entries too (the queue limits rely on it).
  const max = Math.min(settings.limits.v3BatchMaxEntries, settings.limits.maxRecords);
  if (entries.length === 0 || entries.length > max)
    throw new IngestError(422, ErrorCodes.BATCH_VALIDATION, `Batch must contain between 1 and ${max} entries`);
  const ids = entries.map((e) => (e && typeof e === "object" ? (e as { id?: unknown }).id : undefined));
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (typeof id !== "string" || id.length < 1 || id.length > 80)
      throw new IngestError(422, ErrorCodes.BATCH_VALIDATION, `entries[${i}].id must be a string of 1-80 characters`);
    if (ids.indexOf(id) !== i)
      throw new IngestError(422, ErrorCodes.BATCH_VALIDATION, `Batch entry ids must be distinct; ${id} is repeated`);
  }
  const base = restProxyHeaders(settings, request, receivedAt, entries.length, stamped);
  const records: IngestRecord[] = [];
  const exact = exactMember(exactReading(text, doc), "entries");
  const items: V3Item[] = entries.map((entry, i) => {
    const id = ids[i] as string;
    try {
      const { record, key, value } = readRecord(settings, base, entry, receivedAt, V3BatchEntry, exactMember(exact, i));
      records.push(record);
      return { ok: true, id, index: records.length - 1, key, value };
    } catch (error) {
      if (error instanceof RecordError) return failedItem(id, error);
      throw error;
    }
  });
  return { records, items };
}

export interface ReportContext {
  readonly clusterId: string;
  readonly topic: string;
}

function successFields(
  c: ReportContext,
  item: Extract<V3Item, { ok: true }>,
  outcome: RecordOutcome,
  record: IngestRecord,
): string {
  // The topic the record was written to: another than the request's when a transformation (RegexRouter) changed it.
  const topic = outcome.kind === "written" ? outcome.topic : c.topic;
  let s = `"cluster_id":${JSON.stringify(c.clusterId)},"topic_name":${JSON.stringify(topic)}`;
  if (outcome.kind === "written") s += `,"partition_id":${outcome.partition},"offset":${outcome.offset}`;
  const ts = outcome.kind === "written" ? (outcome.timestamp ?? record.timestamp) : record.timestamp;
  if (ts !== null) s += `,"timestamp":"${instantString(ts)}"`;
  if (item.key) s += `,"key":{"type":"${item.key.type}","size":${item.key.size}}`;
  if (item.value) s += `,"value":{"type":"${item.value.type}","size":${item.value.size}}`;
  return s;
}

/** A record's delivery report: success, or `{"error_code":…, "message":…}`; with its HTTP status. */
function report(
  c: ReportContext,
  parsed: V3Parsed,
  item: V3Item,
  outcomes: readonly RecordOutcome[],
): { status: number; json: string } {
  if (!item.ok)
    return { status: item.status, json: JSON.stringify({ error_code: item.errorCode, message: item.message }) };
  const outcome = outcomes[item.index]!;
  if (outcome.kind === "failed") {
    // REST Proxy's KafkaExceptionMapper: 403 for an AuthorizationException, else 500.
    const json = JSON.stringify({ error_code: failedRecordCode(outcome), message: outcome.message });
    return { status: outcome.denied ? 403 : 500, json };
  }
  return { status: 200, json: `{"error_code":200,${successFields(c, item, outcome, parsed.records[item.index]!)}}` };
}

/** `…/records` answer: one report (its own status) or concatenated reports (200, streaming). */
export function v3RecordsResponse(
  c: ReportContext,
  parsed: V3Parsed,
  outcomes: readonly RecordOutcome[],
  streaming: boolean,
): Response {
  const headers = { "Content-Type": "application/json" };
  if (!streaming && parsed.items.length === 1) {
    const one = report(c, parsed, parsed.items[0]!, outcomes);
    return new Response(one.json, { status: one.status, headers });
  }
  return new Response(v3Reports(c, parsed, outcomes), { status: 200, headers });
}

/** The concatenated delivery reports of `parsed`'s records (streaming mode). */
export function v3Reports(c: ReportContext, parsed: V3Parsed, outcomes: readonly RecordOutcome[]): string {
  let out = "";
  for (const item of parsed.items) out += report(c, parsed, item, outcomes).json;
  return out;
}

/** `…/records:batch` answer: 207 with successes and failures. */
export function v3BatchResponse(c: ReportContext, parsed: V3Parsed, outcomes: readonly RecordOutcome[]): Response {
  const successes: string[] = [];
  const failures: string[] = [];
  for (const item of parsed.items) {
    const id = JSON.stringify(item.id);
    if (!item.ok) {
      failures.push(`{"id":${id},"error_code":${item.errorCode},"message":${JSON.stringify(item.message)}}`);
      continue;
    }
    const outcome = outcomes[item.index]!;
    if (outcome.kind === "failed") {
      const code = failedRecordCode(outcome);
      failures.push(`{"id":${id},"error_code":${code},"message":${JSON.stringify(outcome.message)}}`);
    } else {
      successes.push(`{"id":${id},${successFields(c, item, outcome, parsed.records[item.index]!)}}`);
    }
  }
  return new Response(`{"successes":[${successes.join(",")}],"failures":[${failures.join(",")}]}`, {
    status: 207,
    headers: { "Content-Type": "application/json" },
  });
}
