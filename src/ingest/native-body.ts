/**
 * The connector's own path (`ingest.path`): a request body becomes records as `ingest.mode` says.
 *   JSON (application/json, +json): single → one record; batch → a JSON array, one record per
 *   element; auto → an array is a batch, anything else one record.
 *   NDJSON (application/x-ndjson): one record per non-empty line (batch, auto).
 *   Any other content type: one raw record (single, auto) carrying its content type in a header.
 * Every record is checked (size, count, key) before any is submitted: a bad request writes nothing.
 */
import { JsonText } from "../api/data/json-text.ts";
import { charsetOf, NotText, UnsupportedCharset } from "./body-text.ts";
import { badRequest, ErrorCodes, IngestError, unprocessable } from "./ingest-error.ts";
import type { IngestRecord } from "./ingest-record.ts";
import { type JsonBodyText, jsonBodyText } from "./json-body-text.ts";
import { arrayElementTexts, depthChecked } from "./json-text.ts";
import {
  checkCopiedHeaders,
  copiedHeaderBytes,
  type Element,
  elementBytes,
  ingestRecord,
  nativeKey,
  represent,
  requestHeaders,
} from "./record-builder.ts";
import type { IngestRouteSettings } from "./route-settings.ts";

export type BodyKind = "json" | "ndjson" | "raw";

/** The media type without parameters, lower-case; null when absent. */
export function mediaType(contentType: string | null): string | null {
  if (contentType === null) return null;
  if (contentType === "application/json") return contentType; // the common case, without a split
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  return type === "" ? null : type;
}

export function bodyKind(type: string | null): BodyKind {
  if (type === null) return "raw";
  if (type === "application/json" || type.endsWith("+json")) return "json";
  if (type === "application/x-ndjson" || type === "application/jsonl" || type === "application/x-jsonlines")
    return "ndjson";
  return "raw";
}

const notText = (encoding: string) => badRequest(`The request body is not valid ${encoding} JSON`);

/**
 * A JSON or NDJSON body's text: in the Content-Type's charset, or without one in UTF-8, UTF-16 or
 * UTF-32 as Jackson tells them apart (json-body-text.ts); 415 for a charset this gateway cannot read.
 */
function text(body: Uint8Array, contentType: string | null): JsonBodyText {
  try {
    return jsonBodyText(body, charsetOf(contentType), notText);
  } catch (error) {
    if (error instanceof UnsupportedCharset) throw unsupported(`The request body cannot be read: ${error.message}`);
    throw error;
  }
}

function parseJson(source: string, where: string, maxDepth: number, what?: string): unknown {
  depthChecked(source, maxDepth, what);
  try {
    return JSON.parse(source);
  } catch (error) {
    throw new IngestError(400, ErrorCodes.BAD_REQUEST, `Malformed JSON ${where}: ${(error as Error).message}`);
  }
}

/** JSON's white space within a line: space, tab, carriage return. */
function isLineSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d;
}

/**
 * The non-blank lines of an NDJSON body as elements (each its text without the white space around
 * it), up to one more than `maxRecords` (the caller refuses that many). One pass: blank lines are
 * skipped character by character (no string or object made for them, so a body of empty lines is
 * cheap to refuse), and a line with content ends at the next newline found with `indexOf`.
 */
function ndjsonElements(source: string, maxRecords: number, maxDepth: number): Element[] {
  const elements: Element[] = [];
  const length = source.length;
  let line = 1;
  let at = 0;
  while (at < length) {
    const c = source.charCodeAt(at);
    if (c === 0x0a) {
      line++;
      at++;
    } else if (isLineSpace(c)) at++;
    else {
      let end = source.indexOf("\n", at);
      if (end < 0) end = length;
      let to = end;
      while (isLineSpace(source.charCodeAt(to - 1))) to--;
      const text = source.slice(at, to);
      elements.push({
        kind: "json",
        value: parseJson(text, `on NDJSON line ${line}`, maxDepth, `NDJSON line ${line}`),
        text,
      });
      if (elements.length > maxRecords) break;
      at = end;
    }
  }
  return elements;
}

function unsupported(message: string): IngestError {
  return new IngestError(415, ErrorCodes.UNSUPPORTED_MEDIA_TYPE, message);
}

/**
 * The record value: for JsonConverter-style routes a JSON element is a JsonText of the element's
 * exact text without the white space around it (JsonConverter with schemas.enable=false writes it
 * without a re-serialize; transforms get it parsed); a JSON null stays null (a tombstone, as
 * Connect writes a null value).
 */
function value(element: Element, settings: IngestRouteSettings): unknown {
  if (settings.valueFormat === "json" && element.kind === "json" && element.text !== undefined)
    return jsonValue(element.value, element.text, element.bytes);
  try {
    return represent(element, settings.valueFormat);
  } catch (error) {
    // A raw body for a StringConverter route that is not text in its charset: refused, not written altered.
    if (error instanceof UnsupportedCharset) throw unsupported(`The request body cannot be read: ${error.message}`);
    if (error instanceof NotText)
      throw badRequest(
        `The request body is ${error.message}, and this route's value converter writes text (send the body's charset in Content-Type, or use ByteArrayConverter for binary payloads)`,
      );
    throw error;
  }
}

/** `value` of a JSON element with its text (and its bytes when at hand) for JsonConverter-style routes. */
function jsonValue(parsed: unknown, text: string, bytes: Uint8Array | undefined): unknown {
  if (parsed === null) return null;
  const trimmed = text.trim();
  // The body's own bytes when nothing was trimmed: no encode on the way to Kafka.
  return new JsonText(trimmed, trimmed.length === text.length ? bytes : undefined);
}

