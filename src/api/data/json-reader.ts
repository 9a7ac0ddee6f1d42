/**
 * The JSON reader behind JsonConverter and JsonText: JSON text to JavaScript values, exact where a
 * JavaScript number would not be. Integers beyond ±2^53 become bigint, and a fraction or exponent
 * whose text a number would not reproduce (`1.50`, `1e3`, `0.1234567890123456789`) becomes a
 * `JsonNumberText` holding its source, so a Decimal keeps its scale and digits. The fully exact
 * reading uses `JSON.parse`'s reviver with `context.source`, which costs time, so it runs only
 * when the text needs it (a fraction or exponent with a run of 16 digits, or a Connect logical
 * type name in the text) or when the caller asks for it. Long integers (epoch micro- and
 * nanosecond timestamps are common in device payloads) and integral numbers written with a
 * fraction or exponent (`3.0`, `1e20`: Jackson reads a Double, not a Long, so the spelling counts)
 * take a fast path: they are swapped for marked strings before `JSON.parse` and turned into bigint
 * or JsonNumberText afterwards; digit runs inside strings are left alone.
 */

import { setOwn } from "../../util/own-property.ts";
import { type JavaDouble, schemalessDouble } from "./java-double.ts";
import { recordJsonKeyOrder } from "./json-key-order.ts";

/** A JSON number with a fraction or exponent, kept as its source text. */
export class JsonNumberText {
  constructor(readonly source: string) {}

  toNumber(): number {
    return Number(this.source);
  }

  /**
   * The double Jackson reads: through a BigDecimal, which has no -0.0, so `-0.0` and `-0e5` are 0.0,
   * while a negative number too small for a double (`-1e-400`) is -0.0, as BigDecimal.doubleValue gives.
   */
  toJavaDouble(): number {
    const n = Number(this.source);
    return n === 0 && !NON_ZERO_DIGIT_BEFORE_EXPONENT.test(this.source) ? 0 : n;
  }

  /** The Double Jackson reads as a schemaless value: a JavaDouble when integral, so that it stays a Double (`3.0`), not a Long. */
  toDouble(): number | JavaDouble {
    return schemalessDouble(this.toJavaDouble());
  }

  toJSON(): unknown {
    return JSON.rawJSON(this.source);
  }
}

const NON_ZERO_DIGIT_BEFORE_EXPONENT = /^[^eE]*[1-9]/;

/** What Jackson calls a MissingNode: the content of empty or all-white-space input. */
export const MISSING: unique symbol = Symbol("MISSING");

const LOGICAL_NAME_PREFIX = "org.apache.kafka.connect.data.";
const LONG_DIGIT_RUN = /\d{16}/;
/**
 * Where a number may need more than JSON.parse: a run of 16 digits (maybe beyond 2^53), or a
 * fraction starting with 0 or an exponent (maybe an integral double, `3.0`, `1e3`). One pattern for
 * the check and the scan (with /g): its matches are candidates, the token's value decides.
 */
const EXACT_CANDIDATE = /\d(?:\d{15}|\.0|[eE])/;
const EXACT_CANDIDATES = /\d(?:\d{15,}|\.0|[eE])/g;
/** The candidates when integral doubles may stay numbers: long digit runs only. */
const LONG_DIGIT_RUNS = /\d{16,}/g;
const INTEGRAL_SOURCE = /^-?\d+$/;
/** A JSON number's text, leading zeros allowed as Jackson reads them: `Number` also takes `.5`, `1.` and `+1`. */
const NUMBER_SOURCE = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
export const ONLY_WHITE_SPACE = /^[ \t\n\r]*$/;

function exactNumbers(_key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value !== "number" || context?.source === undefined) return value;
  const source = context.source;
  if (INTEGRAL_SOURCE.test(source)) return Number.isSafeInteger(value) ? value : BigInt(source);
  // `1e+21` prints back as itself, but is a Double to Jackson, not an integer.
  return String(value) === source && !Number.isInteger(value) ? value : new JsonNumberText(source);
}

/** Marks a swapped integer; random per process, so input cannot forge it. */
const BIG_NONCE = crypto.randomUUID();
/**
 * The mark, as JSON text and as the parsed string (the same: no character in it needs an escape,
 * which keeps JSON.parse on its fast path); an integer's digits follow it, or `d` and the text of
 * an integral double.
 */
const BIG_MARK_JSON = `${BIG_NONCE}:`;
const BIG_MARK = BIG_MARK_JSON;

/**
 * Whether the number ending at `to`, whose match starts at `at` with a digit and `.0`, is a plain
 * decimal (no exponent) with a non-zero digit in its fraction: with at most 15 digits (the caller
 * checks the length) such a number is no integer, and needs nothing.
 */
