/**
 * From a response body to record values: the body is parsed as JSON (exactly: integers beyond
 * ±2^53 as bigint, api/data/json-reader.ts) and `http.response.records.path` selects the records
 * (jsonpath-plus, script evaluation off: no expression in a config can run code). A selected
 * object, array or number becomes a JsonText of its exact text in the body, so JsonConverter with
 * schemas.enable=false writes the bytes the API sent (long integers and number spelling kept) and
 * transformations get it parsed exactly; a selected string or boolean is the parsed value (null: nullRecord,
 * but none from a path of one value, `$.data`, as castorm's list pointer). Offset and cursor fields
 * are read from the exact parse: a long integer is kept as its digits.
 */
import { JSONPath } from "jsonpath-plus";
import { memberPathSegments } from "../../api/data/json-member-path.ts";
import { JsonNumberText, readJsonText } from "../../api/data/json-reader.ts";
import { JsonSpans, pointerTokens } from "../../api/data/json-spans.ts";
import { JsonText } from "../../api/data/json-text.ts";
import { charsetOf } from "../../ingest/body-text.ts";
import { jacksonBodyText, jsonBodyText } from "../../ingest/json-body-text.ts";
import type { Slicer } from "../../util/sliced.ts";
import { isDefinitePath } from "./config-checks.ts";
import type { OffsetValue } from "./offsets.ts";

/** The response could not be read as records (not JSON, not text, a path that fails on it). */
export class ResponseFormatError extends Error {
  override name = "ResponseFormatError";
}

/** A response body: its text and its exact parse. */
export interface ResponseDocument {
  readonly text: string;
  readonly json: unknown;
}

/** One selected record: the record value and the parsed element (for offset fields). */
export interface SelectedRecord {
  readonly value: unknown;
  readonly parsed: unknown;
}

/** A selected `null` among several: the text `null`, as castorm's connector (Jackson's asText), no tombstone. */
const nullRecord = (): SelectedRecord => ({ value: new JsonText("null"), parsed: null });

/** A body of no bytes or only JSON white space (space, tab, CR, LF): no document at all. */
export function blankBody(body: Uint8Array): boolean {
  return body.every((b) => b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a);
}

/**
 * A body's text as castorm's connector reads it with Jackson (RFC 8259: UTF-8, or UTF-16/32 told by
 * the first bytes; the Content-Type's charset has no effect); only a body that is no such text is
 * read in the charset the Content-Type names (an API sending ISO-8859-1 and saying so).
 */
function bodyText(body: Uint8Array, contentType: string | null): string {
  const refuse = (encoding: string) => new ResponseFormatError(`the response body is not ${encoding} text`);
  try {
    return jacksonBodyText(body, refuse).text;
  } catch (error) {
    const charset = charsetOf(contentType);
    if (charset === null) throw error;
    try {
      return jsonBodyText(body, charset, refuse).text;
    } catch (named) {
      throw named instanceof ResponseFormatError ? named : new ResponseFormatError((named as Error).message);
    }
  }
}

export function parseJsonBody(body: Uint8Array, contentType: string | null = null): ResponseDocument {
  const text = bodyText(body, contentType);
  if (text.trim() === "") throw new ResponseFormatError("the response body is empty, not JSON");
  try {
    // Integral doubles as plain numbers: the records go on as their text (JsonText), and offsets,
    // keys and cursors read a number the same whatever its spelling (exactNumber).
    return { text, json: readJsonText(text, false, false) };
  } catch (error) {
    throw new ResponseFormatError(`the response body is not valid JSON (${(error as Error).message})`);
  }
}

interface Found {
  readonly value: unknown;
  readonly pointer: string;
  readonly parent: unknown;
}

/**
 * What `path` selects in the exact parse. A JsonNumberText is a number of the document, not an
 * object: what is inside it (its source text) is never selected, by `$..*` or otherwise.
 */
function query(json: unknown, path: string): Found[] {
  return unreadableOnError(path, () => {
    if (json === null || typeof json !== "object") {
      // A scalar has nothing inside: a path selects at most the whole of it (`$`). jsonpath-plus
      // itself answers nothing at all (not a list) on null, false, 0 or "", and a string's
      // `length` and characters on a longer one.
      return (evaluate(1, path) ?? []).filter((f) => f.pointer === "").map((f) => ({ ...f, value: json }));
    }
    return (evaluate(json, path) ?? []).filter((f) => !(f.parent instanceof JsonNumberText));
  });
}

function evaluate(json: unknown, path: string): Found[] | undefined {
  return JSONPath({ path, json: json as object, eval: false, wrap: true, resultType: "all" }) as Found[] | undefined;
}

