/**
 * Jackson's exceptions as Connect's REST layer shows them: the problem, the location suffix
 * (`[Source: REDACTED …; line: 1, column: 5]`) and, for mapping errors, the reference chain
 * (`Bean["prop"]->java.util.ArrayList[0]`). Thrown by the JSON parser (json-scanner.ts,
 * json-parser.ts) and the binder (bind.ts).
 */

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

/** Jackson's location description; a column of 0 (nothing read on the line: an empty input) is left out. */
export function locationText(l: Location): string {
  const column = l.column > 0 ? `, column: ${l.column}` : "";
  return `[Source: REDACTED (\`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION\` disabled); line: ${l.line}${column}]`;
}

/** Jackson's `_getCharDesc`. */
export function charDesc(code: number): string {
  const c = String.fromCodePoint(code);
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return `(CTRL-CHAR, code ${code})`;
  if (code > 255) return `'${c}' (code ${code} / 0x${code.toString(16)})`;
  return `'${c}' (code ${code})`;
}
