/**
 * Builds IngestRecords from parsed request elements, in the form the connector's converters want
 * (route-settings.ts ValueFormat): parsed JSON for JsonConverter, the element's own text for
 * StringConverter, its bytes for ByteArrayConverter (no JSON round trip), plus the key (header,
 * JSONPath field or none) and the headers every record of the request carries.
 */
import { asJacksonBound } from "../api/data/java-map-order.ts";
import { jacksonBoundJson, jsonTextAsSent, mayHaveRespelledNumber } from "../api/data/json-as-sent.ts";
import { hasIntegerLikeKey } from "../api/data/json-key-order.ts";
import { readJsonText } from "../api/data/json-reader.ts";
import { bytesText, headerBytes, headerText, NotText } from "./body-text.ts";
import { ErrorCodes, IngestError } from "./ingest-error.ts";
import type { IngestHeaderValue, IngestRecord } from "./ingest-record.ts";
import { compileJsonPath, type JsonPathGetter } from "./json-path.ts";
import type { IngestRouteSettings, ValueFormat } from "./route-settings.ts";

const encoder = new TextEncoder();

/** One element as received: its JSON value (when JSON), its text, or its bytes. */
export type Element =
  | {
      readonly kind: "json";
      readonly value: unknown;
      readonly text?: string;
      /** The UTF-8 bytes of `text` when at hand (the request body itself). */
      readonly bytes?: Uint8Array;
    }
  | { readonly kind: "string"; readonly text: string }
  /** `charset`: what a raw body's Content-Type names, for reading it as text (UTF-8 when null). */
  | { readonly kind: "bytes"; readonly bytes: Uint8Array; readonly charset?: string | null };

/**
 * The element in the form `format` asks for. Bytes become text only when they are text in their
 * charset (body-text.ts NotText, UnsupportedCharset otherwise): never with U+FFFD for what was sent.
 */
export function represent(element: Element, format: ValueFormat): unknown {
  switch (element.kind) {
    case "json":
      // A JSON object a device sent is a LinkedHashMap (Jackson binds JSON into Object so, as REST
      // Proxy does): JsonConverter writes it in the order it was sent, not in a HashMap's order.
      if (format === "json") return asJacksonBound(element.value);
      if (element.value === null && element.text === undefined) return null;
      if (format === "string") return element.text ?? JSON.stringify(element.value);
      return element.bytes ?? encoder.encode(element.text ?? JSON.stringify(element.value));
    case "string":
      return format === "bytes" ? encoder.encode(element.text) : element.text;
    case "bytes":
      return format === "string" ? bytesText(element.bytes, element.charset) : element.bytes;
  }
}

/** `represent` of an element or null; `refuse(reason)` is the error for bytes that are not text (NotText). */
export function representOr(element: Element | null, format: ValueFormat, refuse: (reason: string) => Error): unknown {
  if (element === null) return null;
  try {
    return represent(element, format);
  } catch (error) {
    throw error instanceof NotText ? refuse(error.message) : error;
  }
}

export function elementBytes(element: Element): number {
  switch (element.kind) {
    case "json":
      if (element.bytes !== undefined) return element.bytes.length;
      return element.text !== undefined
        ? Buffer.byteLength(element.text)
        : Buffer.byteLength(JSON.stringify(element.value) ?? "");
    case "string":
      return Buffer.byteLength(element.text);
    case "bytes":
      return element.bytes.length;
  }
}

const getters = new WeakMap<IngestRouteSettings, JsonPathGetter>();

/** The key of a native-path record as `ingest.key.source` says, in the key converter's form. */
export function nativeKey(settings: IngestRouteSettings, request: Request, element: Element): unknown {
  const source = settings.key;
  if (source.source === "none") return null;
  if (source.source === "header") {
    const text = request.headers.get(source.header);
    if (text === null) return null;
    // The key as sent: its bytes for ByteArrayConverter, its UTF-8 text for the others.
    if (settings.keyFormat === "bytes") return headerBytes(text);
    return represent({ kind: "string", text: headerText(text) }, settings.keyFormat);
  }
  if (element.kind !== "json") return null;
  let getter = getters.get(settings);
  if (!getter) {
    getter = compileJsonPath(source.path, "ingest.key.field");
    getters.set(settings, getter);
  }
  const found = getter(element.value);
  if (found === undefined || found === null) return null;
  if (typeof found === "string") return represent({ kind: "string", text: found }, settings.keyFormat);
  if (!mayBeRounded(found, element.text)) return represent({ kind: "json", value: found }, settings.keyFormat);
  const text = jsonTextAsSent(getter(readJsonText(element.text!, true)));
  // As sent (JsonConverter writes it as is, or reads it exactly into LinkedHashMaps, as the same key
  // with plain numbers is read: one order whatever the number spelling).
  if (settings.keyFormat === "json") return jacksonBoundJson(text);
  return represent({ kind: "json", value: found, text }, settings.keyFormat);
}

/**
 * Where a number may be a whole one spelled as a Double: a fraction of zeros (`3.0`), an exponent
 * (`30e-1`), or 16 digits or more around a point (`9007199254740991.4` reads as an integer). Other
 * fractions (`21.5`) never are (a decimal of 15 significant digits reads back as itself), so a
 * record's measurements are not read again as numbers for each integer key. Digits in a string
 * that look so match too: a false match only costs a re-read.
 */
const WHOLE_DOUBLE = /\d(?:\.0+(?!\d)|[eE])|(?<![\d.])(?=[\d.]{17})\d+\.\d/g;

/**
 * A key JSON.parse may have changed (a device id beyond 2^53, `1.50`, or `3.0`, a Double to Jackson
 * that JSON.parse makes the integer 3; an object with an integer-like member name, which JSON.parse
 * puts first): read again exactly from the element's text, as its value is, so the key is the one
 * sent (as sent for String/ByteArray keys).
 */
