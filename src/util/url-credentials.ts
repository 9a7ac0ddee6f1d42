/**
 * Credentials that URLs written in a text carry, hidden for messages: the user info of every
 * `scheme://user:password@host` and the values of query or fragment parameters whose names look
 * like keys (`secretQueryName`: `?token=…`, `&api_key=…`, `;sig=…`, `#access_token=…`, `?code=…`),
 * those of a URL written unencoded in a parameter's value too (`?next=http://h/x?token=…`);
 * placeholders alone (`${key}@`, `?token=${env:T}`) are no secret and stay. Text without either is
 * returned as it is (no URL normalisation), so Connect's `Invalid value <v> for configuration <k>: …`
 * keeps its shape. Used by invalid-value.ts (every such message), for ConfigDef's verbatim reasons,
 * the values quoted by "contains no connector type", and by http-client's redactUrl. For logs and
 * errors only: the HTTP source's offset key is frozen apart (offset-key.ts), so hiding more here
 * moves no stored offset.
 *
 * Where the user info ends, after each `//` (a URL inside another's query is looked at too). The
 * authority runs to the first `/`, `?`, `#` or space, as Java's URI and WHATWG URL read it:
 *   1. an `@` in the authority: the user info ends at its last `@` (a password holding an
 *      unencoded `@`: `http://u:p@ss@host` → `http://***@host`);
 *   2. else an authority with a `:` that is no `host:port` (`u:p`, not `h:8080` or `[::1]:80`): a
 *      password holding an unencoded `/`, `?` or `#`, hidden whole: the user info ends at the last
 *      `@` before the first `?` or `#` (`https://u:p/x@host/path?e=a@b` → `https://***@host/path?e=a@b`),
 *      or, with none there, at the last `@` before a space (`http://u:p?x@host`);
 *   3. else there is no user info, whatever `@` follows in the path, query or fragment
 *      (`https://medium.example/@alice`, `http://h/p@x`, `https://h/x?email=a@b.c`,
 *      `http://localhost:8080/users/@me` stay as they are).
 * A user name alone holding an unencoded `?` or `#` (`http://tok?en@host`) is hidden when no `=`,
 * `&`, `;`, `/` or space comes before its `@` and a host follows it (userNameEnd): a query holding
 * parameters (`http://h?e=a@b`) stays. One holding an unencoded `/` (`http://to/ken@host`) reads as
 * a path holding `@` (case 3), as Java's URI reads it, and shows; a password of digits followed by a `/`
 * (`http://u:123/4@host`) reads as a port (case 3) and shows too. Both are invalid URLs.
 *
 * Free text (hideUrlCredentials: a log line, a sentence) ends a URL at a space. One config value
 * (hideUrlValueCredentials: redactUrl's http.url that does not parse, `http://h:${offset}/…`; and
 * hideValueCredentials' `quoted` value, wherever its text quotes it) is one token: a space ends
 * neither its authority (unless another URL follows it: `http://h:8080, https://u:p@g`, a list) nor
 * a parameter's name or value, and a closing `,` or `]` is no list's, as
 * offset-key-v2.ts reads http.url (`http://u:s3 cret@h:${offset}/x`, `?token=s3 cret`, `?my token=x`
 * hidden whole). Unlike offset-key-v2, a name does not end in a space, so a JSONPath filter's
 * comparison (`$[?(@.api_key == 'x')]`) is no parameter and the message quoting it stays readable.
 *
 * `hideValueCredentials` also hides the scheme-less `user:password@host[:port]` (a proxy or
 * bootstrap value written `alice:s3cret@proxy:3128`, or `u:p#x@h`) as `***@proxy:3128`: only for
 * texts that quote config values (invalid-value.ts, ConfigDef's reasons, "contains no connector
 * type", and redactUrl's value without a host), where such a token is a credential; an `a@b.c`
 * without a `:` and `mailto:a@b.c` stay. A value without `@` or `=` (`a:b#c`) has nothing hidden:
 * nothing in it says it is a secret.
 */

import { formDecoded } from "../http/form-value.ts";

// Parameter names whose values are secrets: those holding one of SECRET_NAME_PART (`api_key`,
// `apikey`, `client_secret`, `access_token`, `jsessionid`, `id_jwt`), or one of SECRET_NAME whole.
// The short words of SECRET_NAME are common inside other names (`country_code`, `postcode`,
// `zipcode`; `pwd` in none, but `pass` in `compass`, `bypass`): matched whole, OAuth's
// authorization `code` is hidden and a `postcode` is not.
const SECRET_NAME_PART = /token|secret|password|passwd|key|signature|sig|auth|credential|session|sessid|jwt/i;
const SECRET_NAME = /^(?:code|pwd|pass|pw)$/i;

