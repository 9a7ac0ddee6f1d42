/**
 * The scheme-less `user:password@host[:port]` credentials of a text hidden as `***@host[:port]`
 * (a proxy or bootstrap value written `alice:s3cret@proxy:3128`, or `u:p#x@h`). Only for texts that
 * quote config values (url-credentials.ts hideValueCredentials: invalid-value messages, ConfigDef's
 * reasons, "contains no connector type", and redactUrl's value without a host; and each URL
 * parameter's value, percent-decoded too, which the URL masking reads as one token), where such a token
 * is a credential; an `a@b.c` without a `:` and `mailto:a@b.c` stay, and so does a `${…}`
 * placeholder alone (`${env:USER}:${env:PASSWORD}@proxy`).
 *
 * A token starts at the text's start, or after a space or one of TOKEN_START (a list's `,` or `;`:
 * `alice:s3cret@p1;bob:s3cret@p2` → `***@p1;***@p2`; in a value `?` too), after a domain at the text's start or after one
 * of ELEMENT_START (DOMAIN: `corp/alice:s3cret@proxy` → `corp/***@proxy`, `a=1;proxy=corp/***@proxy`); after the `{` of a
 * `${…}` placeholder (one whose `}` comes before the next space or `@`) it starts at the placeholder
 * (`${secrets:api/port}` is no user info; `svc@${env:REALM}:s3cret@proxy` is `svc@***@proxy`, and
 * `${alice:s3cret@proxy:3128` is one too). Its user name (none of
 * USER_END; `${…}` placeholders in it) runs to its first `:`, its password to the first `@` a host
 * follows (HOST_AFTER_AT: a name, an IP literal or a `${…}` placeholder, a port or a placeholder
 * after it, then the text's end or a separator, `&` and `#` of a URL's query included, and in a
 * parameter's value or one config value `?` too, a DSN's options: `u:p@db:5432?sslmode=require`;
 * in a sentence a `?` ends a question, `ask a:b@c? then` stays), holding no `//` (`jdbc:mysql://***@h` is a URL whose user info is hidden
 * already). In free text the password holds no space either. In one config value (`oneValue`, the
 * value a message quotes), a space ends no password of a token at the value's start or an
 * element's (after one of ELEMENT_START, spaces between: `alice:s3 cret@proxy` → `***@proxy`,
 * `k1:9092, alice:s3 cret@k2` → `k1:9092, ***@k2`), but a quote does (`{"a": "x:y", "mail":
 * "bob@example.com"}` hides nothing: a value holding quotes is structured text whose quoted strings
 * are its tokens); a token after a plain space is a word of a sentence (`see a:b then c@d.e` stays).
 *
 * Found in linear time: each token start is tried once, in order; where the next space, quote, `//`,
 * `}` and `@` are is computed once for the whole text, and where a user name ends once per index.
 */

import { type HiddenRange, hiddenParts, STAR_STAND_IN } from "./percent-encoded-secrets.ts";
import { placeholdersReplaced } from "./placeholders.ts";

// Elements of a list before a scheme-less user info: `k1:9092,k2,[::1]:9092,` or `k1:9092, k2:9092,`
// (a user info found after a `[`, its start, has the rest of an IPv6 address before it: `::1]:9092,`).
const HOST_LIST = /^(?:\s*(?:[\w.-]+|\[?[\w:.%]+\])(?::\d+)?,)+$/;
/** The spaces after a list's `,`: as written, or percent-encoded as a URL serializes them. */
const LIST_SPACE = /^(?:\s|%20)*/;
/** A user info hidden already: `***`, or as a percent-decoding reads it. */
const HIDDEN_ALREADY: ReadonlySet<string> = new Set(["***", STAR_STAND_IN.repeat(3)]);
const HOST_AFTER_AT = /@((?:[\w.-]+|\[[\w:.%]+\]|\$\{[^{}\s]*\})(?::(?:\d+|\$\{[^{}\s]*\}))?)(?=$|[\s,;\])}"'/&#])/y;
// In a URL parameter's value or one config value, a `?` after the host too: a DSN's options
// (`alice:s3cret@db:5432?sslmode=require`). Not in a sentence, where it ends a question (`ask a:b@c? then`).
const HOST_AFTER_AT_IN_VALUE =
  /@((?:[\w.-]+|\[[\w:.%]+\]|\$\{[^{}\s]*\})(?::(?:\d+|\$\{[^{}\s]*\}))?)(?=$|[\s,;\])}"'/&#?])/y;
