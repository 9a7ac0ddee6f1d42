/**
 * Version 4 of the HTTP source's partition `url` (offset-key.ts names the current version and the
 * earlier ones): the version 3 key (offset-key-v3.ts) with one more pass over it, which hides the
 * user infos of scheme-less `user:password@host[:port]`s in parameters' values:
 * `?proxy=alice:s3cret@proxy:3128` → `?proxy=***@proxy:3128`. v3 kept those passwords (task mask4: in Kafka's offsets topic and in
 * GET /connectors/{name}/offsets). FROZEN: every stored position is found under this key, so changing
 * what it gives for any http.url loses that source's position. The golden table in
 * offset-key-v4.test.ts pins it; a change that makes it fail is a new version, never a new expected
 * value. For every http.url without such a value, v4 is v3 (v3's golden table checks it), so those
 * sources keep their key.
 *
 * Why its own regexes, not a call to the log masking's scheme-less rule (schemeless-credentials.ts):
 * that rule may hide more tomorrow, and a key that followed it would move stored offsets. It reuses
 * only frozen parts: offsetKeyV3, v3's frozen percent-encoded mapping (offset-key-v3-encoded.ts) and
 * placeholders.ts's frozen reading of `${…}`. It reads a value as the log masking reads it when
 * released (review mask4), and its golden table checks that it hides all redactUrl hides.
 *
 * The pass, over the v3 key and, read as a query (as if a `?` preceded it), over each
 * percent-decoding of a value up to MAX_ENCODED_DEPTH decodings (v3's depth):
 *   - a parameter starts after `?`, `&`, `;` or `#` (query, fragment and `;` parameters), its name
 *     holds none of `=&#?;`, then `=` and its value. The value is read twice: to the next `&` or `#`
 *     (a password may hold `;` or `?`: `?proxy=u:s3;cret@h`) and, over the first reading's answer, to
 *     the next `?`, `&`, `#` or `;`;
 *   - in a value, a user info starts at its start, after a space or one of `,;?[({="'` (a list's
 *     elements: `?proxies=a:s3@p1,b:s3@p2` → `?proxies=***@p1,***@p2`, `;` lists, a quoted one:
 *     `?q={"proxy":"a:s3@h"}`, a parameter in the value: `?a=1;proxy=u:p@h`), or at a `${…}`
 *     placeholder after `{` (not after `//`); each start is tried left to right, and after a user
 *     info is found the next is looked for after its host;
 *   - a user info: an optional domain (a segment and a `/`: `corp/`) at the value's start or after
 *     one of `,;?[({="'`, a user name (none of `,/=[](){}"'` or a space, `${…}` placeholders in
 *     it; it may be empty; one holding `@`, an email, only where the user info holds none of `,;`
 *     or a space), `:`, a password holding no `//` (nor a quote at the value's start or an
 *     element's, spaces before it; nor a space after a word), then the first `@` that one follows
 *     with a host, an IP literal or a `${…}` placeholder, an optional port or placeholder, and the
 *     value's end or one of `,;])}"'/?&#` or a space after them (HOST_AT: `u:s3cret@db:5432/app`,
 *     a DSN's options `u:s3cret@db?sslmode=require`), is shown `[domain/]***@host…`, unless it
 *     starts `mailto:` or is `${…}` placeholders only (`${env:U}:${env:P}@proxy`). In a list,
 *     `host[:port],` elements before a last `user:password` stay (`?hosts=k1:9092,***@k2:9092`),
 *     and that last one is judged alone (`k1:9092,${env:U}:${env:P}@k2` stays);
 *   - first, a value holding a percent-escape is decoded and read so: what the pass hides in its
 *     decoding (the decoding whole as above, or a parameter of it) is `***` where the value writes
 *     it (`?url=svc%3As3cret%40proxy%3A3128` → `?url=***%40proxy%3A3128`); then its user infos
 *     as written are looked for as above.
 */
import { placeholdersReplaced } from "../../util/placeholders.ts";
import { offsetKeyV3 } from "./offset-key-v3.ts";
import { percentEncodedHiddenRanges, STAR_STAND_IN, withRangesHidden } from "./offset-key-v3-encoded.ts";

