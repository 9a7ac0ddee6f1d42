/**
 * The byte level of the JSON parser (as Jackson's ParserBase is to its UTF-8 parser): the body as
 * UTF-8 (UTF-16/32 detected by json-encoding.ts and transcoded; invalid UTF-8 is an error, never
 * U+FFFD), line and column tracking (bytes; characters for a transcoded body, counted only for a
 * message), whitespace, and strings scanned with Jackson's
 * messages; numbers and words are json-words.ts's, and JsonParser (json-parser.ts) builds the token
 * stream on both.
 */
import { charDesc, JacksonError, type Location } from "./jackson-error.ts";
import { charColumn, jsonInput } from "./json-encoding.ts";

/** Jackson 2.21's default StreamReadConstraints. */
const MAX_NAME_LENGTH = 50_000;
export const MAX_NESTING_DEPTH = 1000;

/** The decoder of string runs (validated as UTF-8 by codePointAt as they are scanned). */
const UTF8 = new TextDecoder();

/** The one-character escapes: `\n` and the like. */
const SIMPLE_ESCAPES: Readonly<Record<number, string>> = {
  34: '"',
  92: "\\",
  47: "/",
  98: "\b",
  102: "\f",
  110: "\n",
  114: "\r",
  116: "\t",
};

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/** Jackson's StreamConstraintsException message: `what` (with its size) over `max`, from StreamReadConstraints' `getter`. */
export function streamConstraintsMessage(what: string, max: number, getter: string): string {
  return `${what} exceeds the maximum allowed (${max}, from \`StreamReadConstraints.${getter}()\`)`;
}

export abstract class JsonScanner {
  protected readonly b: Uint8Array;
  protected pos = 0;
  protected line = 1;
  protected lineStart = 0;
  protected pendingString: { start: number } | null = null;
  protected tokenText = "";

  /** The body was UTF-16/32: columns count characters (UTF-16 units), as Jackson's char-based parser. */
  protected readonly charColumns: boolean;
  /** Where the text ends when the decoder has an error to raise there (json-encoding.ts). */
  private readonly textEnd: number;
  private readonly readError: JacksonError | null;

  constructor(bytes: Uint8Array) {
    const input = jsonInput(bytes);
    this.charColumns = input.charColumns;
    this.readError = input.readError;
    this.textEnd = input.utf8.length;
    if (this.readError) {
      // A byte that is never UTF-8 (0xff) ends the text: every path that reads it fails, and fail()
      // raises the decoder's error instead, as Jackson's reader raises it when the parser reads on.
      this.b = new Uint8Array(this.textEnd + 1);
      this.b.set(input.utf8);
      this.b[this.textEnd] = 0xff;
    } else this.b = input.utf8;
  }

  /** The location of byte `index` on the current line; a character column is counted only if read. */
  protected at(index: number): Location {
    const line = this.line;
    if (!this.charColumns) return { line, column: index - this.lineStart + 1 };
    const text = this.b;
    const lineStart = this.lineStart;
    let column: number | undefined;
    return {
      line,
      get column() {
        column ??= charColumn(text, lineStart, index);
        return column;
      },
    };
  }

  /**
   * Fails with Jackson's `problem` located at `index`. `read` is the last byte read to find the
   * problem (`index`, unless the location is after a character): past the text, the decoder's error
   * is Jackson's answer.
   */
  protected fail(problem: string, index = this.pos, read = index): never {
    if (this.readError && read >= this.textEnd) throw this.readError;
    throw new JacksonError(problem, this.at(index), false);
  }

  /** The current token's name as Jackson prints it in end-of-input messages (`null` for none). */
  protected abstract currentTokenName(): string;

  protected skipWs(): number {
    while (this.pos < this.b.length) {
      const c = this.b[this.pos]!;
      if (c === 0x20 || c === 0x09 || c === 0x0d) this.pos++;
      else if (c === 0x0a) {
        this.pos++;
        this.line++;
        this.lineStart = this.pos;
      } else if (c === 0x2f) {
        this.fail(
          "Unexpected character ('/' (code 47)): maybe a (non-standard) comment? (not recognized as one since Feature 'ALLOW_COMMENTS' not enabled for parser)",
        );
      } else if (c < 0x20) {
        // Jackson's _throwInvalidSpace: another control character where white space may be, located
        // after it (explore9 F5).
        this.fail(
          `Illegal character (${charDesc(c)}): only regular white space (\\r, \\n, \\t) is allowed between tokens`,
          this.pos + 1,
          this.pos,
        );
      } else return c;
    }
    return -1;
  }

  /** The code point at `pos` (for messages), failing on invalid UTF-8 as Jackson does. */
  protected codePointAt(index: number): { code: number; size: number } {
    const c = this.b[index]!;
    if (c < 0x80) return { code: c, size: 1 };
    const size = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (size === 0) this.fail(`Invalid UTF-8 start byte 0x${c.toString(16)}`, index + 1);
    let code = c & (size === 2 ? 0x1f : size === 3 ? 0x0f : 0x07);
    for (let i = 1; i < size; i++) {
      const d = this.b[index + i];
      if (d === undefined) this.fail("Unexpected end-of-input in character escape sequence", index + i);
      if ((d & 0xc0) !== 0x80) this.fail(`Invalid UTF-8 middle byte 0x${d.toString(16)}`, index + i + 1);
      code = (code << 6) | (d & 0x3f);
    }
    // Jackson 2.16+ (core#1160) refuses UTF-8 encoded surrogates, located after the sequence.
    if (size === 3 && code >= 0xd800 && code <= 0xdfff) {
      this.fail(`Invalid UTF-8: Illegal surrogate character 0x${code.toString(16)}`, index + 3);
    }
    return { code, size };
  }