const TOKEN_START = /[\s,;[({="']/;
// In a value, after the `?` a host may end at too (`u:p@h?alice:s3cret@proxy`).
const TOKEN_START_IN_VALUE = /[\s,;?[({="']/;
// A domain before a user name at the text's start or an element's (a value's, a parameter's in it,
// a list's: `corp/alice:s3cret@proxy` → `corp/***@proxy`, `?a=1;proxy=corp/alice:s3cret@proxy`);
// not after a space, and only one segment, so a path (`see /api/v1/a:b@c`, `api/v1/a:b@c`,
// `/v1/a:b@c`) starts no user name.
const DOMAIN = /[^\s,;?:@/=[\](){}"'$]+\//y;
const ELEMENT_START = /[,;[({="']/;
const ELEMENT_START_IN_VALUE = /[,;?[({="']/;
// A user name may hold `@` (an email: `alice@corp:s3cret@proxy`); the user info then holds no list
// separator (`alice@p1:3128,bob@p2:3128` is two hosts, no user info).
const USER_END = /[\s,:/=[\](){}"']/;
const LIST_SEPARATOR = /[\s,;]/;

/**
 * `text` with its scheme-less user infos hidden; `oneValue` when the text is one config value;
 * `value` when it is one config value or a URL parameter's value (a `?` may follow a host).
 */
export function hideSchemeless(text: string, oneValue: boolean, value = oneValue): string {
  if (!text.includes("@")) return text;
  const hostAfterAt = value ? HOST_AFTER_AT_IN_VALUE : HOST_AFTER_AT;
  const tokenStart = value ? TOKEN_START_IN_VALUE : TOKEN_START;
  const elementStart = value ? ELEMENT_START_IN_VALUE : ELEMENT_START;
  const hosts = new Map<number, string>();
  for (let at = text.indexOf("@"); at !== -1; at = text.indexOf("@", at + 1)) {
    hostAfterAt.lastIndex = at;
    const host = hostAfterAt.exec(text)?.[1];
    if (host !== undefined) hosts.set(at, host);
  }
  const ats = [...hosts.keys()];
  const next = nextIndexes(text);
  const afterUserName = afterUserNames(text, next);
  let out = "";
  let copied = 0;
  for (let p = 0; p < text.length; ) {
    const starts = p === 0 ? [0] : [];
    // A placeholder's provider (`${secrets:api/port}`) starts no user name, but the placeholder may
    // (`svc@${env:REALM}:s3cret@proxy`, `(x)${env:U}:s3cret@h`, `corp/${env:U}:s3cret@h`), unless
    // `//` precedes it (a URL's authority: `http://${env:HOST}:${env:PORT}/users/@me`); an unclosed
    // `${` is text.
    if (tokenStart.test(text[p]!)) {
      if (!placeholderOpens(text, p, next)) starts.push(p + 1);
      else if (!text.startsWith("//", p - 3)) starts.push(p - 1);
    }
    // A domain's segment holds no token start: each character is read by one DOMAIN at most.
    const from = starts.at(-1);
    if (from !== undefined && (from === 0 || elementStart.test(text[from - 1]!))) {
      DOMAIN.lastIndex = from;
      if (DOMAIN.test(text)) starts.push(DOMAIN.lastIndex);
    }
    let end = -1;
    for (const userStart of starts) {
      const passwordStart = afterUserName(userStart);
      if (passwordStart === -1) continue;
      // What ends a password: a space, or in one value a quote where an element starts.
      const before = next.previousNonSpace[userStart]!;
      const element = oneValue && (before === -1 || elementStart.test(text[before]!));
      const passwordEnd = element ? next.quote : next.space;
      const at = ats[firstAtOrAfter(ats, passwordStart)];
      if (at === undefined || at > passwordEnd[passwordStart]! || at > next.slashes[passwordStart]!) continue;
      if (next.at[userStart]! < passwordStart && next.separator[userStart]! < at) continue;
      const host = hosts.get(at)!;
      end = at + 1 + host.length;
      const kept = userInfoShown(text.slice(userStart, at));
      if (kept === undefined) break;
      out += `${text.slice(copied, userStart)}${kept}***@${host}`;
      copied = end;
      break;
    }
    p = end === -1 ? p + 1 : end;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * The parts of one config value (a URL parameter's value) that hideSchemeless hides: each
 * `user:password` (url-secrets.ts lists them as secrets an answer may echo). A value holding a `*`
 * of its own, whose parts cannot be told from the `***`, is one part whole.
 */
export function schemelessRanges(value: string): HiddenRange[] {
  const shown = hideSchemeless(value, true);
  if (shown === value) return [];
  return (!value.includes("*") && hiddenParts(value, shown)) || [[0, value.length]];
}

/**
 * Whether the `{` at `p` opens a `${…}` placeholder: a `$` before it and a `}` after it before the
 * next space or `@` (`${alice:s3cret@proxy:3128` opens none, so `alice` starts a user name).
 */
function placeholderOpens(text: string, p: number, next: Next): boolean {
  if (!text.startsWith("${", p - 1)) return false;
  const close = next.brace[p + 1]!;
  return close < next.space[p + 1]! && close < next.at[p + 1]!;
}

/**
 * Per index of a text, where the next space, quote, `//`, `}`, `@` and list separator start (the text's length if none),
 * and where the last character before it that is no space is (-1 if none).
 */
interface Next {
  readonly previousNonSpace: Int32Array;
  readonly space: Int32Array;
  readonly quote: Int32Array;
  readonly slashes: Int32Array;
  readonly brace: Int32Array;
  readonly at: Int32Array;
  readonly separator: Int32Array;
}

function nextIndexes(text: string): Next {
  const next: Next = {
    previousNonSpace: new Int32Array(text.length + 1).fill(-1),
    space: new Int32Array(text.length + 1).fill(text.length),
    quote: new Int32Array(text.length + 1).fill(text.length),
    slashes: new Int32Array(text.length + 1).fill(text.length),
    brace: new Int32Array(text.length + 1).fill(text.length),
    at: new Int32Array(text.length + 1).fill(text.length),
    separator: new Int32Array(text.length + 1).fill(text.length),
  };
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text[i]!;
    next.space[i] = /\s/.test(c) ? i : next.space[i + 1]!;
    next.quote[i] = c === '"' || c === "'" ? i : next.quote[i + 1]!;
    next.slashes[i] = text.startsWith("//", i) ? i : next.slashes[i + 1]!;
    next.brace[i] = c === "}" ? i : next.brace[i + 1]!;
    next.at[i] = c === "@" ? i : next.at[i + 1]!;
    next.separator[i] = LIST_SEPARATOR.test(c) ? i : next.separator[i + 1]!;
  }
  for (let i = 1; i <= text.length; i++)
    next.previousNonSpace[i] = /\s/.test(text[i - 1]!) ? next.previousNonSpace[i - 1]! : i - 1;
  return next;
}

/**
 * The index after the `:` ending the user name that starts at a given index, or -1: its characters
 * are none of USER_END but in `${…}` placeholders (which hold no space; `${env:USER}`), each skipped
 * whole. Asked at every token start of a text (`(${a(${a(…}bbb…:`: their user names all run on
 * to the same `:`), each answer costs amortised constant time: a walk stops at an index a walk has
 * read already.
 */
function afterUserNames(text: string, next: Next): (start: number) => number {
  const UNREAD = -2;
  const known = new Int32Array(text.length + 1).fill(UNREAD);
  const path: number[] = [];
  return (start) => {
    path.length = 0;
    let after = -1;
    for (let i = start; i < text.length; ) {
      if (known[i] !== UNREAD) {
        after = known[i]!;
        break;
      }
      const c = text[i]!;
      if (c === ":") {
        after = i + 1;
        break;
      }
      path.push(i);
      if (c === "$" && text[i + 1] === "{") {
        const close = next.brace[i + 2]!;
        if (close === text.length || next.space[i + 2]! < close) break;
        i = close + 1;
      } else if (USER_END.test(c)) break;
      else i++;
    }
    for (const index of path) known[index] = after;
    return after;
  };
}

/** The index in the ascending `sorted` of its first element ≥ `from` (its length when there is none). */
function firstAtOrAfter(sorted: readonly number[], from: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! < from) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * What of a scheme-less `user:password` stays shown, or undefined when it holds no secret. In a list
 * (`k1:9092,alice:s3cret@k2:9092`, `k1:9092, alice:s3 cret@k2`) the user info is the last element's
 * when that is a `user:password` too and the elements before it are `host[:port]`s (HOST_LIST);
 * else the password holds the `,` (`svc:Ab,9x:Q@proxy` is hidden whole, not shown as
 * `svc:Ab,***@proxy`).
 */
function userInfoShown(userInfo: string): string | undefined {
  const comma = userInfo.lastIndexOf(",");
  const last = userInfo.slice(comma + 1);
  // Spaces after the `,` stay with it, also as a URL writes them (`k1:9092,%20alice:s3cret@k2`).
  const space = LIST_SPACE.exec(last)![0];
  const before = `${userInfo.slice(0, comma + 1)}${space}`;
  // The last element `***`: a user info hidden already (a message quoting a value hidden as one, or
  // a percent-decoded value read again, its `*`s stand-ins).
  const userPassword = last.includes(":") || HIDDEN_ALREADY.has(last.slice(space.length).trim());
  const kept = comma !== -1 && userPassword && HOST_LIST.test(userInfo.slice(0, comma + 1)) ? before : "";
  const hidden = userInfo.slice(kept.length);
  return hidden.toLowerCase().startsWith("mailto:") || placeholdersOnly(hidden) ? undefined : kept;
}

/** A `${key}` or `${secrets:api/token}` (filled per record, or a provider's reference) holds no secret. */
export function placeholdersOnly(text: string): boolean {
  return text.includes("${") && placeholdersReplaced(text, "").replace(/:/g, "") === "";
}