/**
 * Parses a native-path body into records, or throws an IngestError (4xx) and nothing is written;
 * `stamped`: the bytes the identity's stamp adds to each record (checkCopiedHeaders).
 */
export function parseNativeBody(
  settings: IngestRouteSettings,
  request: Request,
  body: Uint8Array,
  receivedAt: number,
  stamped = 0,
): IngestRecord[] {
  const contentType = request.headers.get("content-type");
  const kind = bodyKind(mediaType(contentType));
  const { mode, limits } = settings;
  let elements: Element[];
  if (kind === "raw") {
    if (mode === "batch")
      throw unsupported(
        `This route takes batches (ingest.mode=batch): send application/json (an array) or application/x-ndjson, not ${contentType ?? "no Content-Type"}`,
      );
    elements = [{ kind: "bytes", bytes: body, charset: charsetOf(contentType) }];
  } else if (kind === "ndjson") {
    if (mode === "single")
      throw unsupported("This route takes one document per request (ingest.mode=single): NDJSON is a batch");
    elements = ndjsonElements(text(body, contentType).text, limits.maxRecords, limits.maxJsonDepth);
    if (elements.length === 0) throw unprocessable("The NDJSON body holds no records");
  } else {
    const read = text(body, contentType);
    const source = read.text;
    if (source.trim() === "") throw badRequest("The request body is empty: expected a JSON document");
    const doc = parseJson(source, "in the request body", limits.maxJsonDepth);
    if (mode === "batch" || (mode === "auto" && Array.isArray(doc))) {
      if (!Array.isArray(doc))
        throw unprocessable("This route takes batches (ingest.mode=batch): the body must be a JSON array");
      if (doc.length === 0) throw unprocessable("The JSON array holds no records");
      if (doc.length > limits.maxRecords)
        throw unprocessable(`The request holds more than ${limits.maxRecords} records (ingest.max.records)`);
      // Each element's own text: its size for the limit, and the value itself for raw converters.
      const texts = arrayElementTexts(source);
      elements = [];
      for (let i = 0; i < doc.length; i++) elements.push({ kind: "json", value: doc[i], text: texts[i] });
    } else {
      // The body's bytes are the text's unless it was another encoding or a byte order mark was dropped.
      return oneDocument(settings, request, receivedAt, contentType, doc, source, read.utf8 ? body : undefined);
    }
  }
  if (elements.length > limits.maxRecords)
    throw unprocessable(`The request holds more than ${limits.maxRecords} records (ingest.max.records)`);

  const copied = copiedHeaderBytes(settings, request, true, contentType, kind === "raw");
  checkCopiedHeaders(settings, elements.length, copied, stamped);
  const headers = requestHeaders(settings, request, receivedAt, contentType, kind === "raw");
  const records: IngestRecord[] = new Array(elements.length);
  for (let i = 0; i < elements.length; i++)
    records[i] = record(settings, request, receivedAt, headers, copied, elements[i]!, i);
  return records;
}

/**
 * A body that is one JSON document (most single-record requests): its record, as `record` makes it
 * from the element `{ kind: "json", value: doc, text: source, bytes }`, without a list of elements
 * or (unless a key field or a value format other than JSON asks for it) the element object.
 */
function oneDocument(
  settings: IngestRouteSettings,
  request: Request,
  receivedAt: number,
  contentType: string | null,
  doc: unknown,
  body: string,
  bodyBytes: Uint8Array | undefined,
): IngestRecord[] {
  // A JSON converter writes the document without the white space around it (jsonValue): that is
  // its size for ingest.max.record.bytes, as for an array element or an NDJSON line. Raw
  // converters write the body as sent.
  const source = settings.valueFormat === "json" ? body.trim() : body;
  const bytes = source.length === body.length ? bodyBytes : undefined;
  const headers = requestHeaders(settings, request, receivedAt, contentType, false);
  const copied = copiedHeaderBytes(settings, request, true, contentType);
  if (settings.valueFormat !== "json" || settings.key.source === "field")
    return [
      record(settings, request, receivedAt, headers, copied, { kind: "json", value: doc, text: source, bytes }, 0),
    ];
  const size = bytes !== undefined ? bytes.length : Buffer.byteLength(source);
  const max = settings.limits.maxRecordBytes;
  if (size > max) throw recordTooLarge(0, size, max);
  const key = settings.key.source === "none" ? null : nativeKey(settings, request, NO_ELEMENT);
  return [ingestRecord(key, jsonValue(doc, source, bytes), headers, size + copied, null, receivedAt)];
}

/** An element for `nativeKey` from a header (it reads only the request then). */
const NO_ELEMENT: Element = Object.freeze({ kind: "bytes", bytes: new Uint8Array(0) });

function recordTooLarge(index: number, bytes: number, max: number): IngestError {
  return new IngestError(
    413,
    ErrorCodes.PAYLOAD_TOO_LARGE,
    `Record ${index} is ${bytes} bytes, over the limit of ${max} (ingest.max.record.bytes); nothing was written`,
  );
}

/**
 * The record of element `index`, or IngestError 413 when it is over `ingest.max.record.bytes` (its
 * value as received); its `bytes` add the `copied` bytes of request header values it carries.
 */
function record(
  settings: IngestRouteSettings,
  request: Request,
  receivedAt: number,
  headers: IngestRecord["headers"],
  copied: number,
  element: Element,
  index: number,
): IngestRecord {
  const bytes = elementBytes(element);
  const max = settings.limits.maxRecordBytes;
  if (bytes > max) throw recordTooLarge(index, bytes, max);
  return ingestRecord(
    nativeKey(settings, request, element),
    value(element, settings),
    headers,
    bytes + copied,
    null,
    receivedAt,
  );
}
