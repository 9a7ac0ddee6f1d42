/**
 * A streaming JSON parser that fails the way Jackson's does (Connect reads REST bodies with
 * Jackson): the same messages (`Unexpected character ('b' (code 98)): was expecting double-quote to
 * start field name`), the same location suffix (line and byte column, as Jackson's UTF-8 parser
 * counts), strings decoded lazily (an error inside a string surfaces when its value is read, so
 * the binder can add its reference chain), and the same encoding detection (UTF-8, or UTF-16/32
 * by BOM or zero-byte pattern; invalid UTF-8 is an error, never U+FFFD). Used by `bind.ts`.
 */

export type TokenType =
  | "START_OBJECT"
  | "END_OBJECT"
  | "START_ARRAY"
  | "END_ARRAY"
  | "FIELD_NAME"
  | "VALUE_STRING"
  | "VALUE_NUMBER_INT"
  | "VALUE_NUMBER_FLOAT"
  | "VALUE_TRUE"
  | "VALUE_FALSE"
  | "VALUE_NULL";

export interface Location {
  readonly line: number;
  readonly column: number;
}

/** A Jackson exception: `mapping` ones (type mismatches) are wrapped with paths by maps too. */
export class JacksonError extends Error {
  private readonly chain: string[] = [];
  constructor(
    readonly problem: string,
    readonly location: Location | null,
    readonly mapping: boolean,
  ) {
    super(problem);
    this.message = this.render();
  }

  /** Adds the enclosing reference (`Bean["prop"]`, `java.util.ArrayList[0]`) to the chain. */
  wrap(ref: string): void {
    this.chain.unshift(ref);
    this.message = this.render();
  }

  /** Jackson's `getMessage()`: problem, location, then the reference chain. */
  private render(): string {
    let out = this.problem;
    if (this.location) out += `\n at ${locationText(this.location)}`;
    if (this.chain.length > 0) out += ` (through reference chain: ${this.chain.join("->")})`;
    return out;
  }
}

export function locationText(l: Location): string {
  return `[Source: REDACTED (\`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION\` disabled); line: ${l.line}, column: ${l.column}]`;
}

/** Jackson's `_getCharDesc`. */
export function charDesc(code: number): string {
  const c = String.fromCodePoint(code);
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return `(CTRL-CHAR, code ${code})`;
  if (code > 255) return `'${c}' (code ${code} / 0x${code.toString(16)})`;
  return `'${c}' (code ${code})`;
}

const VALUE_EXPECTED = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')";

/** Body bytes as UTF-8, transcoding UTF-16/32 input detected the way Jackson's ByteSourceJsonBootstrapper does. */
function toUtf8(bytes: Uint8Array): Uint8Array {
  const b = bytes;
  let encoding: "utf-16be" | "utf-16le" | null = null;
  let skip = 0;
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) skip = 3;
  else if (b[0] === 0xfe && b[1] === 0xff) [encoding, skip] = ["utf-16be", 2];
  else if (b[0] === 0xff && b[1] === 0xfe && !(b[2] === 0 && b[3] === 0)) [encoding, skip] = ["utf-16le", 2];
  else if (b.length >= 2 && b[0] === 0 && b[1] !== 0) encoding = "utf-16be";
  else if (b.length >= 2 && b[0] !== 0 && b[1] === 0 && !(b[2] === 0 && b[3] === 0)) encoding = "utf-16le";
  if (encoding === null) return skip ? b.subarray(skip) : b;
  return new TextEncoder().encode(new TextDecoder(encoding).decode(b.subarray(skip)));
}

function isIdentPart(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x24;
}

interface Context {
  readonly kind: "object" | "array";
  readonly start: Location;
  /** 0: nothing read yet; 1: after a value (or field name in objects, awaiting its value). */
  state: "first" | "afterValue" | "afterName";
}

export class JsonParser {
  private readonly b: Uint8Array;
  private pos = 0;
  private line = 1;
  private lineStart = 0;
  private readonly stack: Context[] = [];
  private pendingString: { start: number } | null = null;
  private tokenStart: Location = { line: 1, column: 1 };
  private tokenText = "";
  private decodedString: string | null = null;
  private rootDone = false;
  /** The name of the last FIELD_NAME. */
  currentName = "";
  token: TokenType | null = null;

  constructor(bytes: Uint8Array) {
    this.b = toUtf8(bytes);
  }

  private emit<T extends TokenType | null>(token: T): T {
    this.token = token;
    return token;
  }

  /** Where the current token started. */
  tokenLocation(): Location {
    return this.tokenStart;
  }

  /** Where the parser is now (after the current token). */
  currentLocation(): Location {
    return this.at(this.pos);
  }

  private at(index: number): Location {
    return { line: this.line, column: index - this.lineStart + 1 };
  }

  private fail(problem: string, index = this.pos): never {
    throw new JacksonError(problem, this.at(index), false);
  }

