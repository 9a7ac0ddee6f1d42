/**
 * Where the user info of the authority after a `//` of a text ends: the rules url-credentials.ts
 * (the log masking) and offset-key-v3.ts (the HTTP source's partition key) read user infos with,
 * the authority's `${…}` placeholders read whole. Asked after every `//` of a text, in order, each
 * answer costs amortised constant time: the authorities of `//${//${…}${c}${c}…@h` all run to the
 * same `@`, and a walk over one stops at an index a walk over an earlier one has read already.
 *
 * FROZEN: the partition key v3 reads user infos with it, so its answers must stay those of
 * `userInfoEnd` in user-info-end.test.ts (the straightforward reading it replaced, compared on
 * every text up to a length and on generated longer ones) for every text; the log masking that
 * wants to read user infos differently reads them with another function.
 *
 * The authority at `start` runs to the first `/`, `?` or `#` outside `${…}` placeholders (a `${` and
 * the first `}` after it, when that comes before the token's end and the next `@`). The user info
 * ends:
 *   1. at the authority's last `@`; else
 *   2. in an authority with a `:` that is no `host:port` (HOST_PORT, each placeholder read as a
 *      digit: `h:${offset}` is one): at the last `@` before the first `?` or `#` after the authority,
 *      or with none there at the token's last `@`; else
 *   3. in an authority ending at `?` or `#` (a user name holding one): at the first `@` followed by
 *      a word character or `[`, when none of `=`, `&`, `;`, `/` comes before it; else there is none.
 */

/**
 * The index of the `@` ending the user info of the authority at `start` (rules above), or -1; the
 * token (the URL) ends at `tokenEnd` and its last `@` is at `lastAt` (≥ start).
 */
export type UserInfoEnd = (start: number, tokenEnd: number, lastAt: number) => number;

// The authority is a host and port, no user info: /^(?:[^:[]*|\[[^\]]*\])(?::\d*)?$/ (`h`, `h:8080`,
// `h:`, `[::1]`, `[::1]:80`), read backwards from the authority's end, one character at a time, as the
// set of places of the reversed expression /^(?:\d*:)?(?:[^:[]*|\][^\]]*\[)$/ it may be at:
const DIGITS = 1; // in `\d*`, digits only read so far
const HOST = 2; // in `[^:[]*` (a whole host)
const BEFORE_BRACKET = 4; // `]` expected (a bracketed host's end)
const IN_BRACKETS = 8; // in `[^\]]*`, `[` may end it
const BRACKETED = 16; // the bracketed host read whole
const HOST_PORT_START = DIGITS | HOST | BEFORE_BRACKET;

function hostPortStep(places: number, c: string): number {
  let next = 0;
  if (places & DIGITS) {
    if (c >= "0" && c <= "9") next |= DIGITS;
    else if (c === ":") next |= HOST | BEFORE_BRACKET;
  }
  if (places & HOST && c !== ":" && c !== "[") next |= HOST;
  if (places & BEFORE_BRACKET && c === "]") next |= IN_BRACKETS;
  if (places & IN_BRACKETS) {
    if (c !== "]") next |= IN_BRACKETS;
    if (c === "[") next |= BRACKETED;
  }
  return next;
}

const isHostPort = (places: number): boolean => (places & (HOST | BRACKETED)) !== 0;

/** The user info ends of `text`'s authorities (rules above). */
export function userInfoEnds(text: string): UserInfoEnd {
  let tables: Tables | undefined;
  let memoToken = -1;
  let afterAuthority = new Map<number, number>();
  const lastAtBeforeQuery = lastAtsBeforeQuery(text);
  return (start, tokenEnd, lastAt) => {
    // An empty authority (`//`, `//?x@h`): rule 3. Its user name, if any, ends before the next `//`,
    // so these reads, one per `//`, do not overlap.
    if (start >= tokenEnd || BREAK.includes(text[start]!)) return userNameEnd(text, start, tokenEnd);
    tables ??= new Tables(text);
    if (tokenEnd !== memoToken) {
      memoToken = tokenEnd;
      afterAuthority = new Map();
    }
    const walked = tables.walk(start, tokenEnd);
    const authorityEnd = tables.authorityEnd[walked]!;
    const at = tables.lastAtInAuthority[walked]!;
    if (at !== -1) return at;
    const places = tables.flags[walked]! >> 1;
    const colon = (tables.flags[walked]! & 1) === 1;
    // Rules 2 and 3 read what follows the authority only: asked once per authority end and rule.
    const userName = !colon || isHostPort(places);
    const key = authorityEnd * 2 + (userName ? 1 : 0);
    let end = afterAuthority.get(key);
    if (end === undefined) {
      end = userName ? userNameEnd(text, authorityEnd, tokenEnd) : lastAtBeforeQuery(authorityEnd, tokenEnd);
      afterAuthority.set(key, end);
    }
    return end === NO_AT_BEFORE_QUERY ? lastAt : end;
  };
}

// The characters that end an authority outside placeholders.
const BREAK = "/?#";

// lastAtBeforeQuery found no `@`: the token's last one ends the user info. (A user name's end is
// -1 or an index, never this.)
const NO_AT_BEFORE_QUERY = -2;

/**
 * Per index of the text, what the walk over the authority from there reads, for the token last
 * asked about: where the authority ends, its last `@` outside placeholders from there (-1 if none),
 * whether a `:` comes, and the places of the reversed host-port expression after reading from the
 * authority's end back to there. Each index is read by one walk: a later walk reaching an index
 * read already takes what follows from there.
 */