const MAX_ENCODED_DEPTH = 4;
// The two readings of a parameter: the value to `&` or `#`, then to `?`, `&`, `#` or `;`.
const PARAM_TO_AMPERSAND = /([?&;#][^=&#?;]*=)([^&#]*)/g;
const PARAM_TO_SEPARATOR = /([?&;#][^=&#?;]*=)([^?&#;]*)/g;
// Where a user info may start in a value: its start, and after a space or one of these (a list's
// element, a quoted or bracketed string, a parameter inside the value).
const TOKEN_START = /[\s,;?[({="']/;
// Before an element (spaces between), a space ends no password; elsewhere (a word after a space) one does.
const ELEMENT_START = /[,;?[({="']/;
// A domain (a segment and a `/`: `corp/`) before a user name, at the value's start or an element's.
const DOMAIN = /[^\s,;?:@/=[\](){}"'$]+\//y;
// A user name may hold `@` (an email: `alice@corp:s3cret@proxy`); the user info then holds no list
// separator (`alice@p1:3128,bob@p2:3128` is two hosts, no user info).
const USER_END = /[\s,/=[\](){}"']/;
const LIST_SEPARATOR = /[\s,;]/;
const PLACEHOLDER = /\$\{[^{}\s]*\}/y;
// The `@` a password ends at: a host, an IP literal or a `${…}` placeholder, an optional port or
// placeholder, then the value's end or a separator (`?` too: a DSN's options, `u:p@db?sslmode=x`).
const HOST_AT = /@(?:[\w.-]+|\[[\w:.%]+\]|\$\{[^{}\s]*\})(?::(?:\d+|\$\{[^{}\s]*\}))?(?=$|[\s,;\])}"'/&#?])/y;
// Elements of a list before the last one's user info: `k1:9092,k2,[::1]:9092,` (HOST_LIST).
const HOST_LIST = /^(?:\s*(?:[\w.-]+|\[?[\w:.%]+\])(?::\d+)?,)+$/;
/** The spaces after a list's `,`: as written, or percent-encoded as a URL serializes them. */
const LIST_SPACE = /^(?:\s|%20)*/;
/** A user info hidden already: `***`, or as a percent-decoding reads it. */
const HIDDEN_ALREADY: ReadonlySet<string> = new Set(["***", STAR_STAND_IN.repeat(3)]);

/** The version 4 partition `url` of an HTTP source polling `url` (frozen: see above). */
export function offsetKeyV4(url: string): string {
  const key = offsetKeyV3(url);
  try {
    return hiddenIn(key, 0);
  } finally {
    known.clear();
  }
}

// valueHidden's answers within one offsetKeyV4 call, by depth and value: a value of many equal
// encoded parameters (`%3D%253D%25253D%26` repeated) reads each one once per level. Not an answer's
// change: v4's answers are frozen.
const known = new Map<string, string>();

/** `text` (a key or a decoding read as a query) with its scheme-less parameter values hidden. */
function hiddenIn(text: string, depth: number): string {
  if (!text.includes("=")) return text;
  const value = (_all: string, start: string, v: string) => `${start}${valueHidden(v, depth)}`;
  return text.replace(PARAM_TO_AMPERSAND, value).replace(PARAM_TO_SEPARATOR, value);
}

/** A parameter's value with what its decoding hides hidden, then its scheme-less user infos shown `***`. */
function valueHidden(value: string, depth: number): string {
  const shown = encodedHidden(value, depth);
  const userInfos = schemelessUserInfos(shown);
  return userInfos.length === 0 ? shown : withRangesHidden(shown, userInfos);
}

/** A parameter's value with what the pass hides in its percent-decoding hidden where it is written. */
function encodedHidden(value: string, depth: number): string {
  if (depth >= MAX_ENCODED_DEPTH || !value.includes("%")) return value;
  const memoKey = `${depth}:${value}`;
  const answer = known.get(memoKey);
  if (answer !== undefined) return answer;
  // The decoding read whole (a value, decoded again), then as a query: its parameters' values.
  const ranges = percentEncodedHiddenRanges(value, (decoded) =>
    hiddenIn(`?${valueHidden(decoded, depth + 1)}`, depth + 1).slice(1),
  );
  const shown = ranges.length === 0 ? value : withRangesHidden(value, ranges);
  known.set(memoKey, shown);
  return shown;
}

/**
 * Where each scheme-less user info of a value starts and ends (its `@`): read from the value's start
 * and from each token start after it, left to right, each going on after the host it found.
 */
function schemelessUserInfos(value: string): Array<[number, number]> {
  if (!value.includes("@")) return [];
  const ats: number[] = [];
  for (let at = value.indexOf("@"); at !== -1; at = value.indexOf("@", at + 1)) {
    HOST_AT.lastIndex = at;
    if (HOST_AT.test(value)) ats.push(at);
  }
  const next = nextIndexes(value);
  const userNameEnd = userNameEnds(value);
  const found: Array<[number, number]> = [];
  for (let p = 0; p < value.length; ) {
    const starts: number[] = [];
    if (p === 0) starts.push(0);
    if (TOKEN_START.test(value[p]!)) {
      PLACEHOLDER.lastIndex = p - 1;
      // A `${…}` placeholder starts a user name (not after `//`, a URL's authority); an unclosed `${` is text.
      if (value[p] === "{" && value[p - 1] === "$" && PLACEHOLDER.test(value)) {
        if (!value.startsWith("//", p - 3)) starts.push(p - 1);
      } else starts.push(p + 1);
    }
    const from = starts.at(-1);
    if (from !== undefined && (from === 0 || ELEMENT_START.test(value[from - 1]!))) {
      DOMAIN.lastIndex = from;
      if (DOMAIN.test(value)) starts.push(DOMAIN.lastIndex);
    }
    let end = -1;
    for (const userStart of starts) {
      const colon = userNameEnd(userStart);
      if (colon === -1) continue;
      const before = next.previousNonSpace[userStart]!;
      const passwordEnd = before === -1 || ELEMENT_START.test(value[before]!) ? next.quote : next.space;
      const at = ats[firstAtOrAfter(ats, colon + 1)];
      if (at === undefined || at > passwordEnd[colon + 1]! || at > next.slashes[colon + 1]!) continue;
      if (next.at[userStart]! < colon && next.separator[userStart]! < at) continue;
      HOST_AT.lastIndex = at;
      HOST_AT.test(value);
      end = HOST_AT.lastIndex;
      const kept = keptOf(value.slice(userStart, at));
      if (kept !== undefined) found.push([userStart + kept, at]);
      break;
    }
    p = end === -1 ? p + 1 : end;
  }
  return found;
}

/**
 * How many characters of a `user:password` stay shown, or undefined when it holds no secret: in a
 * list (`k1:9092,alice:s3cret@k2`) the elements before the last one when they are `host[:port]`s
 * and it is a `user:password` too; none but a `mailto:` or `${…}` placeholders only.
 */
function keptOf(userInfo: string): number | undefined {
  const comma = userInfo.lastIndexOf(",");
  const last = userInfo.slice(comma + 1);
  // Spaces after the `,` stay with it, also as a URL writes them (`k1:9092,%20alice:s3cret@k2`).
  const space = LIST_SPACE.exec(last)![0].length;
  // `***`: a user info hidden already, also as a decoding reads it (its `*`s stand-ins).
  const listed = comma !== -1 && (last.includes(":") || HIDDEN_ALREADY.has(last.slice(space).trim()));
  const kept = listed && HOST_LIST.test(userInfo.slice(0, comma + 1)) ? comma + 1 + space : 0;
  const hidden = userInfo.slice(kept);
  if (hidden.toLowerCase().startsWith("mailto:")) return undefined;
  if (hidden.includes("${") && placeholdersReplaced(hidden, "").replace(/:/g, "") === "") return undefined;
  return kept;
}

/** Per index of a value: where the next space, quote, `//`, `@` and list separator start (its length if none), the last non-space before it (-1 if none). */
function nextIndexes(value: string) {
  const n = value.length;
  const next = {
    previousNonSpace: new Int32Array(n + 1).fill(-1),
    space: new Int32Array(n + 1).fill(n),
    quote: new Int32Array(n + 1).fill(n),
    slashes: new Int32Array(n + 1).fill(n),
    at: new Int32Array(n + 1).fill(n),
    separator: new Int32Array(n + 1).fill(n),
  };
  for (let i = n - 1; i >= 0; i--) {
    const c = value[i]!;
    next.space[i] = /\s/.test(c) ? i : next.space[i + 1]!;
    next.quote[i] = c === '"' || c === "'" ? i : next.quote[i + 1]!;
    next.slashes[i] = value.startsWith("//", i) ? i : next.slashes[i + 1]!;
    next.at[i] = c === "@" ? i : next.at[i + 1]!;
    next.separator[i] = LIST_SEPARATOR.test(c) ? i : next.separator[i + 1]!;
  }
  for (let i = 1; i <= n; i++)
    next.previousNonSpace[i] = /\s/.test(value[i - 1]!) ? next.previousNonSpace[i - 1]! : i - 1;
  return next;
}

/**
 * Where the user name starting at an index ends (its `:`), or -1 when a character of USER_END or a
 * `${` that closes no placeholder comes first; `${…}` placeholders are read whole. Each index is
 * read once per value: a walk stops where one went before (`${a}${a}${a}…` from each `$`).
 */
function userNameEnds(value: string): (from: number) => number {
  const UNREAD = -2;
  const ends = new Int32Array(value.length + 1).fill(UNREAD);
  const path: number[] = [];
  return (from) => {
    path.length = 0;
    let end = -1;
    for (let i = from; i < value.length; ) {
      if (ends[i] !== UNREAD) {
        end = ends[i]!;
        break;
      }
      const c = value[i]!;
      if (c === ":") {
        end = i;
        break;
      }
      path.push(i);
      if (c === "$" && value[i + 1] === "{") {
        PLACEHOLDER.lastIndex = i;
        if (!PLACEHOLDER.test(value)) break;
        i = PLACEHOLDER.lastIndex;
      } else if (USER_END.test(c)) break;
      else i++;
    }
    for (const index of path) ends[index] = end;
    return end;
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
