/**
 * The JSON text Jackson's `ObjectMapper.readTree` (JsonConverter's JsonDeserializer) actually reads
 * where JSON.parse refuses the whole: Connect's mapper allows leading zeros in numbers (`007` is 7,
 * `-00.5` is -0.5), and with FAIL_ON_TRAILING_TOKENS off whatever follows the first value is never
 * read, not even as UTF-8 (`[1,2] x` and `{"b":1}{"c":2}` are `[1,2]` and `{"b":1}`). A root number
 * must be followed by white space (Jackson's root-value separator rule), so `1 x` is `1` while `1x`
 * and `1,` stay errors; a root literal only must not run on into a Java identifier character
 * (`true,x` and `null}` read as `true` and `null`, `truex`, `true_` and `true1` stay errors).
 * Called by json-text.ts only after the whole text failed to parse or decode, so well-formed input
 * never pays for it; the Apache golden cases "schemaless leading zeros" and "schemaless trailing
 * content" (test/fixtures/json-converter/) and the runtime case hunt5-json-plain-jackson check it.
 */

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
const BYTE_ORDER_MARK = [0xef, 0xbb, 0xbf];
const LITERALS = ["true", "false", "null"].map((literal) => new TextEncoder().encode(literal));
/** A byte after a root literal that makes it an invalid token: see `runsOnAsIdentifier`. */
const ASCII_IDENTIFIER_PART = /[0-9A-Za-z_\x7f-\xff]/;

const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * The text Jackson reads of `bytes` (`text` when they decoded as UTF-8); undefined when that is
 * `text` itself or nothing (nothing to forgive).
 */
export function jacksonLenientText(bytes: Uint8Array, text: string | undefined): string | undefined {
  const first = firstJsonValue(bytes) ?? text;
  if (first === undefined) return undefined;
  const unpadded = withoutLeadingZeros(first);
  return unpadded === text ? undefined : unpadded;
}

const isWhiteSpace = (c: number | undefined) => c === SPACE || c === LF || c === CR || c === TAB;
const isDigit = (c: number) => c >= ZERO && c <= NINE;
/** A character a number's text goes on with (`0-9 . e E + -`): a zero after it is not a number's first digit. */
const continuesNumber = (c: number) =>
  isDigit(c) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === MINUS;

/** Numbers outside strings without the leading zeros of their integer part; `text` itself when none has any. */
function withoutLeadingZeros(text: string): string {
  let out = "";
  let copied = 0;
  let inString = false;
  let previous = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (c === QUOTE) inString = true;
    const startsNumber = (c === ZERO || (c === MINUS && text.charCodeAt(i + 1) === ZERO)) && !continuesNumber(previous);
    if (startsNumber) {
      const zeros = c === MINUS ? i + 1 : i;
      let j = zeros;
      while (text.charCodeAt(j) === ZERO && isDigit(text.charCodeAt(j + 1))) j++;
      if (j > zeros) {
        out += text.slice(copied, zeros);
        copied = j;
      }
      previous = ZERO;
      i = j;
    } else if (!isWhiteSpace(c)) previous = c;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * The text of the first value when something follows it; undefined when there is none to cut off,
 * or the value itself is not UTF-8. Found on the bytes, so what follows need not be UTF-8 either.
 */
function firstJsonValue(bytes: Uint8Array): string | undefined {
  let start = BYTE_ORDER_MARK.every((b, i) => bytes[i] === b) ? BYTE_ORDER_MARK.length : 0;
  while (isWhiteSpace(bytes[start])) start++;
  const first = bytes[start];
  if (first === undefined) return undefined;
  const structured = first === 0x7b || first === 0x5b || first === QUOTE;
  const end = structured ? structuredEnd(bytes, start) : scalarEnd(bytes, start);
  if (end === undefined || end >= bytes.length) return undefined;
  try {
    return decoder.decode(bytes.subarray(start, end));
  } catch {
    return undefined;
  }
}

/** The index just past the object, array or string that opens at `start` (no UTF-8 byte past the first is ASCII). */
function structuredEnd(bytes: Uint8Array, start: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = start; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) {
        inString = false;
        if (depth === 0) return i + 1;
      }
    } else if (c === QUOTE) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return undefined;
}

/** The index just past a root literal, or a root number, which white space must follow. */
function scalarEnd(bytes: Uint8Array, start: number): number | undefined {
  const literal = LITERALS.find((l) => l.every((b, i) => bytes[start + i] === b));
  if (literal !== undefined) {
    const end = start + literal.length;
    return end < bytes.length && !runsOnAsIdentifier(bytes, end) ? end : undefined;
  }
  let i = start;
  while (i < bytes.length && !isWhiteSpace(bytes[i])) i++;
  return i < bytes.length ? i : undefined;
}

/**
 * Whether the byte at `at` would extend a literal into a token (Jackson's `_checkMatchEnd`): a Java
 * identifier part in ASCII (letters, digits, `_`, DEL; `$` is below `0` and never does), and any
 * byte past ASCII, which Jackson 2 refuses there whatever character it starts (checked against
 * Connect 4.3.1's JsonConverter).
 */
function runsOnAsIdentifier(bytes: Uint8Array, at: number): boolean {
  return ASCII_IDENTIFIER_PART.test(String.fromCharCode(bytes[at]!));
}
