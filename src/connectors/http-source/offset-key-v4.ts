/**
 * Version 4 of the HTTP source's partition `url` (offset-key.ts names the current version and the
 * earlier ones): the version 3 key (offset-key-v3.ts) with one more pass over it, which hides the
 * user info of a parameter's value that starts with a scheme-less `user:password@host[:port]`:
 * `?proxy=alice:s3cret@proxy:3128` → `?proxy=***@proxy:3128`. v3 kept that password (task mask4: in Kafka's offsets topic and in
 * GET /connectors/{name}/offsets). FROZEN: every stored position is found under this key, so changing
 * what it gives for any http.url loses that source's position. The golden table in
 * offset-key-v4.test.ts pins it; a change that makes it fail is a new version, never a new expected
 * value. For every http.url without such a value, v4 is v3 (v3's golden table checks it), so those
 * sources keep their key.
 *
 * Why its own regexes, not a call to the log masking's scheme-less rule (schemeless-credentials.ts):
 * that rule may hide more tomorrow, and a key that followed it would move stored offsets. It reuses
 * only frozen parts: offsetKeyV3, v3's frozen percent-encoded mapping (offset-key-v3-encoded.ts) and
 * placeholders.ts's frozen reading of `${…}`. By design it reads only a user info that starts a
 * value (after a domain): the log masking also finds one after a `,`, `[`, `(` or `=` inside a value,
 * so on odd values (`?p=[::1]x@h`, which it shows `?p=[***@h`; about 2 in 100 of a fuzzer's texts
 * of such pieces, none a plausible http.url) the key keeps a part the logs hide; its golden table
 * checks that it hides all redactUrl hides on plausible ones.
 *
 * The pass, over the v3 key and, read as a query (as if a `?` preceded it), over each
 * percent-decoding of a value up to MAX_ENCODED_DEPTH decodings (v3's depth):
 *   - a parameter starts after `?`, `&`, `;` or `#` (query, fragment and `;` parameters), its name
 *     holds none of `=&#?;`, then `=` and its value. The value is read twice: to the next `&` or `#`
 *     (a password may hold `;` or `?`: `?proxy=u:s3;cret@h`) and, over the first reading's answer, to
 *     the next `?`, `&`, `#` or `;` (a parameter inside another's value: `?a=1;proxy=u:p@h`,
 *     `?next=http://h/x?proxy=u:p@h`);
 *   - a value that starts with a scheme-less user info: an optional domain (a segment and a `/`:
 *     `corp/`), a user name (none of `,@/=[](){}"'` or a space, `${…}` placeholders in it; it may
 *     be empty), `:`, a password holding no `//`, then the first `@` that one follows
 *     with a host, an IP literal or a `${…}` placeholder, an optional port or placeholder, and the
 *     value's end or one of `,;])}"'/` or a space after them (HOST_AT: `?db=u:s3cret@db:5432/app`),
 *     is shown `[domain/]***@host…`, unless its user info starts `mailto:` or is `${…}`
 *     placeholders only (`${env:U}:${env:P}@proxy`);
 *   - another value holding a percent-escape is decoded and read so: what the pass hides in its
 *     decoding (the decoding whole as above, or a parameter of it) is `***` where the value writes it
 *     (`?url=svc%3As3cret%40proxy%3A3128` → `?url=***%40proxy%3A3128`).
 */
import { placeholdersReplaced } from "../../util/placeholders.ts";
import { offsetKeyV3 } from "./offset-key-v3.ts";
import { percentEncodedHiddenRanges, withRangesHidden } from "./offset-key-v3-encoded.ts";

const MAX_ENCODED_DEPTH = 4;
// The two readings of a parameter: the value to `&` or `#`, then to `?`, `&`, `#` or `;`.
const PARAM_TO_AMPERSAND = /([?&;#][^=&#?;]*=)([^&#]*)/g;
const PARAM_TO_SEPARATOR = /([?&;#][^=&#?;]*=)([^?&#;]*)/g;
// A scheme-less user info: a domain (a segment and a `/`: `corp/`), a user name (none of USER_END,
// `${…}` placeholders in it, each read whole) and `:`, then the first `@` a host follows (HOST_AT: a
// password may hold `@`). Read by a loop, not one regex: a regex reading a long user name without its
// `:` backtracks (slowly, or in exponentially many ways when characters are grouped in runs).
const DOMAIN = /^[^\s,:@/=[\](){}"'$]+\//;
const USER_END = /[\s,@/=[\](){}"']/;
const PLACEHOLDER = /\$\{[^{}\s]*\}/y;
const HOST_AT = /@(?:[\w.-]+|\[[\w:.%]+\]|\$\{[^{}\s]*\})(?::(?:\d+|\$\{[^{}\s]*\}))?(?=$|[\s,;\])}"'/&#])/g;

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

/** A parameter's value, shown `***@host[:port]` when it is a scheme-less user info, or with its decoding's hidden. */
function valueHidden(value: string, depth: number): string {
  const userInfo = schemelessUserInfo(value);
  if (userInfo !== undefined) return `${value.slice(0, userInfo[0])}***${value.slice(userInfo[1])}`;
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
 * Where the user info of a value that starts with a scheme-less `[domain/]user:password@host…`
 * starts (after the domain) and ends (its `@`), or undefined.
 */
function schemelessUserInfo(value: string): readonly [number, number] | undefined {
  if (!value.includes("@")) return undefined;
  const start = DOMAIN.exec(value)?.[0].length ?? 0;
  const colon = userNameEnd(value, start);
  if (colon === -1) return undefined;
  HOST_AT.lastIndex = colon + 1;
  const host = HOST_AT.exec(value);
  if (host === null || value.slice(colon + 1, host.index).includes("//")) return undefined;
  const userInfo = value.slice(start, host.index);
  if (userInfo.toLowerCase().startsWith("mailto:")) return undefined;
  if (userInfo.includes("${") && placeholdersReplaced(userInfo, "").replace(/:/g, "") === "") return undefined;
  return [start, host.index];
}

/** Where the user name starting at `from` ends (its `:`), or -1 when a character of USER_END or a `${` that closes no placeholder comes first. */
function userNameEnd(value: string, from: number): number {
  for (let i = from; i < value.length; ) {
    const c = value[i]!;
    if (c === ":") return i;
    if (c === "$" && value[i + 1] === "{") {
      PLACEHOLDER.lastIndex = i;
      if (!PLACEHOLDER.test(value)) return -1;
      i = PLACEHOLDER.lastIndex;
    } else if (USER_END.test(c)) return -1;
    else i++;
  }
  return -1;
}