function hasNonZeroFraction(text: string, at: number, to: number): boolean {
  if (text.charCodeAt(at + 1) !== 46 /* . */) return false;
  let nonZero = false;
  for (let i = at + 2; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 101 || c === 69) return false;
    if (c >= 49 && c <= 57) nonZero = true;
  }
  return nonZero;
}

const COLON_AHEAD = /[ \t\n\r]*:/y;

function isNumberChar(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 45 /* - */ || c === 43 /* + */ || c === 46 /* . */ || c === 101 || c === 69;
}

/**
 * JSON.parse with unsafe integers read exactly (bigint) and integral doubles as their text
 * (JsonNumberText), without the reviver: undefined when a long digit run sits in a fraction or
 * exponent of a non-integral number (the caller then takes the reviver path). Only the text up to
 * the last candidate token is scanned for string boundaries (a token inside a string is data).
 */
function parseExactTokens(text: string, candidates: RegExp, doubles: boolean): unknown {
  let out = "";
  let copied = 0;
  let scanned = 0;
  let inString = false;
  candidates.lastIndex = 0;
  for (let match = candidates.exec(text); match !== null; match = candidates.exec(text)) {
    const at = match.index;
    let from = at;
    while (from > 0 && isNumberChar(text.charCodeAt(from - 1))) from--;
    let to = at + match[0].length;
    while (to < text.length && isNumberChar(text.charCodeAt(to))) to++;
    candidates.lastIndex = to;
    if (doubles && to - from <= 16 && hasNonZeroFraction(text, at, to)) continue;
    const token = text.slice(from, to);
    // What the token needs, decided before the (costlier) scan for string boundaries, which only
    // a token that changes something pays for: most candidates (`1.05`, `2e-3`) need nothing.
    let mark: string | undefined;
    if (INTEGRAL_SOURCE.test(token)) {
      if (Number.isSafeInteger(Number(token))) continue;
      mark = token;
    } else if (doubles && NUMBER_SOURCE.test(token) && Number.isInteger(Number(token))) {
      mark = `d${token}`;
    } else if (!LONG_DIGIT_RUN.test(token)) {
      continue;
    }
    for (; scanned < at; scanned++) {
      const c = text.charCodeAt(scanned);
      if (c === 92 /* \ */ && inString) scanned++;
      else if (c === 34 /* " */) inString = !inString;
    }
    if (inString) continue;
    // A number before a colon stands where a key must: left as it is, JSON.parse refuses it.
    COLON_AHEAD.lastIndex = to;
    if (COLON_AHEAD.test(text)) continue;
    scanned = to;
    if (mark === undefined) return undefined;
    out += `${text.slice(copied, from)}"${BIG_MARK_JSON}${mark}"`;
    copied = to;
  }
  if (copied === 0) return JSON.parse(text);
  return restoreBig(JSON.parse(out + text.slice(copied)));
}

function restoreBig(value: unknown): unknown {
  if (typeof value === "string") {
    if (!value.startsWith(BIG_MARK)) return value;
    const mark = value.slice(BIG_MARK.length);
    return mark.startsWith("d") ? new JsonNumberText(mark.slice(1)) : BigInt(mark);
  }
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = restoreBig(value[i]);
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const k of Object.keys(record)) {
    const before = record[k];
    const after = restoreBig(before);
    if (after !== before) setOwn(record, k, after);
  }
  return value;
}

/**
 * Reads one JSON text (not empty, see `ONLY_WHITE_SPACE`); `exact` forces the reviver path. Throws
 * the parser's SyntaxError for anything that is not JSON. With `doubles` false, the fast path
 * reads an integral double (`3.0`, `1e3`) as the plain number, as JSON.parse does, and costs
 * nothing more than JSON.parse unless the text has a run of 16 digits: for a reader that never
 * makes schemaless Connect values of the result (the HTTP source's page parse, which selects
 * records, offsets and cursors and hands the records on as their text).
 */
export function readJsonText(text: string, exact = false, doubles = true): unknown {
  const value = parse(text, exact, doubles);
  recordJsonKeyOrder(text, value);
  return value;
}

function parse(text: string, exact: boolean, doubles: boolean): unknown {
  if (exact || text.includes(LOGICAL_NAME_PREFIX)) return JSON.parse(text, exactNumbers);
  if (!doubles) {
    if (!LONG_DIGIT_RUN.test(text)) return JSON.parse(text);
    return parseExactTokens(text, LONG_DIGIT_RUNS, false) ?? JSON.parse(text, exactNumbers);
  }
  if (!EXACT_CANDIDATE.test(text)) return JSON.parse(text);
  return parseExactTokens(text, EXACT_CANDIDATES, true) ?? JSON.parse(text, exactNumbers);
}
