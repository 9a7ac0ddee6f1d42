/**
 * Jackson's StreamReadConstraints as Apache's JsonConverter (Jackson 2.21, Connect 4.3.1) applies
 * them: a document nesting arrays and objects more than 1000 levels deep, or a number with more
 * than 1000 digits, is refused where Jackson's parser meets it. The scan follows JSON's grammar
 * token by token, as the parser reads, and reads exactly as far: it ends when the first value ends
 * (a root string, literal or number as well as a closed array or object: trailing content Jackson
 * never reads is not scanned), and at the first character that cannot stand where it is (`+1`,
 * `.5`, a number as an object key, `'`, an unknown word, a missing comma or colon, a wrong closing
 * bracket, a `.` or exponent without digits, a root number followed by anything but white space),
 * where Jackson fails with a JsonParseException and so never meets a limit further on.
 * A number's length is its digits only: an integer's without the sign and leading zeros; a
 * fraction's or exponent's integer, fraction and exponent digits together (`1.` + 1000 digits is
 * 1001). The limit crossed is reported with Jackson's message (recorded against Connect 4.3.1's
 * JsonConverter).
 *
 * Cost: a text of at most 1000 characters cannot cross either limit; a longer one is scanned only
 * when it has more than 1000 brackets or a run of 1001 number characters (native checks, linear:
 * the run's pattern starts only where a run starts), once, linearly.
 */
import { closingQuote, MAX_JSON_DEPTH, mayBeDeeper } from "../api/data/json-depth.ts";
import { streamConstraintsMessage as exceeds } from "../rest/jackson/json-scanner.ts";

const MAX_NUMBER_LENGTH = 1000;
const LONG_NUMBER_RUN = /(?<![-+.eE\d])[-+.eE\d]{1001}/;
const LITERALS = ["true", "false", "null"];

/** What the parser expects next. */
const VALUE = 0;
const KEY = 1;
const COLON = 2;
/** A comma or the container's closing bracket. */
const NEXT = 3;
/** Right after an opening bracket: its closing bracket, or what the container holds. */
const EMPTY = 4;

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isWhiteSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** Jackson's StreamConstraintsException message for the limit its parser meets in `text`, or undefined. */
export function jacksonLimitExceeded(text: string): string | undefined {
  if (!mayBeDeeper(text, MAX_JSON_DEPTH) && !LONG_NUMBER_RUN.test(text)) return undefined;
  const isObject = new Uint8Array(MAX_JSON_DEPTH + 1);
  let depth = 0;
  let expected = VALUE;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isWhiteSpace(c)) continue;
    if ((expected === NEXT || expected === EMPTY) && c === (isObject[depth] ? 0x7d : 0x5d)) {
      if (--depth === 0) return undefined; // the first value ends: Jackson reads no further
      expected = NEXT;
      continue;
    }
    if (expected === EMPTY) expected = isObject[depth] ? KEY : VALUE;
    if (expected === NEXT) {
      if (c !== 0x2c /* , */) return undefined;
      expected = isObject[depth] ? KEY : VALUE;
    } else if (expected === COLON) {
      if (c !== 0x3a /* : */) return undefined;
      expected = VALUE;
    } else if (expected === KEY) {
      if (c !== 0x22 /* " */) return undefined;
      i = closingQuote(text, i);
      if (i < 0) return undefined;
      expected = COLON;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_JSON_DEPTH)
        return exceeds(`Document nesting depth (${depth})`, MAX_JSON_DEPTH, "getMaxNestingDepth");
      isObject[depth] = c === 0x7b ? 1 : 0;
      expected = EMPTY;
    } else {
      const end = scalarEnd(text, i, depth === 0);
      if (typeof end === "string") return end;
      if (end < 0 || depth === 0) return undefined; // not JSON here, or the root value ends
      i = end - 1;
      expected = NEXT;
    }
  }
  return undefined;
}

/**
 * Where the string, number or literal at `start` ends; -1 when none starts there; a number's
 * exceeded limit. Jackson counts a number's digits only once it is well-formed: a malformed one,
 * or a root one followed by anything but white space ("Expected space separating root-level
 * values"), is a JsonParseException whatever its length, so -1 here.
 */
function scalarEnd(text: string, start: number, atRoot: boolean): number | string {
  const c = text.charCodeAt(start);
  if (c === 0x22) {
    const quote = closingQuote(text, start);
    return quote < 0 ? -1 : quote + 1;
  }
  if (isDigit(c) || (c === 0x2d && isDigit(text.charCodeAt(start + 1)))) {
    const [end, length] = numberLength(text, start);
    if (end < 0 || (atRoot && end < text.length && !isWhiteSpace(text.charCodeAt(end)))) return -1;
    if (length > MAX_NUMBER_LENGTH)
      return exceeds(`Number value length (${length})`, MAX_NUMBER_LENGTH, "getMaxNumberLength");
    return end;
  }
  const literal = LITERALS.find((word) => text.startsWith(word, start));
  return literal === undefined ? -1 : start + literal.length;
}

/** Where the number starting at `start` ends (-1: a `.` or exponent without digits), and its length as Jackson counts it. */
function numberLength(text: string, start: number): [number, number] {
  let i = text.charCodeAt(start) === 0x2d ? start + 1 : start;
  while (text.charCodeAt(i) === 0x30 && isDigit(text.charCodeAt(i + 1))) i++;
  const digitsFrom = i;
  while (isDigit(text.charCodeAt(i))) i++;
  let length = i - digitsFrom;
  if (text.charCodeAt(i) === 0x2e /* . */) {
    const from = ++i;
    while (isDigit(text.charCodeAt(i))) i++;
    if (i === from) return [-1, 0];
    length += i - from;
  }
  const e = text.charCodeAt(i);
  if (e === 0x65 || e === 0x45) {
    i++;
    if (text.charCodeAt(i) === 0x2b || text.charCodeAt(i) === 0x2d) i++;
    const from = i;
    while (isDigit(text.charCodeAt(i))) i++;
    if (i === from) return [-1, 0];
    length += i - from;
  }
  return [i, length];
}
