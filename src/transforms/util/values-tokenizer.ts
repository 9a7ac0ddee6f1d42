/**
 * The tokenizer behind Values.parseString (Connect's `Values.Parser`): splits a literal at
 * `: , { } [ ] "` unless backslash-escaped, with one token of lookahead, marks and rewind.
 */

const DELIMITERS = new Set([":", ",", "{", "}", "[", "]", '"']);

export function isBlank(s: string | null): boolean {
  return s === null || s.trim() === "";
}

/** Values.Parser: a tokenizer with one token of lookahead and rewind. */
export class Parser {
  private index = 0;
  private nextToken: string | null = null;
  private previousToken: string | null = null;

  constructor(readonly original: string) {}

  position(): number {
    return this.index;
  }

  mark(): number {
    return this.index - (this.nextToken?.length ?? 0);
  }

  rewindTo(position: number): void {
    this.index = position;
    this.nextToken = null;
    this.previousToken = null;
  }

  hasNext(): boolean {
    return this.nextToken !== null || this.index < this.original.length;
  }

  next(): string {
    if (this.nextToken !== null) {
      this.previousToken = this.nextToken;
      this.nextToken = null;
    } else {
      this.previousToken = this.consumeNextToken();
    }
    return this.previousToken;
  }

  nextN(n: number): string | null {
    const start = this.mark();
    for (let i = 0; i < n; i++) {
      if (!this.hasNext()) {
        this.rewindTo(start);
        return null;
      }
      this.next();
    }
    return this.original.slice(start, this.position());
  }

  previous(): string | null {
    return this.previousToken;
  }

  canConsume(expected: string): boolean {
    if (this.isNext(expected)) {
      this.nextToken = null;
      return true;
    }
    return false;
  }

  private isNext(expected: string): boolean {
    if (this.nextToken === null) {
      if (!this.hasNext()) return false;
      this.nextToken = this.consumeNextToken();
    }
    while (isBlank(this.nextToken) && this.index < this.original.length) this.nextToken = this.consumeNextToken();
    return this.nextToken.trim() === expected;
  }

  private consumeNextToken(): string {
    let escaped = false;
    const start = this.index;
    while (this.index < this.original.length) {
      const c = this.original[this.index]!;
      if (c === "\\") {
        escaped = !escaped;
      } else if (DELIMITERS.has(c)) {
        if (!escaped) {
          if (start < this.index) return this.original.slice(start, this.index);
          this.index++;
          return this.original.slice(start, start + 1);
        }
        escaped = false;
      } else {
        escaped = false;
      }
      this.index++;
    }
    return this.original.slice(start, this.index);
  }
}
