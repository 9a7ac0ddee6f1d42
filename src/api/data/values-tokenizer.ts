/**
 * The tokenizer behind `Values.parseString` (used by SimpleHeaderConverter): splits text at the
 * delimiters `: , { } [ ] "` unless a backslash escapes them; every delimiter is a token of its
 * own and the text between delimiters (white space included) is one token. The parser looks
 * ahead one token, marks positions and rewinds to them, as Connect's Values.Parser does; the
 * quirks of that design (white-space-only tokens skipped while looking ahead) are kept on purpose,
 * because they decide what a header string parses to.
 */
import { javaTrim } from "./java-text.ts";

const DELIMITERS = new Set([":", ",", "{", "}", "[", "]", '"']);

export function isBlank(s: string): boolean {
  return javaTrim(s) === "";
}

export class ValuesTokenizer {
  #position = 0;
  #peeked: string | null = null;
  #previous: string | null = null;

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
    let escaped = false;
    while (this.#position < text.length) {
      const c = text[this.#position]!;
      if (c === "\\") {
        escaped = !escaped;
      } else if (DELIMITERS.has(c) && !escaped) {
        if (start < this.#position) return text.slice(start, this.#position);
        this.#position++;
        return c;
      } else {
        escaped = false;
      }
      this.#position++;
    }
    return text.slice(start, this.#position);
  }
}