function mayBeRounded(found: unknown, text: string | undefined): boolean {
  if (text === undefined) return false;
  if (typeof found === "number") return !Number.isSafeInteger(found) || spelledAsDouble(found, text);
  return typeof found === "object" && (mayHaveRespelledNumber(text) || hasIntegerLikeKey(found));
}

/** Whether `text` may hold the integer `n` written with a fraction or exponent (`3.0`, `3e0`, `-0.0`). */
function spelledAsDouble(n: number, text: string): boolean {
  if (!mayHaveRespelledNumber(text)) return false;
  WHOLE_DOUBLE.lastIndex = 0;
  for (let m = WHOLE_DOUBLE.exec(text); m !== null; m = WHOLE_DOUBLE.exec(text)) {
    let start = m.index;
    while (start > 0 && isNumberChar(text.charCodeAt(start - 1))) start--;
    let end = m.index + 1;
    while (end < text.length && isNumberChar(text.charCodeAt(end))) end++;
    if (Number(text.slice(start, end)) === n) return true;
    WHOLE_DOUBLE.lastIndex = end;
  }
  return false;
}

/** A character of a JSON number: a digit, `-`, `+`, `.`, `e` or `E`. */
function isNumberChar(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || c === 101 || c === 69;
}

const NO_HEADERS: readonly (readonly [string, IngestHeaderValue])[] = Object.freeze([]);

/** Headers every record of the request carries: allow-listed request headers, static ones, extras. */
export function requestHeaders(
  settings: IngestRouteSettings,
  request: Request,
  receivedAt: number,
  contentType: string | null,
  raw: boolean,
): readonly (readonly [string, IngestHeaderValue])[] {
  const { headers } = settings;
  if (
    headers.allow.length === 0 &&
    headers.static.length === 0 &&
    headers.receivedAt === null &&
    (contentType === null || (!raw && headers.contentType === null))
  )
    return NO_HEADERS;
  const out: (readonly [string, IngestHeaderValue])[] = [];
  for (const { from, to } of headers.allow) {
    const value = request.headers.get(from);
    // Its UTF-8 text, or its ISO-8859-1 reading when it is not UTF-8 (a header converter writes text).
    if (value !== null) out.push([to, headerText(value)]);
  }
  for (const entry of headers.static) out.push(entry);
  if (contentType !== null && (raw || headers.contentType !== null))
    out.push([headers.contentType ?? "content-type", contentType]);
  if (headers.receivedAt !== null) out.push([headers.receivedAt, String(receivedAt)]);
  return out;
}

/**
 * Bytes of the request's header values each of its records carries: the key header (when `withKey`
 * and ingest.key.source=header), the allow-listed headers, and the content type when stamped (a raw
 * body's always, others' with ingest.headers.content.type). They count in each record's
 * IngestRecord.bytes, so the task's queue (ingest.queue.max.bytes) bounds them across requests.
 */
export function copiedHeaderBytes(
  settings: IngestRouteSettings,
  request: Request,
  withKey: boolean,
  contentType: string | null = null,
  raw = false,
): number {
  const { headers, key } = settings;
  // Header values are byte strings (one character a byte).
  let each = contentType !== null && (raw || headers.contentType !== null) ? contentType.length : 0;
  if (withKey && key.source === "header") each += request.headers.get(key.header)?.length ?? 0;
  for (const { from } of headers.allow) each += request.headers.get(from)?.length ?? 0;
  return each;
}

/**
 * Refuses (413) a request whose `records` would carry, together, more than `ingest.max.body.bytes`
 * of values taken from its headers, `each` bytes a record (`copiedHeaderBytes`), and of the
 * identity its credentials establish, `stamped` bytes a record (IngestStages.stampedBytes: the
 * identity header and key; before ingestp4 they were not counted). Every record repeats them, so a
 * small body of many records with long header values (up to the listener's 16 KiB of headers)
 * made up to 10,000 times its size in records (security hunt 2026-12-03: 20 KB sent, 150 MB
 * produced).
 */
export function checkCopiedHeaders(settings: IngestRouteSettings, records: number, each: number, stamped = 0): void {
  if (records < 2) return;
  const limit = settings.limits.maxBodyBytes;
  const all = each + stamped;
  if (all * records <= limit) return;
  throw new IngestError(
    413,
    ErrorCodes.PAYLOAD_TOO_LARGE,
    `The request's ${records} records would each carry ${all} bytes of its header values (key, allow-listed headers, stamped content type and identity), ${all * records} bytes in all, over the limit of ${limit} bytes (ingest.max.body.bytes); nothing was written`,
  );
}

/**
 * `requestHeaders` of a REST Proxy request of `records` records (their keys come from its body),
 * after `checkCopiedHeaders` (with the `stamped` identity's bytes), and the bytes of them each record carries (`copied`).
 */
export function restProxyHeaders(
  settings: IngestRouteSettings,
  request: Request,
  receivedAt: number,
  records: number,
  stamped = 0,
): { readonly headers: readonly (readonly [string, IngestHeaderValue])[]; readonly copied: number } {
  const copied = copiedHeaderBytes(settings, request, false);
  checkCopiedHeaders(settings, records, copied, stamped);
  return { headers: requestHeaders(settings, request, receivedAt, null, false), copied };
}

export function ingestRecord(
  key: unknown,
  value: unknown,
  headers: IngestRecord["headers"],
  bytes: number,
  partition: number | null = null,
  timestamp: number | null = null,
): IngestRecord {
  return { key, value, headers, partition, timestamp, bytes };
}
