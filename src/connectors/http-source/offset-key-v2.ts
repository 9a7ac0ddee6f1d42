/**
 * Version 2 of the HTTP source's partition `url` (offset-key.ts names the current version and the
 * earlier ones): http.url with every credential the log masking hid when this version was made
 * replaced by `***`. FROZEN: every stored position is found under this key, so changing what it
 * gives for any http.url loses that source's position. The golden table in offset-key-v2.test.ts
 * pins it; a change that makes it fail is a new version (offset-key-v3.ts, listed in offset-key.ts),
 * never a new expected value.
 *
 * Why a frozen copy of the log masking's rules (url-credentials.ts and http-client's redactUrl at
 * this version) and not a call to them: the log masking must be free to hide more tomorrow, and a key
 * that followed it would move every source's offsets each time. The copy reuses only primitives
 * that do not change with the masking (the WHATWG URL parser, form-value.ts's formDecoded,
 * placeholders.ts's frozen reading of `${…}`). It
 * differs from that masking only where it hides more: http.url is one value, not a text of several
 * tokens, so a space ends neither a user info nor a parameter's value (a secret holding a space is
 * hidden whole: `?token=x y&q=1` → `?token=***&q=1`), a parameter's name may hold a space, and a
 * list's closing `,` or `]` is no exception. Compared with redactUrl on 1.2M random texts made of URL
 * pieces, marked secrets it hid and this key showed came only from texts with a space in the
 * authority and a nested `//…#@`, where the masking's space-split reading moves a parameter's end.
 *
 * Secret parameter names (form-decoded): those holding one of SECRET_NAME_PART anywhere (`api_key`,
 * `client_secret`, `jsessionid`, `id_jwt`, also `author`), and those that are one of SECRET_NAME
 * whole (`code`, `pwd`, not `postcode` or `compass`).
 *
 * What it gives:
 *   1. an http.url the WHATWG parser reads with a host: serialized, its user info `***`
 *      (placeholders too), each `&`-separated query parameter with a secret name `name=***`; then the
 *      text rules below over the serialization. Where the parser found no user info but the text
 *      rules find one in http.url as written (`http://tok?en@host`, read as host `tok`): the text
 *      rules over http.url as written instead;
 *   2. an http.url the parser refuses (`http://h:${offset}/…`, a placeholder port; scheme-less
 *      text): the text rules over it as written;
 *   3. one read without a host (`alice:s3cret@proxy:3128`, scheme `alice:`; validUrl refuses it):
 *      the text rules, then all before the last `@` `***`.
 * Text rules, over the whole value:
 *   - after each `//`, the user info is `***` unless it is `${…}` placeholders only. The authority
 *     runs to the first `/`, `?` or `#`. The user info ends (a) at the authority's last `@`; else
 *     (b) in an authority with a `:` that is no `host:port` (a placeholder counting as a host, so
 *     `h:${offset}`, a placeholder port, is none): at the last `@` before the first `?` or `#` after
 *     the authority, or with none there the value's last `@`; else (c) in an authority ending at `?` or `#` (a user name holding one): at the first `@`
 *     followed by a word character or `[`, when none of `=`, `&`, `;`, `/` comes before it;
 *   - each `?`, `&`, `;` or `#`, a name (none of `=&#?;`), `=` and a value (to the next `&`, `#` or
 *     the end): a secret name's value is `***` unless it is placeholders only; another value is
 *     looked at for `;`- or `?`-separated parameters (`?a=1;token=…`, `?next=http://h/x?token=…`), and
 *     from the first with a secret name (placeholders only excepted) all to the value's end is `***`.
 *     Parameters are read both in the value as written and in it with its user infos hidden (as the
 *     log masking reads them), since a user info may cut a parameter (`;a@token=…`) or join two;
 *     what either hides is hidden, and parts to hide that overlap or touch become one `***`.
 */
import { formDecoded } from "../../http/form-value.ts";
import { placeholdersReplaced } from "../../util/placeholders.ts";