/** Whether a query or fragment parameter named `name` (form-decoded) holds a secret. */
export function secretQueryName(name: string): boolean {
  return SECRET_NAME_PART.test(name) || SECRET_NAME.test(name);
}

// A parameter's value ends at `&`, `#` or a space; a `,` or `]` closing a shown list stays visible
// (listEnd). A fragment's parameters too (`#access_token=…`, OAuth's implicit flow). A secret's value
// is hidden to there, `;` and `?` included (`?token=ab;cd?e`); another's is looked at for the
// parameters it holds (INNER_PARAM, innerParametersHidden). No name holds a `;` or `?`, and the
// value's end is found without a lookahead: each `;`, `?` or `]` of a long value is looked at once
// (linear time).
const QUERY_PARAM = /([?&;#])([^=&#?;\s]*)=([^&#\s]*)/g;
// In one config value (hideUrlValueCredentials) a space ends neither a name nor a value, but a name
// does not end in one: `?(@.secret_key == 'x')`, a JSONPath filter's comparison, is no parameter.
const VALUE_QUERY_PARAM = /([?&;#])((?:[^=&#?;]*[^=&#?;\s])?)=([^&#]*)/g;
const INNER_PARAM = /[;?]([^=;?]*)=([^;?]*)/g;
// An authority that is a host and port, no user info: `h`, `h:8080`, `h:`, `[::1]`, `[::1]:80`.
const HOST_PORT = /^(?:[^:[]*|\[[^\]]*\])(?::\d*)?$/;
// Scheme-less `user:password@host[:port]`, a token of its own (after the start, a space or one of
// TOKEN_START): the user name (none of USER_END; `${…}` placeholders in it), then the password up to
// the first `@` a host follows (HOST_AFTER_AT), holding no space and no `//` (`jdbc:mysql://***@h` is
// a URL whose user info is hidden already). Found by hideSchemeless in linear time.
const TOKEN_START = /[\s,[({="']/;
const USER_END = /[\s,:@/=[\](){}"']/;
// Elements of a list before a scheme-less user info: `k1:9092,k2,[::1]:9092,` (a user info found
// after a `[`, its start, has the rest of an IPv6 address before it: `::1]:9092,`).
const HOST_LIST = /^(?:(?:[\w.-]+|\[?[\w:.%]+\])(?::\d+)?,)+$/;
const HOST_AFTER_AT = /@((?:[\w.-]+|\[[\w:.%]+\])(?::\d+)?)(?=$|[\s,;\])}"'/])/y;

export function hideUrlCredentials(text: string): string {
  return hidden(text, false);
}

/**
 * hideUrlCredentials of `value`, one config value (an http.url that does not parse, the value an
 * invalid-value message quotes), not a text of several tokens: a space ends neither a URL's user
 * info nor a parameter's name or value, and a closing `,` or `]` is no list's, so a credential
 * holding a raw space is hidden whole (`http://u:s3 cret@h:${offset}/x` → `http://***@h:${offset}/x`,
 * `?token=s3 cret&q=1` → `?token=***&q=1`, `?my token=s3cret` → `?my token=***`). What the text
 * rules hide in it is hidden too.
 */
export function hideUrlValueCredentials(value: string): string {
  return hidden(hidden(value, true), false);
}

/** `text` with its URLs' credentials hidden, read as one value (`whole`) or as free text. */
function hidden(text: string, whole: boolean): string {
  if (!text.includes("//") && !text.includes("=")) return text;
  return hideUserInfo(text, whole).replace(
    whole ? VALUE_QUERY_PARAM : QUERY_PARAM,
    (all, separator: string, name: string, run: string, at: number, source: string) => {
      const value = whole ? run : run.slice(0, listEnd(source, at + all.length, run));
      const rest = run.slice(value.length);
      if (secretParameter(name, value)) return `${separator}${name}=***${rest}`;
      return `${separator}${name}=${innerParametersHidden(value)}${rest}`;
    },
  );
}

/**
 * Where a parameter's value ends in `run` (its text up to `&`, `#`, a space or the end, at `end` in
 * `text`): before a `,` followed by a space, or, at the end of the text, before its closing `]`s or a
 * last `,` (a shown list's).
 */
function listEnd(text: string, end: number, run: string): number {
  if (end < text.length) return run.endsWith(",") && /\s/.test(text[end]!) ? run.length - 1 : run.length;
  if (run.endsWith(",")) return run.length - 1;
  let kept = run.length;
  while (kept > 0 && run[kept - 1] === "]") kept--;
  return kept;
}

/**
 * A shown parameter's `value` with the parameters it holds hidden: `;`-separated ones
 * (`?a=1;token=…`) and those of a URL written in it unencoded (`?next=http://h/x?token=…`; its `&`
 * and `#` parameters are the outer text's own). A secret one is hidden to the value's end, since
 * its own value may hold `;` or `?` (`…?token=ab?cd` shows no `cd`): what follows it is hidden too.
 * A `${…}` placeholder alone (`;token=${env:T}`) is no secret and the parameters after it are looked at.
 */
function innerParametersHidden(value: string): string {
  if (!value.includes(";") && !value.includes("?")) return value;
  INNER_PARAM.lastIndex = 0;
  for (let found = INNER_PARAM.exec(value); found !== null; found = INNER_PARAM.exec(value)) {
    const [, name, inner] = found as unknown as [string, string, string];
    if (secretParameter(name, inner)) return `${value.slice(0, found.index + 1)}${name}=***`;
  }
  return value;
}

function secretParameter(name: string, value: string): boolean {
  return secretQueryName(formDecoded(name)) && !placeholdersOnly(value);
}

/**
 * hideUrlCredentials, and the user info of scheme-less `user:password@host[:port]` tokens (see
 * above). `text` may quote a config value, `quoted` (an invalid-value message, ConfigDef's reason,
 * the value itself): where it is quoted, it is hidden as one value (hideUrlValueCredentials), since
 * a space in it ends no URL, while the rest of the text ends URLs at spaces.
 */
export function hideValueCredentials(text: string, quoted?: string): string {
  const shownValue = quoted === undefined ? quoted : hideUrlValueCredentials(quoted);
  // A function, not the string: `$&` or `$'` in a value would put the value as written back in.
  const withValue = shownValue === quoted ? text : text.replaceAll(quoted!, () => shownValue!);
  const shown = hideUrlCredentials(withValue);
  return shown.includes("@") ? hideSchemeless(shown) : shown;
}

/**
 * The scheme-less user infos of `text` hidden. Each token start is tried once, in order; its user
 * name runs to the first `:`, its password to the first `@` a host follows (found once for the
 * whole text), so no `@` or `//` is looked for again from each start.
 */
function hideSchemeless(text: string): string {
  const hosts = new Map<number, string>();
  for (let at = text.indexOf("@"); at !== -1; at = text.indexOf("@", at + 1)) {
    HOST_AFTER_AT.lastIndex = at;
    const host = HOST_AFTER_AT.exec(text)?.[1];
    if (host !== undefined) hosts.set(at, host);
  }
  const ats = [...hosts.keys()];
  // Per index, where the next space, `//` and `}` start (the password holds no space or `//`).
  const next: Next = {
    space: new Int32Array(text.length + 1).fill(text.length),
    slashes: new Int32Array(text.length + 1).fill(text.length),
    brace: new Int32Array(text.length + 1).fill(text.length),
  };
  for (let i = text.length - 1; i >= 0; i--) {
    next.space[i] = /\s/.test(text[i]!) ? i : next.space[i + 1]!;
    next.slashes[i] = text.startsWith("//", i) ? i : next.slashes[i + 1]!;
    next.brace[i] = text[i] === "}" ? i : next.brace[i + 1]!;
  }
  let out = "";
  let copied = 0;
  for (let p = 0; p < text.length; ) {
    const starts = p === 0 ? [0] : [];
    if (TOKEN_START.test(text[p]!)) starts.push(p + 1);
    let end = -1;
    for (const userStart of starts) {
      const passwordStart = afterUserName(text, userStart, next);
      if (passwordStart === -1) continue;
      const at = ats[firstAtOrAfter(ats, passwordStart)];
      if (at === undefined || at > next.space[passwordStart]! || at > next.slashes[passwordStart]!) continue;
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

interface Next {
  readonly space: Int32Array;
  readonly slashes: Int32Array;
  readonly brace: Int32Array;
}

/**
 * The index after the `:` ending the user name that starts at `start`, or -1: its characters are
 * none of USER_END but in `${…}` placeholders (which hold no space; `${env:USER}`), each skipped whole.
 */
function afterUserName(text: string, start: number, next: Next): number {
  for (let i = start; i < text.length; ) {
    const c = text[i]!;
    if (c === ":") return i + 1;
    if (c === "$" && text[i + 1] === "{") {
      const close = next.brace[i + 2]!;
      if (close === text.length || next.space[i + 2]! < close) return -1;
      i = close + 1;
    } else if (USER_END.test(c)) return -1;
    else i++;
  }
  return -1;
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
 * without spaces (`k1:9092,alice:s3cret@k2:9092`) the user info is the last element's when that is a
 * `user:password` too and the elements before it are `host[:port]`s (HOST_LIST); else the password
 * holds the `,` (`svc:Ab,9x:Q@proxy` is hidden whole, not shown as `svc:Ab,***@proxy`).
 */
function userInfoShown(userInfo: string): string | undefined {
  const comma = userInfo.lastIndexOf(",");
  const before = userInfo.slice(0, comma + 1);
  const kept = comma !== -1 && userInfo.slice(comma + 1).includes(":") && HOST_LIST.test(before) ? before : "";
  const hidden = userInfo.slice(kept.length);
  return hidden.toLowerCase().startsWith("mailto:") || placeholdersOnly(hidden) ? undefined : kept;
}

// Each `//` is looked at once and each character of a token a bounded number of times: a long
// value (a JSON document quoted in a message) costs linear time.
function hideUserInfo(text: string, whole: boolean): string {
  let out = "";
  let copied = 0;
  let tokenEnd = -1;
  let lastAt = -1;
  for (let at = text.indexOf("//"); at !== -1; at = text.indexOf("//", at + 2)) {
    const start = at + 2;
    if (start > tokenEnd) {
      tokenEnd = whole ? endOfValueUrl(text, start) : endOfToken(text, start);
      lastAt = text.lastIndexOf("@", tokenEnd - 1);
    }
    const end = lastAt < start ? -1 : userInfoEnd(text, start, tokenEnd, lastAt);
    if (end === -1) {
      // No `@` left in the token: no user info in it; else the next `//` may start one (a URL in a query).
      if (lastAt < start) at = tokenEnd - 2;
      continue;
    }
    if (placeholdersOnly(text.slice(start, end))) continue;
    out += `${text.slice(copied, start)}***`;
    copied = end;
    at = end - 2;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

const WHITESPACE = /\s/g;

function endOfToken(text: string, from: number): number {
  WHITESPACE.lastIndex = from;
  return WHITESPACE.exec(text)?.index ?? text.length;
}

// A space followed by a scheme's `//` (`http://h:8080, https://u:p@g`, a list's next URL).
const NEXT_URL = /\s[A-Za-z][\w+.-]*:\/\//g;

/**
 * Where the URL at `from` of one config value ends: at a space only where another URL follows, so
 * a user info holding a raw space is one, while a list's next element's `@` is not this URL's.
 */
function endOfValueUrl(text: string, from: number): number {
  NEXT_URL.lastIndex = from;
  return NEXT_URL.exec(text)?.index ?? text.length;
}

/**
 * The index of the `@` ending the user info of the authority at `start`, or -1 (rules above); the
 * token ends at `tokenEnd`, its last `@` is at `lastAt` (≥ start).
 */
function userInfoEnd(text: string, start: number, tokenEnd: number, lastAt: number): number {
  let authorityEnd = start;
  let inAuthority = -1;
  let colon = false;
  for (; authorityEnd < tokenEnd; authorityEnd++) {
    const c = text[authorityEnd];
    if (c === "/" || c === "?" || c === "#") break;
    if (c === "@") inAuthority = authorityEnd;
    else if (c === ":") colon = true;
  }
  if (inAuthority !== -1) return inAuthority;
  // A `${…}` placeholder's `:` is no port's (`http://${env:HOST}/users/@me`).
  if (!colon || HOST_PORT.test(text.slice(start, authorityEnd).replace(/\$\{[^}]*\}/g, "h")))
    return userNameEnd(text, authorityEnd, tokenEnd);
  let beforeQuery = -1;
  for (let i = authorityEnd; i < tokenEnd; i++) {
    const c = text[i];
    if (c === "?" || c === "#") break;
    if (c === "@") beforeQuery = i;
  }
  return beforeQuery !== -1 ? beforeQuery : lastAt;
}

/**
 * The `@` ending a user name alone that holds an unencoded `?` or `#` (`http://tok?en@host`), or -1:
 * the authority (no `@`, no password) ends at `authorityEnd` with a `?` or `#`, followed by no `=`,
 * `&`, `;`, `/` or space before an `@` a host name or `[` follows. A query or fragment holding
 * parameters or a path (`http://h?e=a@b`, `http://h/p?e=a@b`) stays; one that is only `x@host`
 * (`http://h#a@b`) is hidden with the host before it.
 */
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

/**
 * Whether the text rules hide a user info after the first `//` of `url`, read as one value
 * (hideUrlValueCredentials): redactUrl asks it of a URL whose parse has none (WHATWG reads
 * `http://tok?en@host` as host `tok`, query `en@host`).
 */
export function hasHiddenUserInfo(url: string): boolean {
  const at = url.indexOf("//");
  if (at === -1) return false;
  const start = at + 2;
  const tokenEnd = endOfValueUrl(url, start);
  const lastAt = url.lastIndexOf("@", tokenEnd - 1);
  if (lastAt < start) return false;
  const end = userInfoEnd(url, start, tokenEnd, lastAt);
  return end !== -1 && !placeholdersOnly(url.slice(start, end));
}

/** A `${key}` or `${secrets:api/token}` (filled per record, or a provider's reference) holds no secret. */
function placeholdersOnly(text: string): boolean {
  return text.includes("${") && text.replace(/\$\{[^}]*\}/g, "").replace(/:/g, "") === "";
}