class Tables {
  readonly authorityEnd: Int32Array;
  readonly lastAtInAuthority: Int32Array;
  /** Bit 0: a `:` comes; bits 1–5: the host-port places. */
  readonly flags: Uint8Array;
  /** The token end (+1) each index was read for; 0: not read. */
  private readonly readFor: Int32Array;
  /** Where the next `}` and `@` are, per index (the text's length if none): built at the first `${`. */
  private next: { readonly brace: Int32Array; readonly at: Int32Array } | undefined;
  private readonly path: number[] = [];

  constructor(private readonly text: string) {
    const n = text.length;
    this.authorityEnd = new Int32Array(n + 1);
    this.lastAtInAuthority = new Int32Array(n + 1);
    this.flags = new Uint8Array(n + 1);
    this.readFor = new Int32Array(n + 1);
  }

  private nextIndexes(): { readonly brace: Int32Array; readonly at: Int32Array } {
    if (this.next === undefined) {
      const { text } = this;
      const n = text.length;
      const brace = new Int32Array(n + 1).fill(n);
      const at = new Int32Array(n + 1).fill(n);
      for (let i = n - 1; i >= 0; i--) {
        brace[i] = text[i] === "}" ? i : brace[i + 1]!;
        at[i] = text[i] === "@" ? i : at[i + 1]!;
      }
      this.next = { brace, at };
    }
    return this.next;
  }

  /** Reads the authority from `start` (up to `tokenEnd`) and returns `start`, now read. */
  walk(start: number, tokenEnd: number): number {
    const text = this.text;
    const path = this.path;
    path.length = 0;
    let i = start;
    // Forwards to the authority's end or an index read already; each step one character or one placeholder.
    for (;;) {
      if (this.readFor[i] === tokenEnd + 1) break;
      if (i >= tokenEnd) {
        this.end(i, i, tokenEnd);
        break;
      }
      const c = text[i];
      if (c === "$" && text[i + 1] === "{") {
        const next = this.nextIndexes();
        const close = next.brace[i + 2]!;
        if (close < tokenEnd && close < next.at[i + 2]!) {
          path.push(i);
          i = close + 1;
          continue;
        }
      }
      if (BREAK.includes(c!)) {
        this.end(i, i, tokenEnd);
        break;
      }
      path.push(i);
      i++;
    }
    // Backwards: each index takes what follows it, with its own character (a placeholder reads as `0`).
    for (let p = path.length - 1; p >= 0; p--) {
      const index = path[p]!;
      const after = p === path.length - 1 ? i : path[p + 1]!;
      const c = text[index] === "$" && after > index + 1 ? "0" : text[index]!;
      const flags = this.flags[after]!;
      this.authorityEnd[index] = this.authorityEnd[after]!;
      const atAfter = this.lastAtInAuthority[after]!;
      this.lastAtInAuthority[index] = atAfter === -1 && c === "@" ? index : atAfter;
      this.flags[index] = (hostPortStep(flags >> 1, c) << 1) | (flags & 1) | (c === ":" ? 1 : 0);
      this.readFor[index] = tokenEnd + 1;
    }
    return start;
  }

  /** Index `i` ends the authority, at `authorityEnd`. */
  private end(i: number, authorityEnd: number, tokenEnd: number): void {
    this.authorityEnd[i] = authorityEnd;
    this.lastAtInAuthority[i] = -1;
    this.flags[i] = HOST_PORT_START << 1;
    this.readFor[i] = tokenEnd + 1;
  }
}

/**
 * Rule 2: the last `@` from `authorityEnd` before a `?` or `#` (or the token's end), else
 * NO_AT_BEFORE_QUERY. Read from two per-text tables, built at the first ask (the next `?` or `#` per index, the last `@`
 * before each index), so each answer costs constant time: the authorities of `//${//:${//:…?@}@h`
 * end at different places and all read on to the same `?`.
 */
function lastAtsBeforeQuery(text: string): (authorityEnd: number, tokenEnd: number) => number {
  let queryAt: Int32Array | undefined;
  let lastAtBefore: Int32Array | undefined;
  return (authorityEnd, tokenEnd) => {
    if (queryAt === undefined || lastAtBefore === undefined) {
      const n = text.length;
      queryAt = new Int32Array(n + 1).fill(n);
      lastAtBefore = new Int32Array(n + 1).fill(-1);
      for (let i = n - 1; i >= 0; i--) queryAt[i] = text[i] === "?" || text[i] === "#" ? i : queryAt[i + 1]!;
      for (let i = 1; i <= n; i++) lastAtBefore[i] = text[i - 1] === "@" ? i - 1 : lastAtBefore[i - 1]!;
    }
    const at = lastAtBefore[Math.min(queryAt[authorityEnd]!, tokenEnd)]!;
    return at >= authorityEnd ? at : NO_AT_BEFORE_QUERY;
  };
}

/** Rule 3: the `@` ending a user name alone that holds an unencoded `?` or `#`, or -1. */
function userNameEnd(text: string, authorityEnd: number, tokenEnd: number): number {
  const c = text[authorityEnd];
  if (c !== "?" && c !== "#") return -1;
  for (let i = authorityEnd + 1; i < tokenEnd; i++) {
    const d = text[i]!;
    if (d === "@") return /[\w[]/.test(text[i + 1] ?? "") ? i : -1;
    if (d === "=" || d === "&" || d === ";" || d === "/") return -1;
  }
  return -1;
}
