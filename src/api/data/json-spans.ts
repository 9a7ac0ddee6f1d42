/**
 * JsonSpans: where each value of a valid JSON text sits in it, found by JSON Pointer (RFC 6901),
 * so a source can hand on the exact text of a value it selected in the parsed document (numbers
 * as written, long integers included) instead of serializing the parsed value again. The HTTP
 * source uses it for the records `http.response.records.path` selects.
 *
 * Each container is scanned once, when a pointer first goes through it (strings are skipped with
 * `indexOf`); a duplicate member name resolves to its last occurrence, as JSON.parse keeps it.
 * The text must be valid JSON (the caller parsed it): invalid text gives undefined or wrong spans.
 */

export interface Span {
  readonly start: number;
  readonly end: number;
}

function isWhiteSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipWhiteSpace(text: string, i: number): number {
  while (isWhiteSpace(text.charCodeAt(i))) i++;
  return i;
}

/** End (exclusive) of the string whose opening quote is at `open`: quote to quote, skipping escaped ones. */
function stringEnd(text: string, open: number): number {
  let from = open + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote < 0) return text.length;
    let backslashes = 0;
    for (let b = quote - 1; b > open && text.charCodeAt(b) === 0x5c; b--) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** End (exclusive) of the value starting at `start`. */
function valueEnd(text: string, start: number): number {
  const first = text.charCodeAt(start);
  if (first === 0x22) return stringEnd(text, start);
  if (first !== 0x7b && first !== 0x5b) {
    let i = start;
    for (;;) {
      const c = text.charCodeAt(i);
      // A scalar ends at a structural character, white space or the end (NaN).
      if (
        Number.isNaN(c) ||
        c === 0x2c ||
        c === 0x5d ||
        c === 0x7d ||
        c === 0x20 ||
        c === 0x0a ||
        c === 0x0d ||
        c === 0x09
      )
        return i;
      i++;
    }
  }
  let depth = 0;
  let i = start;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = stringEnd(text, i);
      continue;
    }
    if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return text.length;
}

/** The reference tokens of a JSON Pointer (`""` is the whole document). */
export function pointerTokens(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((t) => (t.includes("~") ? t.replaceAll("~1", "/").replaceAll("~0", "~") : t));
}

/** An array index token (RFC 6901: `0` or digits without a leading zero). */
const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;

/** The members of a scanned object by name; the elements of a scanned array in order. */
type Children = Map<string, Span> | Span[];

export class JsonSpans {
  readonly #text: string;
  readonly #root: Span;
  /** Children of each container scanned so far, by the container's start. */
  readonly #children = new Map<number, Children>();

  constructor(text: string) {
    this.#text = text;
    // Valid JSON: only white space follows the one value, so its end needs no scan.
    let end = text.length;
    while (end > 0 && isWhiteSpace(text.charCodeAt(end - 1))) end--;
    this.#root = { start: skipWhiteSpace(text, 0), end };
  }

  /** The span of the value at `pointer`, or undefined when there is none. */
  span(pointer: string): Span | undefined {
    let at: Span | undefined = this.#root;
    for (const token of pointerTokens(pointer)) {
      const children = this.#childrenOf(at);
      if (Array.isArray(children)) at = ARRAY_INDEX.test(token) ? children[Number(token)] : undefined;
      else at = children.get(token);
      if (at === undefined) return undefined;
    }
    return at;
  }

  /** The exact text of the value at `pointer`, or undefined. */
  text(pointer: string): string | undefined {
    const span = this.span(pointer);
    return span && this.#text.slice(span.start, span.end);
  }

  /**
   * The spans of the elements of the array at `pointer`, one per call of `next` and in order
   * (undefined past the last), found as they are asked for; undefined when there is no array there.
   */
  elements(pointer: string): { next(): Span | undefined } | undefined {
    const array = this.span(pointer);
    const text = this.#text;
    if (array === undefined || text.charCodeAt(array.start) !== 0x5b) return undefined;
    let i = skipWhiteSpace(text, array.start + 1);
    return {
      next: () => {
        if (i >= array.end || text.charCodeAt(i) === 0x5d) return undefined;
        const start = i;
        const end = valueEnd(text, i);
        i = skipWhiteSpace(text, end);
        if (text.charCodeAt(i) === 0x2c) i = skipWhiteSpace(text, i + 1);
        return { start, end };
      },
    };
  }

  /** The exact text of `span`. */
  textOf(span: Span): string {
    return this.#text.slice(span.start, span.end);
  }

  #childrenOf(container: Span): Children {
    let children = this.#children.get(container.start);
    if (children) return children;
    const text = this.#text;
    const open = text.charCodeAt(container.start);
    const isObject = open === 0x7b;
    // An array's elements are found by index: a list, not a map keyed by index texts.
    const members = isObject ? new Map<string, Span>() : undefined;
    const elements: Span[] = [];
    children = members ?? elements;
    this.#children.set(container.start, children);
    if (!isObject && open !== 0x5b) return children;
    let i = skipWhiteSpace(text, container.start + 1);
    while (i < container.end) {
      const c = text.charCodeAt(i);
      if (c === 0x7d || c === 0x5d) break;
      let name = "";
      if (members) {
        const nameEnd = stringEnd(text, i);
        const raw = text.slice(i + 1, nameEnd - 1);
        name = raw.includes("\\") ? (JSON.parse(text.slice(i, nameEnd)) as string) : raw;
        i = skipWhiteSpace(text, nameEnd);
        i = skipWhiteSpace(text, i + 1); // past the colon
      }
      const end = valueEnd(text, i);
      if (members) members.set(name, { start: i, end });
      else elements.push({ start: i, end });
      i = skipWhiteSpace(text, end);
      if (text.charCodeAt(i) === 0x2c) i = skipWhiteSpace(text, i + 1);
    }
    return children;
  }
}
