/**
 * JSON text helpers for the request path: the top-level elements of a JSON array as their own
 * text (so String/ByteArray converters get each element as sent), and concatenated JSON values
 * (REST Proxy v3 streaming bodies, NDJSON), and the nesting limit every JSON body is checked
 * against before it is parsed (`ingest.max.json.depth`).
 */
import { closingQuote, jsonDeeperThan, tooDeepMessage } from "../api/data/json-depth.ts";
import { badRequest } from "./ingest-error.ts";
import { JsonStreamSplitter } from "./json-stream-splitter.ts";

/**
 * `text`, or IngestError 400 when it nests arrays and objects deeper than `max`
 * (`ingest.max.json.depth`); `what` names it in the message ("The JSON body", "NDJSON line 3").
 */
export function depthChecked(text: string, max: number, what = "The JSON body"): string {
  if (jsonDeeperThan(text, max)) throw badRequest(tooDeepMessage(what, max, "ingest.max.json.depth"));
  return text;
}

function skipWhitespace(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

/** End index (exclusive) of the JSON value starting at `start`, or -1 if it does not end. */
function valueEnd(text: string, start: number): number {
  let depth = 0;
  let i = start;
  const first = text[i];
  if (first !== "{" && first !== "[" && first !== '"') {
    // A scalar: up to the next structural character or whitespace.
    while (i < text.length && !/[\s,\]}[{"]/.test(text[i]!)) i++;
    return i;
  }
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const quote = closingQuote(text, i);
      if (quote < 0) return -1;
      i = quote + 1;
      if (depth === 0) return i;
      continue;
    }
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) depth++;
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return -1;
}

/** The texts of the elements of a JSON array that is known to be valid JSON. */
export function arrayElementTexts(text: string): string[] {
  const out: string[] = [];
  let i = skipWhitespace(text, 0);
  if (text[i] !== "[") return out;
  i = skipWhitespace(text, i + 1);
  if (text[i] === "]") return out;
  for (;;) {
    const end = valueEnd(text, i);
    if (end < 0) return out;
    out.push(text.slice(i, end));
    i = skipWhitespace(text, end);
    if (text[i] !== ",") return out;
    i = skipWhitespace(text, i + 1);
  }
}

/**
 * Splits concatenated JSON values (`{…}{…}`, `{…}\n{…}`) into their texts: the whole body pushed
 * through the streaming split (JsonStreamSplitter), so both read one grammar. A trailing fragment
 * that does not end, or the rest from a value that starts with `}`, `]` or `,`, is returned as the
 * last element, so parsing it reports the error.
 */
export function concatenatedJsonTexts(text: string): string[] {
  const splitter = new JsonStreamSplitter();
  const { texts, broken } = splitter.push(text);
  const rest = broken ?? splitter.end();
  if (rest !== null) texts.push(rest);
  return texts;
}