/** Runs `select`; what it throws (a RangeError on a deep body, …) is a ResponseFormatError (behavior.on.error decides). */
function unreadableOnError<T>(path: string, select: () => T): T {
  try {
    return select();
  } catch (error) {
    throw formatError(path, error);
  }
}

function formatError(path: string, error: unknown): ResponseFormatError {
  if (error instanceof ResponseFormatError) return error;
  return new ResponseFormatError(`${path} could not be evaluated on the response (${(error as Error).message})`);
}

/**
 * The records `path` selects in `doc`, in document order, as described above. Past the selection
 * itself, the work runs in `slicer`'s slices (util/sliced.ts); an abort of its signal is thrown as
 * is, not as a ResponseFormatError.
 */
export async function selectRecords(doc: ResponseDocument, path: string, slicer: Slicer): Promise<SelectedRecord[]> {
  const simple = simpleArray(doc.json, path);
  if (simple) {
    // One pass over the array's text alongside its elements (no per-element JSON Pointer lookup).
    const spans = new JsonSpans(doc.text);
    const cursor = spans.elements(simple.pointer);
    return slicer.map(simple.elements, (value) => {
      const span = cursor?.next();
      const kind = typeof value;
      if (value === null) return nullRecord();
      if (kind === "string" || kind === "boolean") return { value, parsed: value };
      return { value: span === undefined ? value : new JsonText(spans.textOf(span)), parsed: value };
    });
  }
  let spans: JsonSpans | undefined;
  const spansOf = () => {
    spans ??= new JsonSpans(doc.text);
    return spans;
  };
  const found = unreadableOnError(path, () => inDocumentOrder(query(doc.json, path), path, doc.json, spansOf));
  if (found.length === 1 && found[0]!.value === null && isDefinitePath(path)) return [];
  return slicer.map(found, ({ value, pointer }) => {
    const kind = typeof value;
    if (value === null) return nullRecord();
    if (kind === "string" || kind === "boolean") return { value, parsed: value };
    try {
      spans = spansOf();
      const text = spans.text(pointer);
      return { value: text === undefined ? value : new JsonText(text), parsed: value };
    } catch (error) {
      throw formatError(path, error);
    }
  });
}

