/**
 * JsonStreamSplitter: concatenated JSON values (`{…}{…}`, `{…}\n{…}`) split as their text arrives,
 * for REST Proxy v3 streaming mode (v3-record-stream.ts). Each value's text is returned as soon as
 * it is complete in the text pushed so far, exactly as `concatenatedJsonTexts` (json-text.ts) splits
 * a whole body: an object or array ends at the bracket closing its first one (brackets inside
 * strings do not count), a string at its closing quote, any other scalar at the next white space
 * or structural character (or at the end of the stream).
 *
 * The scan is incremental: text pushed is looked at once, so a value arriving a byte at a time costs
 * no more than one arriving whole. What it cannot split is told, as the whole-body split tells it:
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
  /** The text of the value being read (from its first character), not yet complete. */
  private pending = "";
  /** Where the scan of `pending` goes on. */
  private at = 0;
  private kind: Kind = Kind.None;
  private depth = 0;
  private inString = false;
  private escaped = false;

  /** Characters held for a value not yet complete: bounded by the caller (a record's text limit). */
  get pendingLength(): number {
    return this.pending.length;
  }

  /** Splits `text`, appended to what came before; values completed by it are returned in order. */
  push(text: string): SplitTexts {
    const texts: string[] = [];
    let buf = this.pending + text;
    let i = this.at;
    for (;;) {
      if (this.kind === Kind.None) {
        while (i < buf.length && isJsonWhitespace(buf.charCodeAt(i))) i++;
        if (i === buf.length) {
          this.reset("");
          return { texts, broken: null };
        }
        buf = buf.slice(i);
        i = 0;
        const first = buf[0]!;
        if (first === "{" || first === "[") {
          this.kind = Kind.Container;
          this.depth = 0;
        } else if (first === '"') {
          this.kind = Kind.String;
          this.inString = true;
          this.escaped = false;
          i = 1;
        } else if (SCALAR_END.test(first)) {
          this.reset("");
          return { texts, broken: buf };
        } else this.kind = Kind.Scalar;
      }
      const end = this.scan(buf, i);
      if (end < 0) {
        this.pending = buf;
        this.at = buf.length;
        return { texts, broken: null };
      }
      texts.push(buf.slice(0, end));
      this.kind = Kind.None;
      buf = buf.slice(end);
      i = 0;
    }
  }

  /** The end of the stream: the value still open (its text, to be parsed as the last one), or null. */
  end(): string | null {
    const rest = this.pending;
    this.reset("");
    return rest.length > 0 ? rest : null;
  }

  private reset(pending: string): void {
    this.pending = pending;
    this.at = 0;
    this.kind = Kind.None;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
  }

  /** End (exclusive) of the current value in `buf`, scanning on from `i`; -1 when not there yet. */
  private scan(buf: string, i: number): number {
    if (this.kind === Kind.Scalar) {
      while (i < buf.length && !SCALAR_END.test(buf[i]!)) i++;
      return i < buf.length ? i : -1;
    }
    for (; i < buf.length; i++) {
      const c = buf.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c /* \ */) this.escaped = true;
        else if (c === 0x22 /* " */) {
          this.inString = false;
          if (this.kind === Kind.String) return i + 1;
        }
        continue;
      }
      if (c === 0x22) {
        this.inString = true;
        this.escaped = false;
      } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) this.depth++;
      else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
        this.depth--;
        if (this.depth === 0) return i + 1;
      }
    }
    return -1;
  }
}
