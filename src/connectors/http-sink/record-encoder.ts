/**
 * RecordEncoder: turns a SinkRecord into what a request needs, once, when `put` receives it: the
 * value as the connector's value converter writes it (so JsonConverter with schemas.enable=false
 * gives plain JSON; a value that arrived as a JsonText, consumed JSON no transformation read, is
 * written as the consumed bytes, with no parse and re-serialize; in a batch, text in another charset
 * is re-encoded in UTF-8, JSON's), the URL with `${topic}`, `${partition}`
 * and `${key}` filled in (UrlTemplate: a value that would move the request to another resource is a
 * DataError), the key as text (keyText: a string key its text, a bytes key base64url), and the
 * record's own HTTP headers (forwarded key and Kafka headers, CloudEvents binary mode; a header's
 * value is the header converter's bytes read in its charset, base64url when they are not UTF-8). Records
 * whose URL and own headers are equal share a `route` and may travel in one batch request. With
 * `sink.forward.headers=*`, hop-by-hop and credential headers (`isReservedHeader`) are not forwarded
 * unless the list names them, nor are headers whose names cannot be HTTP header names.
 * Also builds request bodies: a JSON array of values (batch) or one value (single).
 */
import type { TaskConverters } from "../../api/connector.ts";
import { materialized } from "../../api/data/json-text.ts";
import type { SinkRecord } from "../../api/record.ts";
import { RecordHeaders } from "../../api/record-headers.ts";
import { type Charset, charsetForName } from "../../converters/charset.ts";
import { DataError } from "../../errors.ts";
import { headerValueOf, isHeaderName } from "../../http/header-value.ts";
import type { ShowUrl } from "../../http/shown-url.ts";
import { batchValueCharset, charsetNameOf, contentTypeOf } from "./content-type.ts";
import { keyText as recordKeyText } from "./key-text.ts";
import { recordWeight } from "./record-weight.ts";
import { UrlTemplate } from "./url-template.ts";

export interface EncoderSettings {
  readonly url: string;
  /** How messages show the url (a record's values making it invalid); default redactUrl. */
  readonly showUrl?: ShowUrl;
  readonly forwardKeyHeader: string;
  /** Kafka header names to forward; `*` for all. */
  readonly forwardHeaders: readonly string[];
  readonly forwardHeadersPrefix: string;
  readonly cloudEvents: { readonly type: string; readonly source: string } | null;
  /** behavior.on.null.values=delete: a null value is a DELETE of its own, without body. */
  readonly deleteNullValues?: boolean;
  /** Batch mode: a value converter's text in another charset is re-encoded in UTF-8 (a batch is JSON). */
  readonly utf8Values?: boolean;
}

/** A record ready to be sent; `tp`/`offset` are where it was consumed (for offset commits). */
export interface EncodedRecord {
  readonly record: SinkRecord;
  readonly tp: string;
  readonly offset: number;
  /** The converted value; null for a null value. */
  readonly body: Uint8Array | null;
  /** DELETE for a null value under behavior.on.null.values=delete (sent alone, no body); else the configured method. */
  readonly method?: "DELETE";
  readonly url: string;
  readonly headers: readonly [string, string][];
  /** Equal for records that may share a request (same URL and own headers). */
  readonly route: string;
  /** When it was buffered, on the monotonic clock (the flush timeout counts from it). */
  readonly enqueuedAt: number;
  /** Its place in the order records were encoded (put order): a flush releases those up to a place. */
  readonly seq: number;
  /** The memory it holds while the task has it (RecordWeight): what sink.requests.max-buffered.bytes counts. */
  readonly held: number;
}

const KEYLESS_DELETE =
  "The record's value is null and its key null or empty: its DELETE (behavior.on.null.values=delete) would name no resource";
const utf8 = new TextEncoder();
/** UTF-8 that refuses malformed bytes, keeping a leading byte order mark (as Java's decoder). */
const utf8Strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Headers a producer must not set through `sink.forward.headers=*`: hop-by-hop and framing headers
 * (the request would be another one) and credentials. Forwarded only when named in the list.
 */
const RESERVED = new Set([
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "te",
  "trailer",
  "upgrade",
  "authorization",
  "cookie",
]);

export function isReservedHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return RESERVED.has(lower) || lower.startsWith("proxy-");
}

