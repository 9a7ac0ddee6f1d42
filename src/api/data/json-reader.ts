/**
 * The JSON reader behind JsonConverter and JsonText: JSON text to JavaScript values, exact where a
 * JavaScript number would not be. Integers beyond ±2^53 become bigint, and a fraction or exponent
 * whose text a number would not reproduce (`1.50`, `1e3`, `0.1234567890123456789`) becomes a
 * `JsonNumberText` holding its source, so a Decimal keeps its scale and digits. The fully exact
 * reading uses `JSON.parse`'s reviver with `context.source`, which costs time, so it runs only
 * when the text needs it (a fraction or exponent with a run of 16 digits, or a Connect logical
 * type name in the text) or when the caller asks for it. Long integers alone (epoch micro- and
 * nanosecond timestamps are common in device payloads) take a fast path: the unsafe ones are
 * swapped for marked strings before `JSON.parse` and turned into bigint afterwards; digit runs
 * inside strings are left alone.
 */

/** A JSON number with a fraction or exponent, kept as its source text. */
export class JsonNumberText {
  constructor(readonly source: string) {}

  toNumber(): number {
    return Number(this.source);
  }

  toJSON(): unknown {
    return JSON.rawJSON(this.source);
  }
}

/** What Jackson calls a MissingNode: the content of empty or all-white-space input. */
export const MISSING: unique symbol = Symbol("MISSING");

const LOGICAL_NAME_PREFIX = "org.apache.kafka.connect.data.";
const LONG_DIGIT_RUN = /\d{16}/;
const INTEGRAL_SOURCE = /^-?\d+$/;
export const ONLY_WHITE_SPACE = /^[ \t\n\r]*$/;

function exactNumbers(_key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value !== "number" || context?.source === undefined) return value;
  const source = context.source;
  if (INTEGRAL_SOURCE.test(source)) return Number.isSafeInteger(value) ? value : BigInt(source);
  return String(value) === source ? value : new JsonNumberText(source);
}

const LONG_DIGIT_RUNS = /\d{16,}/g;
/** Marks a swapped integer; random per process, so input cannot forge it. */
const BIG_NONCE = crypto.randomUUID();
/** The mark as JSON text (a NUL must be escaped inside a JSON string) and as the parsed string. */
const BIG_MARK_JSON = `\\u0000${BIG_NONCE}:`;
const BIG_MARK = `\u0000${BIG_NONCE}:`;

function isNumberChar(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 45 /* - */ || c === 43 /* + */ || c === 46 /* . */ || c === 101 || c === 69;
}

/**
 * JSON.parse with unsafe integers read exactly, without the reviver: undefined when a long digit
 * run sits in a fraction or exponent (the caller then takes the reviver path). Only the text up
 * to the last long digit run is scanned for string boundaries (a run inside a string is data).
 */
function parseLongIntegers(text: string): unknown {
  let out = "";
  let copied = 0;
  let scanned = 0;
  let inString = false;
  for (const match of text.matchAll(LONG_DIGIT_RUNS)) {
    const at = match.index;
    for (; scanned < at; scanned++) {
      const c = text.charCodeAt(scanned);
      if (c === 92 /* \ */ && inString) scanned++;
      else if (c === 34 /* " */) inString = !inString;
    }
    if (inString) continue;
    let from = at;
    while (from > 0 && isNumberChar(text.charCodeAt(from - 1))) from--;
    let to = at + match[0].length;
    while (to < text.length && isNumberChar(text.charCodeAt(to))) to++;
    const token = text.slice(from, to);
    if (!INTEGRAL_SOURCE.test(token)) return undefined;
    scanned = to;
    if (Number.isSafeInteger(Number(token))) continue;
    out += `${text.slice(copied, from)}"${BIG_MARK_JSON}${token}"`;
    copied = to;
  }
  if (copied === 0) return JSON.parse(text);
  return restoreBig(JSON.parse(out + text.slice(copied)));
}

function restoreBig(value: unknown): unknown {
  if (typeof value === "string") return value.startsWith(BIG_MARK) ? BigInt(value.slice(BIG_MARK.length)) : value;
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = restoreBig(value[i]);
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const k of Object.keys(record)) {
    const before = record[k];
    const after = restoreBig(before);
    // defineProperty, not assignment: a "__proto__" key is an own property here, not the prototype.
    if (after !== before)
      Object.defineProperty(record, k, { value: after, writable: true, enumerable: true, configurable: true });
  }
  return value;
}

/**
 * Reads one JSON text (not empty, see `ONLY_WHITE_SPACE`); `exact` forces the reviver path. Throws
 * the parser's SyntaxError for anything that is not JSON.
 */
export function readJsonText(text: string, exact = false): unknown {
  if (exact || text.includes(LOGICAL_NAME_PREFIX)) return JSON.parse(text, exactNumbers);
  if (!LONG_DIGIT_RUN.test(text)) return JSON.parse(text);
  return parseLongIntegers(text) ?? JSON.parse(text, exactNumbers);
}
