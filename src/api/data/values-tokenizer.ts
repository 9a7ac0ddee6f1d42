/**
 * The tokenizer behind `Values.parseString` (used by SimpleHeaderConverter): splits text at the
 * delimiters `: , { } [ ] "` unless a backslash escapes them; every delimiter is a token of its
 * own and the text between delimiters (white space included) is one token. The parser looks
 * ahead one token, marks positions and rewinds to them, as Connect's Values.Parser does; the
 * quirks of that design (white-space-only tokens skipped while looking ahead) are kept on purpose,
 * because they decide what a header string parses to.
 */
import { javaTrim } from "./java-text.ts";

/** Whether a UTF-16 code unit is one of the delimiters `: , { } [ ] "`. */
function isDelimiter(code: number): boolean {
  return code === 58 || code === 44 || code === 123 || code === 125 || code === 91 || code === 93 || code === 34;
}

export function isBlank(s: string): boolean {
  return javaTrim(s) === "";
}

export class ValuesTokenizer {
  #position = 0;
  #peeked: string | null = null;
  #previous: string | null = null;
  /**
   * Where the token starting at a position ends: a token depends only on its start, and the
   * parser rewinds over the same few tokens several times per value (literals, then the
   * five-token look-ahead of times), so each is scanned once and a parse stays linear.
   */
  readonly #ends = new Map<number, number>();
  /** Scans done, for the test that the parse stays linear. */
  scans = 0;

  constructor(readonly original: string) {}

  /** Where the scan is: past the peeked token, if any. */
  get position(): number {
    return this.#position;
  }

  /** The start of the next token, to rewind to. */
  mark(): number {
    return this.#position - (this.#peeked?.length ?? 0);
  }

  rewindTo(position: number): void {
    this.#position = position;
    this.#peeked = null;
    this.#previous = null;
  }

  hasNext(): boolean {
    return this.#peeked !== null || this.#position < this.original.length;
  }

  next(): string {
    if (this.#peeked !== null) {
      this.#previous = this.#peeked;
      this.#peeked = null;
    } else {
      this.#previous = this.#scan();
    }
    return this.#previous;
  }

  /** The text of the next `n` tokens, or null (and nothing consumed) when there are fewer. */
  nextTokens(n: number): string | null {
    const start = this.mark();
    for (let i = 0; i < n; i++) {
      if (!this.hasNext()) {
        this.rewindTo(start);
        return null;
      }
      this.next();
    }
    return this.original.slice(start, this.#position);
  }

  /** The token `next()` returned last (null after a rewind). */
  previous(): string | null {
    return this.#previous;
  }

  /** Consumes the next token when, trimmed, it is `expected`; white-space-only tokens before it are dropped. */
  canConsume(expected: string): boolean {
    if (this.#peeked === null) {
      if (!this.hasNext()) return false;
      this.#peeked = this.#scan();
    }
    while (isBlank(this.#peeked) && this.#position < this.original.length) this.#peeked = this.#scan();
    if (javaTrim(this.#peeked) !== expected) return false;
    this.#peeked = null;
    return true;
  }

  #scan(): string {
    const text = this.original;
    const start = this.#position;
    let end = this.#ends.get(start);
    if (end === undefined) {
      end = this.#end(start);
      this.#ends.set(start, end);
    }
    this.#position = end;
    return text.slice(start, end);
  }

  #end(start: number): number {
    const text = this.original;
    this.scans++;
    let escaped = false;
    for (let i = start; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code === 92) {
        escaped = !escaped;
      } else if (isDelimiter(code) && !escaped) {
        return start < i ? i : i + 1;
      } else {
        escaped = false;
      }
    }
    return text.length;
  }
}