/** A selector whose order is its own: a union, a slice (a step may reverse), a filter. */
const OWN_ORDER = /[,:?(]/;

/**
 * `found` in the order the response has them. A wildcard over an object selects its members in
 * JavaScript's property order, which puts integer-like names (`"10"`, `"2"`) first and ascending,
 * not where the API wrote them: the records of `{"2": …, "1": …}` came out swapped, and a CURSOR
 * offset (the last record's field) was taken from the wrong record. A path with a selector of its
 * own order, or with `..` (jsonpath-plus lists a level before the levels under it), keeps
 * jsonpath-plus's order.
 */
function inDocumentOrder(found: Found[], path: string, json: unknown, spansOf: () => JsonSpans): Found[] {
  if (found.length < 2 || !path.includes("*") || path.includes("..") || OWN_ORDER.test(path)) return found;
  if (!found.some((f) => underIntegerName(json, f.pointer))) return found;
  const spans = spansOf();
  const starts = found.map((f) => spans.span(f.pointer)?.start ?? -1);
  if (starts.every((start, i) => i === 0 || start >= starts[i - 1]!)) return found;
  return found
    .map((_, i) => i)
    .sort((a, b) => starts[a]! - starts[b]! || a - b)
    .map((i) => found[i]!);
}

const INTEGER_NAME = /^(?:0|[1-9]\d*)$/;

/** Whether the value at `pointer` is, or is inside, an object member whose name looks like an integer. */
function underIntegerName(json: unknown, pointer: string): boolean {
  let at = json;
  for (const token of pointerTokens(pointer)) {
    if (at === null || typeof at !== "object") return false;
    if (!Array.isArray(at) && INTEGER_NAME.test(token)) return true;
    at = (at as Record<string, unknown>)[token];
  }
  return false;
}

/** `…[*]` or `….*` at the end of a path: every element of what the rest selects. */
const EVERY_ELEMENT = /(?:\[\*\]|\.\*)$/;
/**
 * A member name jsonpath-plus reads as the plain member it is (it gives `$`, `~`, `^` and `@`
 * meanings of its own) and a JSON Pointer holds unescaped.
 */
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The member names of a path such as `$.a.b[*]`, `$['a'].b.*` or `$[*]`: a plain member path
 * (api/data/json-member-path.ts) of plain names only, no index and no escape (jsonpath-plus keeps
 * a backslash in a quoted name as it is), then every element. Undefined for any other path.
 */
function everyElementNames(path: string): string[] | undefined {
  const suffix = EVERY_ELEMENT.exec(path);
  if (!suffix) return undefined;
  const prefix = path.slice(0, suffix.index);
  if (prefix.includes("\\")) return undefined;
  const segments = memberPathSegments(prefix);
  if (!segments?.every((s) => typeof s === "string" && PLAIN_NAME.test(s))) return undefined;
  return segments as string[];
}

/**
 * The array a path of everyElementNames' form selects every element of, and its JSON Pointer,
 * read without jsonpath-plus (which takes seconds on an array of ~10^6 elements, in one stretch);
 * undefined for any other path or document (jsonpath-plus then selects, as always).
 */
function simpleArray(json: unknown, path: string): { elements: unknown[]; pointer: string } | undefined {
  const names = everyElementNames(path);
  if (!names) return undefined;
  let at = json;
  for (const name of names) {
    if (at === null || typeof at !== "object" || Array.isArray(at) || at instanceof JsonNumberText) return undefined;
    if (!Object.hasOwn(at, name)) return undefined;
    at = (at as Record<string, unknown>)[name];
  }
  return Array.isArray(at) ? { elements: at, pointer: names.map((name) => `/${name}`).join("") } : undefined;
}

/** A record key's fingerprint for the TIMESTAMP offset (offsets.ts): xxHash64, stable across restarts and upgrades. */
export function keyFingerprint(key: string): string {
  return Bun.hash.xxHash64(key).toString(36);
}

/** Every value `path` selects in `json`, in document order. */
export function selectAll(json: unknown, path: string): unknown[] {
  return query(json, path).map((f) => f.value);
}

/** The first value `path` selects, or undefined. */
export function selectFirst(json: unknown, path: string): unknown {
  return selectAll(json, path)[0];
}

/** A decimal without an exponent: its text is an exact offset value. */
const PLAIN_DECIMAL = /^-?\d+\.\d+$/;

/**
 * A number read exactly (exact-offsets.ts) as an offset, key or cursor: the double the fast parse
 * gives when it holds the decimal's value (`1.50` is 1.5, key "1.5", whatever else the page holds:
 * the same record keeps its key), the API's text only for a plain decimal a double would round.
 */
export function exactNumber(number: JsonNumberText): string | number {
  const value = number.toNumber();
  return PLAIN_DECIMAL.test(number.source) && decimalOf(number.source) !== decimalOf(String(value))
    ? number.source
    : value;
}

/** A decimal text (`-12.50`, `1e-7`) as `digits e exponent` without redundant zeros: equal for equal values. */
function decimalOf(text: string): string {
  const m = /^(-?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text);
  if (!m) return text;
  const fraction = m[3] ?? "";
  let digits = `${m[2]}${fraction}`.replace(/^0+/, "");
  let exponent = Number(m[4] ?? 0) - fraction.length;
  const trailing = trailingZeros(digits);
  digits = digits.slice(0, digits.length - trailing);
  exponent += trailing;
  return digits === "" ? "0" : `${m[1]}${digits}e${exponent}`;
}

/**
 * How many `0` end `digits`. Counted, not `/0+$/`: that pattern rescans every run of zeros to its end,
 * so a remote API's `1.000…0001` of 40k digits held the event loop for seconds (quadratic).
 */
export function trailingZeros(digits: string): number {
  let count = 0;
  while (count < digits.length && digits[digits.length - 1 - count] === "0") count++;
  return count;
}

/** What a record's field (a name, a dotted path or a JSONPath) holds, undefined when nothing. */
export function fieldAt(record: unknown, field: string): unknown {
  if (field.startsWith("$")) return selectFirst(record, field);
  let value = record;
  for (const part of field.split(".")) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
    value = Object.hasOwn(value, part) ? (value as Record<string, unknown>)[part] : undefined;
  }
  return value;
}

/** A record's offset field: a name, a dotted path or a JSONPath. Only strings and numbers count. */
export function fieldValue(record: unknown, field: string): OffsetValue {
  return offsetValueOf(fieldAt(record, field));
}

/** What a field's value (`fieldAt`) counts as for an offset: a string, a number, else null. */
export function offsetValueOf(value: unknown): OffsetValue {
  if (typeof value === "bigint") return value.toString();
  // A decimal read exactly (exact-offsets.ts) is its text where a double would drop its last digits.
  if (value instanceof JsonNumberText) value = exactNumber(value);
  return typeof value === "string" || (typeof value === "number" && Number.isFinite(value)) ? value : null;
}
