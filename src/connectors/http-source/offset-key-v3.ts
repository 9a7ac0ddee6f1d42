/**
 * Version 3 of the HTTP source's partition `url` (offset-key.ts names the current version and the
 * earlier ones): http.url with every credential the log masking hid when this version was made
 * replaced by `***`. FROZEN: every stored position is found under this key, so changing what it
 * gives for any http.url loses that source's position. The golden table in offset-key-v3.test.ts
 * pins it; a change that makes it fail is a new version (offset-key-v4.ts, listed in offset-key.ts),
 * never a new expected value.
 *
 * Why a frozen copy of the log masking's rules (url-credentials.ts, secret-query-name.ts and
 * http-client's redactUrl at this version) and not a call to them: the log masking must be free to
 * hide more tomorrow, and a key that followed it would move every source's offsets each time. The
 * copy reuses only primitives that do not change with the masking (the WHATWG URL parser,
 * form-value.ts's formDecoded, placeholders.ts's frozen reading of `${…}`, user-info-end.ts's frozen
 * reading of where a user info ends); the mapping between a
 * percent-encoded value and its decoding is its own frozen copy (offset-key-v3-encoded.ts, not the
 * log masking's percent-encoded-secrets.ts). By design it differs from that masking where it hides
 * more: http.url is one value, not a text of several tokens, so a space ends neither a user info nor
 * a parameter's value (a secret holding a space is hidden whole: `?token=x y&q=1` → `?token=***&q=1`),
 * a parameter's name may hold a space, and a list's closing `,` or `]` is no exception. It does not
 * read the text a second time as redactUrl does (its free-text pass over the parsed URL), so on odd
 * texts (about 1 in 4,000 of a fuzzer's, none a plausible http.url) it shows a part redactUrl hides:
 * `http://#u:s3cret@token%3Dx@h` is keyed `http://***@token%3Dx@h` (redactUrl: `http://***@h`).
 *
 * What it hides that version 2 (offset-key-v2.ts) showed, and what v2 hid that it shows:
 *   - a URL percent-encoded in a parameter's value (`?next=https%3A%2F%2Fu%3As3cret%40h%2Fx` →
 *     `?next=https%3A%2F%2F***%40h%2Fx`, `?redirect=…%3Ftoken%3Ds3cret` → `…%3Ftoken%3D***`), up to
 *     MAX_ENCODED_DEPTH encodings deep: its decoding's credentials, by these rules, hidden where the
 *     value writes them;
 *   - the secret names `code_verifier` (PKCE), `oauth_verifier` and `client_assertion` (parts
 *     `verifier`, `assertion`); names whose only part is inside an English word (INNOCENT_WORD:
 *     `author`, `signal`, `keyword`, …) are shown;
 *   - a `${…}` placeholder in the authority is read whole and counts as a host or a port, so
 *     `http://h:${offset}/x?email=a@b.c` has no user info (v2 hid `http://***@b.c`, one key for
 *     every such URL whatever its host and path); a `${` whose `}` comes after the next `@` is no
 *     placeholder but part of a user info (`http://svc:${Pa55w0rd@h:${offset}/x` → `http://***@h:…`);
 *   - a percent-encoded parameter's decoding is read as a query (as if a `?` preceded it), so its
 *     first parameter is one too (`?body=client_secret%3Ds3cret%26a%3D1` → `client_secret%3D***…`).
 *
 * Secret parameter names (form-decoded): those holding one of SECRET_NAME_PART anywhere (`api_key`,
 * `client_secret`, `jsessionid`, `id_jwt`, `code_verifier`) outside the INNOCENT_WORD words of the
 * name (split at non-letters and camelCase: `author_token` is secret, `author` is not), and those
 * that are one of SECRET_NAME whole (`code`, `pwd`, not `postcode` or `compass`).
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
 *     runs to the first `/`, `?` or `#` outside `${…}` placeholders (a `${` and the first `}` after
 *     it, when that comes before the next `@`). The user info ends (a) at the
 *     authority's last `@`; else (b) in an authority with a `:` that is no `host:port` (a placeholder
 *     counting as a host or a port, so `h:${offset}` is one): at the last `@` before the first `?`
 *     or `#` after the authority, or with none there the value's last `@`; else (c) in an authority
 *     ending at `?` or `#` (a user name holding one): at the first `@` followed by a word character
 *     or `[`, when none of `=`, `&`, `;`, `/` comes before it;
 *   - each `?`, `&`, `;` or `#`, a name (none of `=&#?;`), `=` and a value (to the next `&`, `#` or
 *     the end): a secret name's value is `***` unless it is placeholders only; another value is
 *     looked at for `;`- or `?`-separated parameters (`?a=1;token=…`, `?next=http://h/x?token=…`), and
 *     from the first with a secret name (placeholders only excepted) all to the value's end is `***`;
 *     and, percent-decoded, by these text rules (then decoded again as a whole): what they hide in
 *     the decoding is `***` where the value writes it.
 *     Parameters are read both in the value as written and in it with its user infos hidden (as the
 *     log masking reads them), since a user info may cut a parameter (`;a@token=…`) or join two;
 *     what either hides is hidden, and parts to hide that overlap or touch become one `***`.
 */
