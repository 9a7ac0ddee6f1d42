/**
 * A streaming JSON parser that fails the way Jackson's does (Connect reads REST bodies with
 * Jackson): the same messages (`Unexpected character ('b' (code 98)): was expecting double-quote to
 * start field name`), the same location suffix (line and byte column, as Jackson's UTF-8 parser
 * counts), strings decoded lazily (an error inside a string surfaces when its value is read, so
 * the binder can add its reference chain), and the same encoding detection (UTF-8, or UTF-16/32
 * by BOM or zero-byte pattern; invalid UTF-8 is an error, never U+FFFD). Used by `bind.ts`.
 * This module holds the token stream (object/array contexts, separators, literals); the byte
 * level is json-scanner.ts's, the exceptions jackson-error.ts's.
 */
import { type Location, locationText } from "./jackson-error.ts";
import { isIdentPart, isJavaIdentifierStart, VALUE_EXPECTED } from "./java-chars.ts";
import { MAX_NESTING_DEPTH } from "./json-scanner.ts";
import { JsonWordScanner } from "./json-words.ts";

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

interface Context {
  readonly kind: "object" | "array";
  readonly start: Location;
  /** 0: nothing read yet; 1: after a value (or field name in objects, awaiting its value). */
  state: "first" | "afterValue" | "afterName";
}

const LITERALS: Record<string, TokenType> = { true: "VALUE_TRUE", false: "VALUE_FALSE", null: "VALUE_NULL" };

export class JsonParser extends JsonWordScanner {
  private readonly stack: Context[] = [];
  private tokenStart: Location = { line: 1, column: 1 };
  private decodedString: string | null = null;
  /** The name of the last FIELD_NAME. */
  currentName = "";
  token: TokenType | null = null;

  private emit<T extends TokenType | null>(token: T): T {
    this.token = token;
    return token;
  }

  protected currentTokenName(): string {
    return String(this.token);
  }

  /** Forgets the current token, as ObjectMapper does after binding the root value. */
  clearToken(): void {
    this.token = null;
  }

  /** Where the current token started. */
  tokenLocation(): Location {
    return this.tokenStart;
  }

  /** Where the parser is now (after the current token). */
  currentLocation(): Location {
    return this.at(this.pos);
  }

  private eofInContext(ctx: Context): never {
    const kind = ctx.kind === "object" ? "Object" : "Array";
    this.fail(
      `Unexpected end-of-input: expected close marker for ${kind} (start marker at ${locationText(ctx.start)})`,
    );
  }

  /** A close marker where none or the other kind is open (Jackson checks close markers first). */
  private mismatchedClose(c: number, ctx: Context | undefined): never {
    const marker = String.fromCharCode(c);
    if (!ctx) this.fail(`Unexpected close marker '${marker}': no open ${c === 0x7d ? "Object" : "Array"} to close`);
    const [kind, expected] = ctx.kind === "object" ? ["Object", "}"] : ["Array", "]"];
    this.fail(
      `Unexpected close marker '${marker}': expected '${expected}' (for ${kind} starting at ${locationText(ctx.start)})`,
    );
  }

  /**
   * Advances to the next token; null at the end of the input. After the root value a further value
   * is read as a token too (bindBody refuses it as a trailing token).
   */
  next(): TokenType | null {
    if (this.pendingString) this.scanString(false);
    this.decodedString = null;
    const ctx = this.stack.at(-1);
    let c = this.skipWs();
    if (!ctx) {
      if (c === 0x7d || c === 0x5d) this.mismatchedClose(c, ctx);
      if (c === -1) return this.emit(null);
      return this.readValueToken(c);
    }
    if (ctx.state !== "afterName" && (c === 0x7d || c === 0x5d) && (c === 0x7d) !== (ctx.kind === "object")) {
      this.mismatchedClose(c, ctx);
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
      if (c !== 0x22) this.unexpectedDecoded("was expecting double-quote to start field name");
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
    return this.emit(ctx.kind === "object" ? "END_OBJECT" : "END_ARRAY");
  }

  private readValueToken(c: number): TokenType {
    this.tokenStart = this.at(this.pos);
    const start = this.pos;
    const root = this.stack.length === 0;
    if (c === 0x7b || c === 0x5b) {
      if (this.stack.length === MAX_NESTING_DEPTH) {
        this.exceeds(`Document nesting depth (${MAX_NESTING_DEPTH + 1})`, MAX_NESTING_DEPTH, "getMaxNestingDepth");
      }
      this.pos++;
      this.stack.push({ kind: c === 0x7b ? "object" : "array", start: this.tokenStart, state: "first" });
      return this.emit(c === 0x7b ? "START_OBJECT" : "START_ARRAY");
    }
    if (c === 0x22) {
      this.pos++;
      this.pendingString = { start: this.pos };
      return this.emit("VALUE_STRING");
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.emit(this.scanNumber(start, root));
    if (c === 0x2b) this.plusSign(start);
    // Where a value is due, a separator or a closer of the open kind is "expected a value".
    if (c === 0x2c || c === 0x7d || (c === 0x5d && this.stack.at(-1)?.kind === "array")) {
      this.unexpected(c, "expected a value");
    }
    // A non-ASCII lead byte that is a Java identifier start as a Latin-1 character begins a bad token;
    // in a transcoded body, the character Jackson's char parser reads (a pair's high surrogate) does.
    const lead = c >= 0x80 && this.charColumns ? this.charAt(start) : c;
    if (lead >= 0x80 && isJavaIdentifierStart(lead)) {
      const next = this.charColumns ? start + this.codePointAt(start).size : start + 1;
      const rest = new TextDecoder().decode(this.b.subarray(next, this.wordEnd(next)));
      this.badToken(`${String.fromCharCode(lead)}${rest}`, start);
    }
    if (isIdentPart(c)) {
      const known = this.knownWord(start, ["true", "false", "null", "NaN", "Infinity"]);
      if (known === "NaN" || known === "Infinity") this.nonStandard(known, start + known.length);
      if (known === null) {
        const word = new TextDecoder().decode(this.b.subarray(start, this.wordEnd(start)));
        this.badToken(word, start);
      }
      this.pos = start + known.length;
      this.tokenText = known;
      return this.emit(LITERALS[known]!);
    }
    this.unexpected(c, `expected a valid value ${VALUE_EXPECTED}`);
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