  private skipWs(): number {
    while (this.pos < this.b.length) {
      const c = this.b[this.pos]!;
      if (c === 0x20 || c === 0x09 || c === 0x0d) this.pos++;
      else if (c === 0x0a) {
        this.pos++;
        this.line++;
        this.lineStart = this.pos;
      } else return c;
    }
    return -1;
  }

  /** The code point at `pos` (for messages), failing on invalid UTF-8 as Jackson does. */
  private codePointAt(index: number): { code: number; size: number } {
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
    return { code, size };
  }

  private unexpected(c: number, what: string): never {
    this.fail(`Unexpected character (${charDesc(this.codePointAt(this.pos).code || c)}): ${what}`);
  }

  private eofInContext(ctx: Context): never {
    const kind = ctx.kind === "object" ? "Object" : "Array";
    this.fail(
      `Unexpected end-of-input: expected close marker for ${kind} (start marker at ${locationText(ctx.start)})`,
    );
  }

  /** Advances to the next token; null at the end of the root value. */
  next(): TokenType | null {
    if (this.pendingString) this.scanString(false);
    this.decodedString = null;
    const ctx = this.stack.at(-1);
    let c = this.skipWs();
    if (!ctx) {
      if (this.rootDone) {
        // After the root value Jackson still reads the next token: a close marker or garbage fails.
        if (c === 0x7d || c === 0x5d) {
          const kind = c === 0x7d ? "Object" : "Array";
          this.fail(`Unexpected close marker '${String.fromCharCode(c)}': no open ${kind} to close`);
        }
        if (c !== -1 && isIdentPart(c)) this.readValueToken(c);
        return this.emit(null);
      }
      if (c === -1) return this.emit(null);
      return this.readValueToken(c);
    }
    if (ctx.kind === "object") {
      if (ctx.state === "afterName") {
        if (c !== 0x3a) {
          if (c === -1) this.fail("Unexpected end-of-input within/between Object entries");
          this.unexpected(c, "was expecting a colon to separate field name and value");
        }
        this.pos++;
        c = this.skipWs();
        if (c === -1) this.fail("Unexpected end-of-input within/between Object entries");
        ctx.state = "afterValue";
        return this.readValueToken(c);
      }
      if (c === 0x7d) return this.close();
      if (ctx.state === "afterValue") {
        if (c === -1) this.eofInContext(ctx);
        if (c !== 0x2c) this.unexpected(c, "was expecting comma to separate Object entries");
        this.pos++;
        c = this.skipWs();
        if (c === -1) this.fail("Unexpected end-of-input within/between Object entries");
      } else if (c === -1) this.eofInContext(ctx);
      if (c !== 0x22) this.unexpected(c, "was expecting double-quote to start field name");
      this.tokenStart = this.at(this.pos);
      this.pos++;
      this.currentName = this.scanString(true, true);
      ctx.state = "afterName";
      return this.emit("FIELD_NAME");
    }
    if (c === 0x5d && ctx.state === "first") return this.close();
    if (ctx.state === "afterValue") {
      if (c === 0x5d) return this.close();
      if (c === -1) this.eofInContext(ctx);
      if (c !== 0x2c) this.unexpected(c, "was expecting comma to separate Array entries");
      this.pos++;
      c = this.skipWs();
    }
    if (c === -1) this.eofInContext(ctx);
    ctx.state = "afterValue";
    return this.readValueToken(c);
  }

  private close(): TokenType {
    const ctx = this.stack.pop()!;
    this.tokenStart = this.at(this.pos);
    this.pos++;
    if (this.stack.length === 0) this.rootDone = true;
    return this.emit(ctx.kind === "object" ? "END_OBJECT" : "END_ARRAY");
  }

