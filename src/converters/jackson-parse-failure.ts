/**
 * Which Jackson exception Apache's JsonConverter reports for JSON text it cannot read, so that a
 * FAILED task's trace names the same cause class: `JsonEOFException` when the document ends
 * inside a value (an open object or array, a string, a field name, an escape, a sign or exponent
 * without digits) and `JsonParseException` for everything else. Jackson's own line is not
 * "any truncation": the end right after a `,` between entries, inside a literal (`tru`) or after a
 * decimal point (`1.`) is a JsonParseException. Recorded from Connect 4.3.1 in
 * test/fixtures/json-parse-errors. Called by json-text.ts on the error path only.
 */

const JACKSON_PARSE_EXCEPTION = "com.fasterxml.jackson.core.JsonParseException";
const JACKSON_EOF_EXCEPTION = "com.fasterxml.jackson.core.io.JsonEOFException";

const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * The Jackson exception class for `bytes`, which did not parse; `text` is their UTF-8 text, or
 * undefined when they are not UTF-8. Bytes that end in the middle of a UTF-8 sequence are read as
 * Jackson does: the end of input where that character stands (inside a string: JsonEOFException);
 * any other bad UTF-8 is a JsonParseException ("Invalid UTF-8 start byte").
 */
export function jacksonParseFailureClass(bytes: Uint8Array, text: string | undefined): string {
  const readable = text ?? textBeforeCutCharacter(bytes);
  return readable !== undefined && endsInsideValue(readable) ? JACKSON_EOF_EXCEPTION : JACKSON_PARSE_EXCEPTION;
}

/** For bytes cut inside their last UTF-8 sequence: the text before it plus a stand-in non-ASCII letter; else undefined. */
function textBeforeCutCharacter(bytes: Uint8Array): string | undefined {
  let lead = bytes.length - 1;
  while (lead >= 0 && lead > bytes.length - 4 && (bytes[lead]! & 0xc0) === 0x80) lead--;
  if (lead < 0) return undefined;
  const b = bytes[lead]!;
  const length = b >= 0xf0 && b <= 0xf4 ? 4 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xc2 && b <= 0xdf ? 2 : 0;
  if (length === 0 || bytes.length - lead >= length) return undefined;
  try {
    return `${decoder.decode(bytes.subarray(0, lead))}\u00e9`;
  } catch {
    return undefined;
  }
}

type Expecting = "value" | "after" | "key" | "colon";

const LITERALS = ["true", "false", "null"];
const SIMPLE_ESCAPES = '"\\/bfnrt';

function isWhiteSpace(c: string): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\r";
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

/**
 * Scans `text` as Jackson's streaming parser would: true when the input ends where Jackson throws
 * JsonEOFException, false at the first character that cannot be there (or at an end Jackson
 * reports as a JsonParseException).
 */
function endsInsideValue(text: string): boolean {
  const stack: string[] = [];
  let expecting: Expecting = "value";
  let justOpened = false;
  let afterComma = false;
  let i = 0;
  for (;;) {
    while (i < text.length && isWhiteSpace(text[i]!)) i++;
    if (i >= text.length) return stack.length > 0 && !afterComma;
    const c = text[i]!;
    const opened = justOpened;
    justOpened = false;
    afterComma = false;
    if (opened && (c === "}" || c === "]")) {
      if (stack.at(-1) !== (c === "}" ? "{" : "[")) return false;
      stack.pop();
      expecting = "after";
      i++;
    } else if (expecting === "after") {
      if (c === "," && stack.length > 0) {
        expecting = stack.at(-1) === "{" ? "key" : "value";
        afterComma = true;
        i++;
      } else if ((c === "}" || c === "]") && stack.at(-1) === (c === "}" ? "{" : "[")) {
        stack.pop();
        i++;
      } else return false;
    } else if (expecting === "colon") {
      if (c !== ":") return false;
      expecting = "value";
      i++;
    } else if (expecting === "key") {
      if (c !== '"') return false;
      const end = stringEnd(text, i);
      if (end === "eof") return true;
      if (end === "bad") return false;
      expecting = "colon";
      i = end;
    } else if (c === "{" || c === "[") {
      stack.push(c);
      expecting = c === "{" ? "key" : "value";
      justOpened = true;
      i++;
    } else if (c === '"') {
      const end = stringEnd(text, i);
      if (end === "eof") return true;
      if (end === "bad") return false;
      expecting = "after";
      i = end;
    } else if (c === "-" || isDigit(c)) {
      const end = numberEnd(text, i);
      if (end === "eof") return true;
      if (end === "bad") return false;
      expecting = "after";
      i = end;
    } else {
      const literal = LITERALS.find((l) => text.startsWith(l, i));
      if (literal === undefined) return false;
      expecting = "after";
      i += literal.length;
    }
  }
}

/** The index after the string opening at `start`, "eof" when the input ends inside it, "bad" on a character that cannot be there. */
function stringEnd(text: string, start: number): number | "eof" | "bad" {
  for (let i = start + 1; ; i++) {
    if (i >= text.length) return "eof";
    const c = text[i]!;
    if (c === '"') return i + 1;
    if (c < " ") return "bad";
    if (c !== "\\") continue;
    i++;
    if (i >= text.length) return "eof";
    if (text[i] === "u") {
      for (let k = 1; k <= 4; k++) {
        if (i + k >= text.length) return "eof";
        if (!/[0-9A-Fa-f]/.test(text[i + k]!)) return "bad";
      }
      i += 4;
    } else if (!SIMPLE_ESCAPES.includes(text[i]!)) return "bad";
  }
}

/** The index after the number starting at `start`, as `stringEnd` answers. */
function numberEnd(text: string, start: number): number | "eof" | "bad" {
  let i = start;
  if (text[i] === "-") i++;
  if (i >= text.length) return "eof";
  if (!isDigit(text[i])) return "bad";
  while (isDigit(text[i])) i++;
  if (text[i] === ".") {
    i++;
    // Jackson: "Decimal point not followed by a digit", at the end of input too.
    if (!isDigit(text[i])) return "bad";
    while (isDigit(text[i])) i++;
  }
  if (text[i] === "e" || text[i] === "E") {
    i++;
    if (text[i] === "+" || text[i] === "-") i++;
    if (i >= text.length) return "eof";
    if (!isDigit(text[i])) return "bad";
    while (isDigit(text[i])) i++;
  }
  return i;
}
