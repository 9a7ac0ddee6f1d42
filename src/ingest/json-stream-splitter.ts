/**
 * JsonStreamSplitter: concatenated JSON values (`{…}{…}`, `{…}\n{…}`) split as their text arrives,
 * for REST Proxy v3 streaming mode (v3-record-stream.ts) and, pushed a whole body at once, for the
 * whole-body split (`concatenatedJsonTexts`, json-text.ts): one grammar for both. Each value's text
 * is returned as soon as it is complete in the text pushed so far: an object or array ends at the
 * bracket closing its first one (brackets inside strings do not count), a string at its closing
 * quote, any other scalar at the next white space or structural character (or at the end of the
 * stream).
 *
 * The scan is incremental: each push's text is scanned once, on from where the last push left the
 * scan (a string's text skipped with indexOf, as the depth check skips it: json-depth.ts), and a
 * value's pieces are held as they came and joined when it completes; a piece no longer than the one
 * after it is joined with it at once (a binary counter), so a value that arrives a character at a
 * time (a chunked body of 1-byte chunks) is held in O(log n) strings, not one string a character
 * (tens of bytes each: 40x its size in memory), each character copied O(log n) times (`examined`),
 * not re-read at every push. What it cannot split is told: a value that starts with `}`, `]` or `,`
 * makes the rest of the stream one malformed text (`broken`); a value still open at the end is
 * returned by `end` (parsing it reports the error).
 */
import { backslashesBefore, unescapedQuote } from "../api/data/json-depth.ts";

/** What `push` found: the values completed, and the rest of the stream when it cannot be split. */
export interface SplitTexts {
  readonly texts: string[];
  /** Set once a value starts with a structural character: the text from there (the rest is not read). */
  readonly broken: string | null;
}

/** What the value being read is. */
const Kind = { None: 0, Container: 1, String: 2, Scalar: 3 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

/** Characters that end a scalar (as `valueEnd` of json-text.ts, which splits array elements, reads them). */
const SCALAR_END = /[\s,\]}[{"]/;

function isJsonWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

export class JsonStreamSplitter {
  /** The text of the value being read (from its first character) as it came, not yet complete: joined once it is. */
  private pieces: string[] = [];
  private held = 0;
  private kind: Kind = Kind.None;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Characters looked at (scanned, or copied into a value's text) so far: the work, for tests to bound. */
  examined = 0;

  /** Characters held for a value not yet complete: bounded by the caller (a record's text limit). */
  get pendingLength(): number {
    return this.held;
  }

  /** Strings the value not yet complete is held in. */
  get pendingPieces(): number {
    return this.pieces.length;
  }

  /** Splits `text`, appended to what came before; values completed by it are returned in order. */
  push(text: string): SplitTexts {
    const texts: string[] = [];
    // Where the current value's text begins in `text` (0 when it began in an earlier push).
    let start = 0;
    let i = 0;
    for (;;) {
      if (this.kind === Kind.None) {
        const from = i;
        while (i < text.length && isJsonWhitespace(text.charCodeAt(i))) i++;
        this.examined += i - from;
        if (i === text.length) return { texts, broken: null };
        start = i;
        const first = text.charCodeAt(i);
        if (first === 0x7b /* { */ || first === 0x5b /* [ */) {
          this.kind = Kind.Container;
          this.depth = 0;
        } else if (first === 0x22 /* " */) {
          this.kind = Kind.String;
          this.inString = true;
          this.escaped = false;
          i++;
        } else if (SCALAR_END.test(text[i]!)) return { texts, broken: text.slice(i) };
        else this.kind = Kind.Scalar;
      }
      const end = this.scan(text, i);
      if (end < 0) {
        if (start < text.length) {
          this.hold(start === 0 ? text : text.slice(start));
          this.held += text.length - start;
        }
        return { texts, broken: null };
      }
      const last = text.slice(start, end);
      texts.push(this.pieces.length === 0 ? last : this.completed(last));
      this.kind = Kind.None;
      start = i = end;
    }
  }

  /** The end of the stream: the value still open (its text, to be parsed as the last one), or null. */
  end(): string | null {
    const rest = this.completed("");
    return rest.length > 0 ? rest : null;
  }

  /** Holds `piece`, joining the last pieces while the one before is no longer than the last. */
  private hold(piece: string): void {
    const pieces = this.pieces;
    pieces.push(piece);
    for (let n = pieces.length; n >= 2 && pieces[n - 2]!.length <= pieces[n - 1]!.length; n--) {
      // Array join makes one flat string (`+` would make a rope: a node kept a piece).
      const last = pieces.pop()!;
      pieces[n - 2] = [pieces[n - 2], last].join("");
      this.examined += pieces[n - 2]!.length;
    }
  }

  /** The text of the value `last` completes: the pieces held before it and `last`, joined once. */
  private completed(last: string): string {
    this.kind = Kind.None;
    if (this.pieces.length === 0) return last;
    this.pieces.push(last);
    const text = this.pieces.join("");
    this.examined += text.length;
    this.pieces = [];
    this.held = 0;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    return text;
  }

  /** End (exclusive) of the current value in `text`, scanning on from `from`; -1 when not there yet. */
  private scan(text: string, from: number): number {
    let i = from;
    const length = text.length;
    if (this.kind === Kind.Scalar) {
      while (i < length && !SCALAR_END.test(text[i]!)) i++;
      this.examined += i - from;
      return i < length ? i : -1;
    }
    if (i >= length) return -1;
    let end = -1;
    if (this.inString) {
      // The string this push resumes inside: after the character an escape left pending, to its quote.
      if (this.escaped) {
        this.escaped = false;
        i++;
      }
      i = this.stringEnd(text, i);
      if (this.kind === Kind.String && !this.inString) end = i;
    }
    let depth = this.depth;
    if (end < 0)
      while (i < length) {
        const c = text.charCodeAt(i++);
        // A string's text is skipped with indexOf, not read a character at a time.
        if (c === 0x22 /* " */) {
          const quote = unescapedQuote(text, i);
          i = quote < 0 ? this.stringEnd(text, i) : quote + 1;
        } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) depth++;
        else if ((c === 0x7d /* } */ || c === 0x5d) /* ] */ && --depth === 0) {
          end = i;
          break;
        }
      }
    this.depth = depth;
    this.examined += i - from;
    return end;
  }

  /**
   * The end (after its closing quote) of the string `from` is inside (not escaped), or `text.length`
   * when it does not close in `text`: then the string stays open, escaped when `text` ends with an
   * odd run of backslashes.
   */
  private stringEnd(text: string, from: number): number {
    const quote = from < text.length ? unescapedQuote(text, from) : -1;
    this.inString = quote < 0;
    if (quote >= 0) return quote + 1;
    this.escaped = backslashesBefore(text, text.length, from) % 2 === 1;
    return text.length;
  }
}
