/**
 * JsonStreamSplitter: concatenated JSON values (`{…}{…}`, `{…}\n{…}`) split as their text arrives,
 * for REST Proxy v3 streaming mode (v3-record-stream.ts). Each value's text is returned as soon as
 * it is complete in the text pushed so far, exactly as `concatenatedJsonTexts` (json-text.ts) splits
 * a whole body: an object or array ends at the bracket closing its first one (brackets inside
 * strings do not count), a string at its closing quote, any other scalar at the next white space
 * or structural character (or at the end of the stream).
 *
 * The scan is incremental: each push's text is scanned once, on from where the last push left the
 * scan, and a value's pieces are held as they came and joined when it completes; a piece no longer
 * than the one after it is joined with it at once (a binary counter), so a value that arrives a
 * character at a time (a chunked body of 1-byte chunks) is held in O(log n) strings, not one string
 * a character (tens of bytes each: 40x its size in memory), each character copied O(log n) times
 * (`examined`), not re-read at every push. What it cannot split is told, as the whole-body split tells it:
 * a value that starts with `}`, `]` or `,` makes the rest of the stream one malformed text
 * (`broken`); a value still open at the end is returned by `end` (parsing it reports the error).
 */

/** What `push` found: the values completed, and the rest of the stream when it cannot be split. */
export interface SplitTexts {
  readonly texts: string[];
  /** Set once a value starts with a structural character: the text from there (the rest is not read). */
  readonly broken: string | null;
}

/** What the value being read is. */
const Kind = { None: 0, Container: 1, String: 2, Scalar: 3 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

/** Characters that end a scalar (the whole-body split's `/[\s,\]}[{"]/`). */
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
        const first = text[i]!;
        if (first === "{" || first === "[") {
          this.kind = Kind.Container;
          this.depth = 0;
        } else if (first === '"') {
          this.kind = Kind.String;
          this.inString = true;
          this.escaped = false;
          i++;
        } else if (SCALAR_END.test(first)) return { texts, broken: text.slice(i) };
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
      texts.push(this.completed(text.slice(start, end)));
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
    let text = last;
    if (this.pieces.length > 0) {
      this.pieces.push(last);
      text = this.pieces.join("");
      this.examined += text.length;
      this.pieces = [];
      this.held = 0;
    }
    this.kind = Kind.None;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    return text;
  }

  /** End (exclusive) of the current value in `text`, scanning on from `from`; -1 when not there yet. */
  private scan(text: string, from: number): number {
    let i = from;
    if (this.kind === Kind.Scalar) {
      while (i < text.length && !SCALAR_END.test(text[i]!)) i++;
      this.examined += i - from;
      return i < text.length ? i : -1;
    }
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c /* \ */) this.escaped = true;
        else if (c === 0x22 /* " */) {
          this.inString = false;
          if (this.kind === Kind.String) return this.scanned(from, i + 1);
        }
        continue;
      }
      if (c === 0x22) {
        this.inString = true;
        this.escaped = false;
      } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) this.depth++;
      else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
        this.depth--;
        if (this.depth === 0) return this.scanned(from, i + 1);
      }
    }
    this.examined += i - from;
    return -1;
  }

  private scanned(from: number, end: number): number {
    this.examined += end - from;
    return end;
  }
}
