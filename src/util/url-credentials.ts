/**
 * Credentials that URLs written in a text carry, hidden for messages: the user info of every
 * `scheme://user:password@host` and the values of query or fragment parameters whose names look
 * like keys (secret-query-name.ts: `?token=…`, `&api_key=…`, `;sig=…`, `#access_token=…`, `?code=…`),
 * those of a URL written in a parameter's value too, unencoded (`?next=http://h/x?token=…`) or
 * percent-encoded (`?next=https%3A%2F%2Fu%3Ap%40h%2F` → `?next=https%3A%2F%2F***%40h%2F`, up to
 * MAX_ENCODED_DEPTH encodings deep: percent-encoded-secrets.ts); placeholders alone (`${key}@`,
 * `?token=${env:T}`) are no secret and stay. Text without either is returned as it is (no URL
 * normalisation), so Connect's `Invalid value <v> for configuration <k>: …` keeps its shape. Used by
 * invalid-value.ts (every such message), for ConfigDef's verbatim reasons, the values quoted by
 * "contains no connector type", and by http-client's redactUrl. For logs and errors only: the HTTP
 * source's offset key is frozen apart (offset-key.ts), so hiding more here moves no stored offset.
 *
 * Where the user info ends, after each `//` (a URL inside another's query is looked at too), read by
 * user-info-end.ts (frozen: the HTTP source's key v3 reads user infos with it; to read them otherwise
 * here, write another function). The authority runs to the first `/`, `?`, `#` or space, as Java's
 * URI and WHATWG URL read it, a `${…}`
 * placeholder in it read whole (`${secrets:api/port}` holds no path), as a host or a port
 * (`h:${offset}` is a `host:port`), when its `}` comes before the next `@` (a `${` that closes later
 * is part of a user info: `http://svc:${Pa55w0rd@h/x?since=${offset}` → `http://***@h/…`):
 *   1. an `@` in the authority: the user info ends at its last `@` (a password holding an
 *      unencoded `@`: `http://u:p@ss@host` → `http://***@host`);
 *   2. else an authority with a `:` that is no `host:port` (`u:p`, not `h:8080`, `[::1]:80` or
 *      `h:${offset}`): a password holding an unencoded `/`, `?` or `#`, hidden whole: the user info
 *      ends at the last `@` before the first `?` or `#` (`https://u:p/x@host/path?e=a@b` →
 *      `https://***@host/path?e=a@b`), or, with none there, at the last `@` before a space (`http://u:p?x@host`);
 *   3. else there is no user info, whatever `@` follows in the path, query or fragment
 *      (`https://medium.example/@alice`, `http://h/p@x`, `https://h/x?email=a@b.c`,
 *      `http://localhost:8080/users/@me`, `http://h:${offset}/x?email=a@b.c` stay as they are).
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
 * a parameter's name or value, and a closing `,` or `]` is no list's
 * (`http://u:s3 cret@h:${offset}/x`, `?token=s3 cret`, `?my token=x` hidden whole). A name does not
 * end in a space, so a JSONPath filter's comparison (`$[?(@.api_key == 'x')]`) is no parameter and
 * the message quoting it stays readable. A percent-encoded URL in a parameter's value is read as one
 * value too.
 *
 * A parameter's value (and each percent-decoding of it) is one token of the scheme-less rule
 * (schemeless-credentials.ts), so a `user:password@host[:port]` written in it is hidden
 * (`?proxy=alice:s3cret@proxy:3128&a=1` → `?proxy=***@proxy:3128&a=1`, `?url=svc%3As3cret%40proxy`
 * → `?url=***%40proxy`). `hideValueCredentials` also hides one anywhere in the text
 * (`alice:s3cret@proxy:3128` → `***@proxy:3128`; in the quoted value a space ends no password,
 * `alice:s3 cret@proxy` → `***@proxy`).
 */

import { formDecoded } from "../http/form-value.ts";
import { hiddenUnion } from "./hidden-union.ts";
import { type HiddenRange, percentEncodedHiddenRanges, withRangesHidden } from "./percent-encoded-secrets.ts";
import { placeholdersOnlyRanges } from "./placeholders.ts";
import { hideSchemeless, placeholdersOnly } from "./schemeless-credentials.ts";
import { secretQueryName } from "./secret-query-name.ts";
import { userInfoEnds } from "./user-info-end.ts";