  private readValueToken(c: number): TokenType {
    this.tokenStart = this.at(this.pos);
    const start = this.pos;
    const root = this.stack.length === 0;
    const done = (t: TokenType): TokenType => {
      if (root && t !== "START_OBJECT" && t !== "START_ARRAY") this.rootDone = true;
      return this.emit(t);
    };
    if (c === 0x7b || c === 0x5b) {
      this.pos++;
      this.stack.push({ kind: c === 0x7b ? "object" : "array", start: this.tokenStart, state: "first" });
      return this.emit(c === 0x7b ? "START_OBJECT" : "START_ARRAY");
    }
    if (c === 0x22) {
      this.pos++;
      this.pendingString = { start: this.pos };
      return done("VALUE_STRING");
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return done(this.scanNumber(start));
    if (c === 0x5d && this.stack.at(-1)?.kind === "array") {
      this.unexpected(c, `expected a valid value ${VALUE_EXPECTED}`);
    }
    if (isIdentPart(c)) {
      let end = this.pos;
      while (end < this.b.length && isIdentPart(this.b[end]!)) end++;
      const word = new TextDecoder().decode(this.b.subarray(this.pos, end));
      const literal = { true: "VALUE_TRUE", false: "VALUE_FALSE", null: "VALUE_NULL" }[word] as TokenType | undefined;
      if (!literal) this.fail(`Unrecognized token '${word}': was expecting ${VALUE_EXPECTED}`, start);
      this.pos = end;
      this.tokenText = word;
      return done(literal);
    }
    this.unexpected(c, `expected a valid value ${VALUE_EXPECTED}`);
  }

  private digitsFrom(index: number): number {
    let i = index;
    while (i < this.b.length && this.b[i]! >= 0x30 && this.b[i]! <= 0x39) i++;
    return i;
  }

  private numberFail(what: string, index: number): never {
    const c = this.b[index];
    if (c === undefined) this.fail(`Unexpected end-of-input in a Number value: ${what}`, index);
    this.pos = index;
    this.fail(`Unexpected character (${charDesc(this.codePointAt(index).code)}) in numeric value: ${what}`, index);
  }

  private scanNumber(start: number): TokenType {
    let i = start;
    if (this.b[i] === 0x2d) {
      i++;
      const d = this.b[i];
      if (d === undefined || d < 0x30 || d > 0x39) {
        this.numberFail("expected digit (0-9) to follow minus sign, for valid numeric value", i);
      }
    }
    if (this.b[i] === 0x30 && this.b[i + 1] !== undefined && this.b[i + 1]! >= 0x30 && this.b[i + 1]! <= 0x39) {
      this.fail("Invalid numeric value: Leading zeroes not allowed", i + 1);
    }
    i = this.digitsFrom(i);
    let float = false;
    if (this.b[i] === 0x2e) {
      float = true;
      const end = this.digitsFrom(i + 1);
      if (end === i + 1) this.numberFail("Decimal point not followed by a digit", i + 1);
      i = end;
    }
    if (this.b[i] === 0x65 || this.b[i] === 0x45) {
      float = true;
      let j = i + 1;
      if (this.b[j] === 0x2b || this.b[j] === 0x2d) j++;
      const end = this.digitsFrom(j);
      if (end === j) this.numberFail("Exponent indicator not followed by a digit", j);
      i = end;
    }
    this.tokenText = new TextDecoder().decode(this.b.subarray(start, i));
    this.pos = i;
    return float ? "VALUE_NUMBER_FLOAT" : "VALUE_NUMBER_INT";
  }

  /** Reads a string body from `pos` (after the opening quote) up to and past the closing quote. */
  private scanString(decode: boolean, fieldName = false): string {
    this.pendingString = null;
    let out = "";
    let runStart = this.pos;
    const flush = (end: number) => {
      if (decode && end > runStart) out += new TextDecoder().decode(this.b.subarray(runStart, end));
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
        return out;
      }
      if (c < 0x20) {
        this.fail(
          `Illegal unquoted character (${charDesc(c)}): has to be escaped using backslash to be included in string value`,
        );
      }
      if (c === 0x5c) {
        flush(this.pos);
        out += this.escape();
        runStart = this.pos;
        continue;
      }
      this.pos += c < 0x80 ? 1 : this.codePointAt(this.pos).size;
    }
  }

  private escape(): string {
    this.pos++;
    const e = this.b[this.pos];
    if (e === undefined) this.fail("Unexpected end-of-input in character escape sequence");
    this.pos++;
    const simple: Record<number, string> = {
      34: '"',
      92: "\\",
      47: "/",
      98: "\b",
      102: "\f",
      110: "\n",
      114: "\r",
      116: "\t",
    };
    if (simple[e] !== undefined) return simple[e];
    if (e !== 0x75) {
      this.fail(`Unrecognized character escape ${charDesc(this.codePointAt(this.pos - 1).code)}`, this.pos - 1);
    }
    let code = 0;
    for (let k = 0; k < 4; k++) {
      const h = this.b[this.pos];
      if (h === undefined) this.fail("Unexpected end-of-input in character escape sequence");
      const digit = Number.parseInt(String.fromCharCode(h), 16);
      if (Number.isNaN(digit)) {
        this.pos++;
        this.fail(`Unexpected character (${charDesc(h)}): expected a hex-digit for character escape sequence`);
      }
      code = code * 16 + digit;
      this.pos++;
    }
    return String.fromCharCode(code);
  }

  /** The current scalar's text: a string's decoded value, a number's literal text, `true`, … */
  text(): string {
    if (this.token === "VALUE_STRING") {
      if (this.decodedString === null) this.decodedString = this.scanString(true);
      return this.decodedString;
    }
    if (this.token === "FIELD_NAME") return this.currentName;
    return this.tokenText;
  }

  /** Skips the current value's children (after START_OBJECT/START_ARRAY) and positions on its end. */
  skipChildren(): void {
    if (this.token !== "START_OBJECT" && this.token !== "START_ARRAY") return;
    let depth = 1;
    while (depth > 0) {
      const t = this.next();
      if (t === "START_OBJECT" || t === "START_ARRAY") depth++;
      else if (t === "END_OBJECT" || t === "END_ARRAY") depth--;
    }
  }
}