const SECRET_NAME_PART = /token|secret|password|passwd|key|signature|sig|auth|credential|session|sessid|jwt/i;
const SECRET_NAME = /^(?:code|pwd|pass|pw)$/i;
const PARAM = /([?&;#])([^=&#?;]*)=([^&#]*)/g;
const INNER_PARAM = /[;?]([^=;?]*)=([^;?]*)/g;
const HOST_PORT = /^(?:[^:[]*|\[[^\]]*\])(?::\d*)?$/;

/** The version 2 partition `url` of an HTTP source polling `url` (frozen: see above). */
export function offsetKeyV2(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return textKey(url);
  }
  if (!parsed.host) {
    const key = textKey(url);
    const at = key.lastIndexOf("@");
    return at === -1 ? key : `***${key.slice(at)}`;
  }
  if (!parsed.username && !parsed.password && userInfoHidden(url)) return textKey(url);
  if (parsed.username || parsed.password) {
    parsed.username = "***";
    parsed.password = "";
  }
  if (parsed.search)
    parsed.search = parsed.search
      .slice(1)
      .split("&")
      .map((pair) => {
        const equals = pair.indexOf("=");
        return equals >= 0 && secretName(pair.slice(0, equals)) ? `${pair.slice(0, equals)}=***` : pair;
      })
      .join("&");
  return textKey(parsed.toString());
}

function secretName(name: string): boolean {
  const decoded = formDecoded(name);
  return SECRET_NAME_PART.test(decoded) || SECRET_NAME.test(decoded);
}

function secretParameter(name: string, value: string): boolean {
  return secretName(name) && !placeholdersOnly(value);
}

function textKey(text: string): string {
  if (!text.includes("//") && !text.includes("=")) return text;
  const userInfos = userInfoRanges(text);
  const hidden: Range[] = [...userInfos, ...secretValueRanges(text)];
  if (userInfos.length > 0) {
    const { shown, original } = withUserInfosHidden(text, userInfos);
    for (const [from, to] of secretValueRanges(shown)) hidden.push([original(from), original(to)]);
  }
  return rendered(text, hidden);
}

/** A part of the text to hide: [start, end). */
type Range = readonly [number, number];

/** The values of `text`'s parameters to hide (rules above). */
function secretValueRanges(text: string): Range[] {
  const ranges: Range[] = [];
  PARAM.lastIndex = 0;
  for (let found = PARAM.exec(text); found !== null; found = PARAM.exec(text)) {
    const [all, , name, value] = found as unknown as [string, string, string, string];
    const valueStart = found.index + all.length - value.length;
    if (secretParameter(name, value)) ranges.push([valueStart, valueStart + value.length]);
    else {
      const inner = innerSecretStart(value);
      if (inner !== -1) ranges.push([valueStart + inner, valueStart + value.length]);
    }
  }
  return ranges;
}

/** Where in a shown parameter's `value` its first secret inner parameter's value starts, or -1. */
function innerSecretStart(value: string): number {
  if (!value.includes(";") && !value.includes("?")) return -1;
  INNER_PARAM.lastIndex = 0;
  for (let found = INNER_PARAM.exec(value); found !== null; found = INNER_PARAM.exec(value)) {
    const [, name, inner] = found as unknown as [string, string, string];
    if (secretParameter(name, inner)) return found.index + 1 + name.length + 1;
  }
  return -1;
}

/** The user infos of `text` (rules above), in order. */
function userInfoRanges(text: string): Range[] {
  const lastAt = text.lastIndexOf("@");
  const ranges: Range[] = [];
  for (let at = text.indexOf("//"); at !== -1 && at + 2 <= lastAt; at = text.indexOf("//", at + 2)) {
    const start = at + 2;
    const end = userInfoEnd(text, start, lastAt);
    if (end === -1 || placeholdersOnly(text.slice(start, end))) continue;
    ranges.push([start, end]);
    at = end - 2;
  }
  return ranges;
}

/** `text` with `ranges` (in order, apart) `***`, and the index in `text` of an index of it outside them. */
function withUserInfosHidden(
  text: string,
  ranges: readonly Range[],
): { shown: string; original: (index: number) => number } {
  let shown = "";
  let copied = 0;
  const shifts: Array<readonly [number, number]> = [];
  for (const [start, end] of ranges) {
    shown += `${text.slice(copied, start)}***`;
    copied = end;
    shifts.push([shown.length, end - shown.length]);
  }
  shown += text.slice(copied);
  return {
    shown,
    original: (index) => {
      // The shift of the last range ending at or before `index` (binary search: linear time overall).
      let low = 0;
      let high = shifts.length;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if (shifts[middle]![0] <= index) low = middle + 1;
        else high = middle;
      }
      return index + (low === 0 ? 0 : shifts[low - 1]![1]);
    },
  };
}

/** `text` with each run of overlapping or touching `ranges` replaced by one `***`. */
function rendered(text: string, ranges: readonly Range[]): string {
  if (ranges.length === 0) return text;
  const sorted = [...ranges].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let out = "";
  let copied = 0;
  let [start, end] = sorted[0]!;
  for (const [s, e] of sorted.slice(1)) {
    if (s <= end) end = Math.max(end, e);
    else {
      out += `${text.slice(copied, start)}***`;
      copied = end;
      [start, end] = [s, e];
    }
  }
  return `${out}${text.slice(copied, start)}***${text.slice(end)}`;
}

/** Whether rule 1's exception applies: the text rules hide a user info after http.url's first `//`. */
function userInfoHidden(url: string): boolean {
  const at = url.indexOf("//");
  const lastAt = url.lastIndexOf("@");
  if (at === -1 || lastAt < at + 2) return false;
  const end = userInfoEnd(url, at + 2, lastAt);
  return end !== -1 && !placeholdersOnly(url.slice(at + 2, end));
}

function userInfoEnd(text: string, start: number, lastAt: number): number {
  let authorityEnd = start;
  let inAuthority = -1;
  let colon = false;
  for (; authorityEnd < text.length; authorityEnd++) {
    const c = text[authorityEnd];
    if (c === "/" || c === "?" || c === "#") break;
    if (c === "@") inAuthority = authorityEnd;
    else if (c === ":") colon = true;
  }
  if (inAuthority !== -1) return inAuthority;
  if (!colon || HOST_PORT.test(placeholdersReplaced(text.slice(start, authorityEnd), "h")))
    return userNameEnd(text, authorityEnd);
  let beforeQuery = -1;
  for (let i = authorityEnd; i < text.length; i++) {
    const c = text[i];
    if (c === "?" || c === "#") break;
    if (c === "@") beforeQuery = i;
  }
  return beforeQuery !== -1 ? beforeQuery : lastAt;
}

function userNameEnd(text: string, authorityEnd: number): number {
  const c = text[authorityEnd];
  if (c !== "?" && c !== "#") return -1;
  for (let i = authorityEnd + 1; i < text.length; i++) {
    const d = text[i]!;
    if (d === "@") return /[\w[]/.test(text[i + 1] ?? "") ? i : -1;
    if (d === "=" || d === "&" || d === ";" || d === "/") return -1;
  }
  return -1;
}

function placeholdersOnly(text: string): boolean {
  return text.includes("${") && placeholdersReplaced(text, "").replace(/:/g, "") === "";
}