  /**
   * The byte `c` at `pos` where it has no place: a non-ASCII one is named as its Latin-1 character,
   * as Jackson's UTF-8 parser does; in a transcoded body, as the character Jackson's char parser reads.
   */
  protected unexpected(c: number, what: string): never {
    this.fail(`Unexpected character (${charDesc(this.charColumns && c >= 0x80 ? this.charAt(this.pos) : c)}): ${what}`);
  }

  /** The UTF-16 unit Jackson's char-based parser reads at `index` (a transcoded body): a pair's high one. */
  protected charAt(index: number): number {
    const { code } = this.codePointAt(index);
    return code > 0xffff ? 0xd800 + ((code - 0x10000) >> 10) : code;
  }

  /** Where a field name should start Jackson decodes the character and points after it. */
  protected unexpectedDecoded(what: string): never {
    const { code, size } = this.codePointAt(this.pos);
    this.fail(`Unexpected character (${charDesc(code)}): ${what}`, this.pos + size - 1);
  }

  /** A StreamReadConstraints limit passed: Jackson's StreamConstraintsException, which has no location. */
  protected exceeds(what: string, max: number, getter: string): never {
    throw new JacksonError(streamConstraintsMessage(what, max, getter), null, false);
  }

  /** Reads a string body from `pos` (after the opening quote) up to and past the closing quote. */
  protected scanString(decode: boolean, fieldName = false): string {
    this.pendingString = null;
    let out = "";
    let runStart = this.pos;
    const flush = (end: number) => {
      if (decode && end > runStart) out += UTF8.decode(this.b.subarray(runStart, end));
    };
    for (;;) {
      if (this.pos >= this.b.length) {
        // Jackson's slowParseName fails before reading a byte of the name, parseEscapedName after.
        if (fieldName && this.pos === runStart && out === "") {
          this.fail(`Unexpected end-of-input: was expecting closing '"' for name`);
        }
        this.fail(`Unexpected end-of-input in ${fieldName ? "field name" : "VALUE_STRING"}`);
      }
      const c = this.b[this.pos]!;
      if (c === 0x22) {
        flush(this.pos);
        this.pos++;
        if (fieldName && out.length > MAX_NAME_LENGTH) {
          this.exceeds(`Name length (${out.length})`, MAX_NAME_LENGTH, "getMaxNameLength");
        }
        return out;
      }
      if (c < 0x20) {
        this.fail(
          `Illegal unquoted character (${charDesc(c)}): has to be escaped using backslash to be included in string value`,
        );
      }
      if (c === 0x5c) {
        flush(this.pos);
        const escaped = this.escape();
        out += fieldName ? this.pairedInName(escaped) : escaped;
        runStart = this.pos;
        continue;
      }
      this.pos += c < 0x80 ? 1 : this.codePointAt(this.pos).size;
    }
  }

  /**
   * Jackson 2.21 checks escaped surrogates in field names (not in values): a high one must be
   * followed by an escaped low one, and a low one must follow a high one.
   */
  private pairedInName(escaped: string): string {
    const code = escaped.charCodeAt(0);
    if (isLowSurrogate(code)) {
      this.fail(`Unexpected low surrogate in field name: 0x${code.toString(16)}`, this.pos, this.pos - 1);
    }
    if (!isHighSurrogate(code)) return escaped;
    const next = this.b[this.pos];
    if (next === undefined) return escaped;
    if (next !== 0x5c) {
      this.fail(
        `Broken surrogate pair in field name: expected '\\' to start low surrogate, got 0x${next.toString(16)}`,
      );
    }
    const low = this.escape();
    if (!isLowSurrogate(low.charCodeAt(0))) {
      const hex = low.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
      this.fail(`Broken surrogate pair in field name: expected low surrogate, got 0x${hex}`, this.pos, this.pos - 1);
    }
    return escaped + low;
  }

  protected escape(): string {
    this.pos++;
    const e = this.b[this.pos];
    if (e === undefined) this.fail("Unexpected end-of-input in character escape sequence");
    this.pos++;
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) return simple;
    if (e !== 0x75) {
      this.fail(`Unrecognized character escape ${charDesc(this.codePointAt(this.pos - 1).code)}`, this.pos - 1);
    }
    let code = 0;
    for (let k = 0; k < 4; k++) {
      const h = this.b[this.pos];
      if (h === undefined) this.fail("Unexpected end-of-input in character escape sequence");
      const digit = Number.parseInt(String.fromCharCode(h), 16);
      if (Number.isNaN(digit)) {
        // _reportUnexpectedChar locates it at the character itself (_currentLocationMinusOne).
        this.fail(`Unexpected character (${charDesc(h)}): expected a hex-digit for character escape sequence`);
      }
      code = code * 16 + digit;
      this.pos++;
    }
    return String.fromCharCode(code);
  }
}