export function tpKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export class RecordEncoder {
  private readonly template: UrlTemplate;
  private readonly perRecordHeaders: boolean;
  private readonly forwardAll: boolean;
  private readonly forwardNames: ReadonlySet<string>;
  /** The charset the header converter writes (a StringConverter's `converter.encoding`; else UTF-8). */
  private readonly headerCharset: Charset;
  /** Batch mode: the charset of the value converter's text when it is not UTF-8 (re-encoded in UTF-8). */
  private readonly valueCharset: Charset | null;
  private sequence = 0;

  constructor(
    private readonly s: EncoderSettings,
    private readonly converters: TaskConverters,
    /** The monotonic clock's reading (`enqueuedAt`). */
    private readonly now: () => number,
  ) {
    this.template = new UrlTemplate(s.url, s.showUrl);
    this.forwardAll = s.forwardHeaders.includes("*");
    this.forwardNames = new Set(s.forwardHeaders);
    this.perRecordHeaders = s.forwardKeyHeader !== "" || s.forwardHeaders.length > 0 || s.cloudEvents !== null;
    this.headerCharset = charsetForName(charsetNameOf(converters.header));
    this.valueCharset = s.utf8Values === true ? batchValueCharset(converters.value) : null;
  }

  /** The url has a placeholder, so requests of different records may go to different URLs. */
  get templatedUrl(): boolean {
    return this.template.templated;
  }

  /** The Content-Type of one value (single mode) or of a batch's array of values. */
  valueContentType(batch: boolean): string {
    return contentTypeOf(this.converters.valueClass, this.converters.value, batch);
  }

  /** Throws DataError when a converter cannot write the record. */
  encode(record: SinkRecord): EncodedRecord {
    let body: Uint8Array | null;
    try {
      body = this.converters.value.fromConnectData(
        record.topic,
        RecordHeaders.mutable(),
        record.valueSchema,
        // A JsonText (consumed JSON nobody parsed) goes to JsonConverter as it is: its bytes are the body.
        this.converters.value.acceptsJsonText === true ? record.value : materialized(record.value),
      );
    } catch (error) {
      throw new DataError(`The value converter could not write the record: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (body !== null && this.valueCharset !== null) body = utf8.encode(this.valueCharset.decode(body));
    let keyText: string | null | undefined;
    const key = () => {
      if (keyText === undefined) keyText = recordKeyText(record, this.converters.key);
      return keyText;
    };
    const url = this.template.fill((name) =>
      name === "topic" ? record.topic : name === "partition" ? String(record.kafkaPartition) : (key() ?? ""),
    );
    const headers = this.perRecordHeaders ? this.ownHeaders(record, key) : [];
    const remove = this.s.deleteNullValues === true && (record.value === null || record.value === undefined);
    if (remove && !key()) throw new DataError(KEYLESS_DELETE);
    const route = this.template.templated || headers.length > 0 ? `${url}\n${JSON.stringify(headers)}` : "";
    return {
      record,
      tp: tpKey(record.originalTopic, record.originalKafkaPartition),
      offset: record.originalKafkaOffset,
      body,
      ...(remove ? { method: "DELETE" as const } : {}),
      url,
      headers,
      // A DELETE shares no request with the records sent by the configured method.
      route: remove ? `DELETE\n${url}\n${JSON.stringify(headers)}` : route,
      enqueuedAt: this.now(),
      seq: ++this.sequence,
      held: recordWeight(record, body),
    };
  }

  private headerText(
    record: SinkRecord,
    name: string,
    schema: Parameters<TaskConverters["header"]["fromConnectHeader"]>[2],
    value: unknown,
  ): string | null {
    const bytes = this.converters.header.fromConnectHeader(record.topic, name, schema, value);
    if (bytes === null) return null;
    // Read in the charset the converter wrote: a header's text, whatever converter.encoding says.
    if (this.headerCharset.name !== "UTF-8") return this.headerCharset.decode(bytes);
    try {
      return utf8Strict.decode(bytes);
    } catch {
      // Not UTF-8 (ByteArrayConverter's binary values): lossless, as keys are, where U+FFFD would merge values.
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
    }
  }

  private ownHeaders(record: SinkRecord, key: () => string | null): [string, string][] {
    const out: [string, string][] = [];
    const ce = this.s.cloudEvents;
    const ceSeen = new Set<string>();
    for (const h of record.headers) {
      const isCe = ce !== null && (h.key.startsWith("ce_") || h.key.toLowerCase() === "content-type");
      if (isCe) {
        const value = this.headerText(record, h.key, h.schema, h.value);
        if (value === null) continue;
        const name = h.key.toLowerCase() === "content-type" ? "content-type" : `ce-${h.key.slice(3)}`;
        if (!isHeaderName(name)) continue;
        ceSeen.add(name);
        out.push([name, headerValueOf(value)]);
        continue;
      }
      const named = this.forwardNames.has(h.key);
      if (!this.forwardAll && !named) continue;
      const name = `${this.s.forwardHeadersPrefix}${h.key}`;
      // A name fetch refuses would fail the record's request: with *, such a header is not forwarded.
      if (!named && (isReservedHeader(name) || !isHeaderName(name))) continue;
      const value = this.headerText(record, h.key, h.schema, h.value);
      if (value !== null) out.push([name, headerValueOf(value)]);
    }
    if (this.s.forwardKeyHeader !== "") {
      const k = key();
      if (k !== null) out.push([this.s.forwardKeyHeader, headerValueOf(k)]);
    }
    if (ce !== null) {
      const defaults: [string, () => string | null][] = [
        ["ce-specversion", () => "1.0"],
        ["ce-id", () => `${record.originalTopic}-${record.originalKafkaPartition}-${record.originalKafkaOffset}`],
        ["ce-source", () => ce.source || `/topics/${record.topic}/partitions/${record.kafkaPartition}`],
        ["ce-type", () => ce.type],
        ["ce-time", () => (record.timestamp === null ? null : new Date(record.timestamp).toISOString())],
      ];
      for (const [name, value] of defaults) {
        if (ceSeen.has(name)) continue;
        const v = value();
        if (v !== null) out.push([name, headerValueOf(v)]);
      }
    }
    return out;
  }
}

const OPEN = utf8.encode("[");
const COMMA = utf8.encode(",");
const CLOSE = utf8.encode("]");
const NULL = utf8.encode("null");

/** Batch mode: `[v1,v2,…]`, each value as the converter wrote it, in UTF-8 (a null value as `null`). */
export function batchBody(records: readonly EncodedRecord[]): Uint8Array {
  let size = 2 + Math.max(0, records.length - 1);
  for (const r of records) size += (r.body ?? NULL).length;
  const out = new Uint8Array(size);
  out.set(OPEN, 0);
  let at = 1;
  records.forEach((r, i) => {
    if (i > 0) {
      out.set(COMMA, at);
      at += 1;
    }
    const b = r.body ?? NULL;
    out.set(b, at);
    at += b.length;
  });
  out.set(CLOSE, at);
  return out;
}

/** The size a record adds to a batch body. */
export function encodedSize(r: EncodedRecord): number {
  return (r.body?.length ?? 4) + 1;
}