// A parameter's value ends at `&`, `#` or a space; a `,` or `]` closing a shown list stays visible
// (listEnd). A fragment's parameters too (`#access_token=…`, OAuth's implicit flow). A secret's value
// is hidden to there, `;` and `?` included (`?token=ab;cd?e`); another's is looked at for the
// parameters it holds (INNER_PARAM, innerParametersHidden) and, percent-encoded, for a URL's
// credentials (encodedHidden). No name holds a `;` or `?`, and the value's end is found without a
// lookahead: each `;`, `?` or `]` of a long value is looked at once (linear time).
const QUERY_PARAM = /([?&;#])([^=&#?;\s]*)=([^&#\s]*)/g;
// In one config value (hideUrlValueCredentials) a space ends neither a name nor a value, but a name
// does not end in one: `?(@.secret_key == 'x')`, a JSONPath filter's comparison, is no parameter.
const VALUE_QUERY_PARAM = /([?&;#])((?:[^=&#?;]*[^=&#?;\s])?)=([^&#]*)/g;
const INNER_PARAM = /[;?]([^=;?]*)=([^;?]*)/g;
// A URL encoded this many times in parameters' values (each level a URL in the previous one's value)
// is decoded; deeper ones are shown as written, so a long value costs at most this many readings.
export const MAX_ENCODED_DEPTH = 4;

export function hideUrlCredentials(text: string): string {
  return hidden(text, false, 0, budgetFor(text));
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
  return valueHidden(value, 0, budgetFor(value));
}

function valueHidden(value: string, depth: number, budget: Budget): string {
  return hidden(hidden(value, true, depth, budget), false, depth, budget);
}

/**
 * How many characters of percent-decodings one masking reads at most, all levels together: a few
 * times its text, so a text of values encoded in one another (`%3D%253D%25253D…`, a next-page link a
 * remote API writes) costs linear time. A value whose decoding would go past it is hidden whole.
 */
interface Budget {
  left: number;
  /** encodedRanges' answers by depth and value: equal values (`%3D%253D%26` repeated) read once. */
  readonly known: Map<string, HiddenRange[]>;
}

const budgetFor = (text: string): Budget => ({
  left: BUDGET_PER_CHARACTER * text.length + BUDGET_MINIMUM,
  known: new Map(),
});
const BUDGET_PER_CHARACTER = 4;
// What a reading costs beyond its characters, counted as characters (a value of many short ones).
const READING_COST = 16;
const BUDGET_MINIMUM = 65_536;

/**
 * `text` with its URLs' credentials hidden, read as one value (`whole`) or as free text; `depth`
 * encodings deep in an outer text's parameter value.
 */
function hidden(text: string, whole: boolean, depth: number, budget: Budget): string {
  if (!text.includes("//") && !text.includes("=")) return text;
  return hideUserInfo(text, whole).replace(
    whole ? VALUE_QUERY_PARAM : QUERY_PARAM,
    (all, separator: string, name: string, run: string, at: number, source: string) => {
      const value = whole ? run : run.slice(0, listEnd(source, at + all.length, run));
      const rest = run.slice(value.length);
      if (secretParameter(name, value)) return `${separator}${name}=***${rest}`;
      const shown = encodedHidden(innerParametersHidden(value), depth, budget);
      return `${separator}${name}=${hideSchemeless(shown, whole, true)}${rest}`;
    },
  );
}

/**
 * A shown parameter's `value` with what the rules hide in its percent-decoding hidden where it is
 * written (`https%3A%2F%2Fh%2Fcb%3Ftoken%3Ds3cret` → `https%3A%2F%2Fh%2Fcb%3Ftoken%3D***`).
 */
function encodedHidden(value: string, depth: number, budget: Budget): string {
  const ranges = encodedRanges(value, depth, budget);
  return ranges.length === 0 ? value : withRangesHidden(value, ranges);
}

/**
 * The parts of a parameter's `value` that the masking hides because of what they are percent-decoded
 * (url-secrets.ts lists them as secrets an answer may echo): the credentials of a URL encoded in it.
 */
export function percentEncodedSecretRanges(value: string): HiddenRange[] {
  return encodedRanges(value, 0, budgetFor(value));
}

// A decoding that is encoded again (`https%253A%252F%252F…`) is decoded again. A decoding is read as
// a query, as if a `?` preceded it, so its first parameter is one too, whatever the order
// (`client_secret%3Ds3cret%26a%3D1` → `client_secret%3D***%26a%3D1`, as `a%3D1%26client_secret%3D***`).
function encodedRanges(value: string, depth: number, budget: Budget): HiddenRange[] {
  if (depth >= MAX_ENCODED_DEPTH || !value.includes("%")) return [];
  const key = `${depth}:${value}`;
  const known = budget.known.get(key);
  if (known !== undefined) return known;
  const ranges = percentEncodedHiddenRanges(value, (decoded) => {
    budget.left -= decoded.length + READING_COST;
    if (budget.left < 0) return "***";
    // The decoding is a parameter's value: a scheme-less `user:password@host` in it too.
    const shown = encodedHidden(valueHidden(`?${decoded}`, depth + 1, budget).slice(1), depth + 1, budget);
    return hideSchemeless(shown, true);
  });
  budget.known.set(key, ranges);
  return ranges;
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
 * hideUrlCredentials, and the user info of scheme-less `user:password@host[:port]` tokens
 * (schemeless-credentials.ts). `text` may quote a config value, `quoted` (an invalid-value message,
 * ConfigDef's reason, the value itself): where it is quoted, it is hidden as one value
 * (hideUrlValueCredentials, and a scheme-less password may hold a space), since a space in it ends
 * no credential, while the rest of the text ends them at spaces.
 */
export function hideValueCredentials(text: string, quoted?: string): string {
  const shownValue = quoted === undefined ? quoted : valueShown(quoted, hideUrlValueCredentials(quoted), true);
  // A function, not the string: `$&` or `$'` in a value would put the value as written back in.
  const withValue = shownValue === quoted ? text : text.replaceAll(quoted!, () => shownValue!);
  return valueShown(withValue, hideUrlCredentials(withValue), false);
}

/**
 * `text` with what the scheme-less pass hides in its URL masking `urlShown` and in `text` itself
 * hidden: the URL pass may cut a scheme-less credential (an encoded `=` in a parameter's value:
 * `?proxy=svc-token:s3cretZm9v%3D%3D@proxy:3128`, whose decoding reads as a parameter
 * `svc-token:s3cretZm9v`), so both are read and the union is hidden.
 */
function valueShown(text: string, urlShown: string, oneValue: boolean): string {
  const shown = hideSchemeless(urlShown, oneValue);
  return urlShown === text ? shown : hiddenUnion(text, [shown, hideSchemeless(text, oneValue)]);
}

// Each `//` is looked at once and each character of a token a bounded number of times: a long
// value (a JSON document quoted in a message) costs linear time.
function hideUserInfo(text: string, whole: boolean): string {
  let out = "";
  let copied = 0;
  let tokenEnd = -1;
  let lastAt = -1;
  const userInfoEnd = userInfoEnds(text);
  const placeholdersOnlyRange = placeholdersOnlyRanges(text);
  for (let at = text.indexOf("//"); at !== -1; at = text.indexOf("//", at + 2)) {
    const start = at + 2;
    if (start > tokenEnd) {
      tokenEnd = whole ? endOfValueUrl(text, start) : endOfToken(text, start);
      lastAt = text.lastIndexOf("@", tokenEnd - 1);
    }
    const end = lastAt < start ? -1 : userInfoEnd(start, tokenEnd, lastAt);
    if (end === -1) {
      // No `@` left in the token: no user info in it; else the next `//` may start one (a URL in a query).
      if (lastAt < start) at = tokenEnd - 2;
      continue;
    }
    // Not a slice's: the user infos of `//${//${…}@h` all end at its `@` (placeholdersOnlyRanges).
    if (placeholdersOnlyRange(start, end)) continue;
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
  const end = userInfoEnds(url)(start, tokenEnd, lastAt);
  return end !== -1 && !placeholdersOnly(url.slice(start, end));
}