import { formDecoded } from "../../http/form-value.ts";
import { placeholdersOnlyRanges, placeholdersReplaced } from "../../util/placeholders.ts";
import { userInfoEnds } from "../../util/user-info-end.ts";
import { percentEncodedHiddenRanges, withRangesHidden } from "./offset-key-v3-encoded.ts";

const SECRET_NAME_PART =
  /token|secret|password|passwd|key|signature|sig|auth|credential|session|sessid|jwt|verifier|assertion/i;
const SECRET_NAME = /^(?:code|pwd|pass|pw)$/i;
const INNOCENT_WORD =
  /^(?:(?:co)?author(?:s|ed|ing|ity|ities|ship)?|signals?|signal(?:l?ing|l?ed)|signup|signin|signon|signoff|design(?:s|ed|er|ers|ation)?|assign(?:s|ed|ee|ees|ment|ments)?|keywords?|keyboard|monkey|turkey|hockey)$/;
const WORD = /[A-Z]?[a-z]+|[A-Z]+(?![a-z])/g;
const MAX_ENCODED_DEPTH = 4;
const PARAM = /([?&;#])([^=&#?;]*)=([^&#]*)/g;
const INNER_PARAM = /[;?]([^=;?]*)=([^;?]*)/g;

/** The version 3 partition `url` of an HTTP source polling `url` (frozen: see above). */
export function offsetKeyV3(url: string): string {
  encodedMemo.clear();
  try {
    return keyOf(url);
  } finally {
    encodedMemo.clear();
  }
}

function keyOf(url: string): string {
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
  if (SECRET_NAME.test(decoded)) return true;
  if (!SECRET_NAME_PART.test(decoded)) return false;
  return SECRET_NAME_PART.test(decoded.replace(WORD, (word) => (INNOCENT_WORD.test(word.toLowerCase()) ? " " : word)));
}

function secretParameter(name: string, value: string): boolean {
  return secretName(name) && !placeholdersOnly(value);
}

/** The text rules over `text`, `depth` encodings deep in an outer value's parameter. */
function textKey(text: string, depth = 0): string {
  if (!text.includes("//") && !text.includes("=")) return text;
  const userInfos = userInfoRanges(text);
  const hidden: Range[] = [...userInfos, ...secretValueRanges(text, depth)];
  if (userInfos.length > 0) {
    const { shown, original } = withUserInfosHidden(text, userInfos);
    for (const [from, to] of secretValueRanges(shown, depth)) hidden.push([original(from), original(to)]);
  }
  return rendered(text, hidden);
}

/** A part of the text to hide: [start, end). */
type Range = readonly [number, number];

/** The values of `text`'s parameters to hide (rules above). */
function secretValueRanges(text: string, depth: number): Range[] {
  const ranges: Range[] = [];
  // matchAll, not exec on the shared PARAM: encodedRanges reads the decoding with this function.
  for (const found of text.matchAll(PARAM)) {
    const [all, , name, value] = found as unknown as [string, string, string, string];
    const valueStart = found.index + all.length - value.length;
    if (secretParameter(name, value)) ranges.push([valueStart, valueStart + value.length]);
    else {
      const inner = innerSecretStart(value);
      if (inner !== -1) ranges.push([valueStart + inner, valueStart + value.length]);
      for (const [from, to] of encodedRanges(value, depth)) ranges.push([valueStart + from, valueStart + to]);
    }
  }
  return ranges;
}

/** The parts of a shown `value` that hold what the text rules hide in its percent-decoding. */
function encodedRanges(value: string, depth: number): Range[] {
  if (depth >= MAX_ENCODED_DEPTH || !value.includes("%")) return [];
  const memoKey = `${depth}:${value}`;
  const known = encodedMemo.get(memoKey);
  if (known !== undefined) return known;
  const ranges = percentEncodedHiddenRanges(value, (decoded) => {
    // Read as a query: its first parameter is one too.
    const key = textKey(`?${decoded}`, depth + 1).slice(1);
    return withRangesHidden(key, encodedRanges(key, depth + 1));
  });
  encodedMemo.set(memoKey, ranges);
  return ranges;
}

// encodedRanges' answers within one offsetKeyV3 call, by depth and value: the same answers, each
// read once (a value of many equal encoded parameters, `%3D%253D%25253D%26` repeated, read each
// one at every level about three times). Not an answer's change: v3's answers are frozen.
const encodedMemo = new Map<string, Range[]>();

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
  const userInfoEnd = userInfoEnds(text);
  // Not a slice's: the user infos of `//${//${…}@h` all end at its `@` (placeholdersOnlyRanges).
  const placeholdersOnlyRange = placeholdersOnlyRanges(text);
  for (let at = text.indexOf("//"); at !== -1 && at + 2 <= lastAt; at = text.indexOf("//", at + 2)) {
    const start = at + 2;
    const end = userInfoEnd(start, text.length, lastAt);
    if (end === -1 || placeholdersOnlyRange(start, end)) continue;
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
  const end = userInfoEnds(url)(at + 2, url.length, lastAt);
  return end !== -1 && !placeholdersOnly(url.slice(at + 2, end));
}

function placeholdersOnly(text: string): boolean {
  return text.includes("${") && placeholdersReplaced(text, "").replace(/:/g, "") === "";
}
