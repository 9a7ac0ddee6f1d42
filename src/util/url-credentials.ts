/**
 * Credentials that URLs written in a text carry, hidden for messages: the user info of every
 * `scheme://user:password@host` and the values of query or fragment parameters whose names look
 * like keys (`SECRET_QUERY`: `?token=…`, `&api_key=…`, `;sig=…`, `#access_token=…`); placeholders
 * alone (`${key}@`, `?token=${env:T}`) are no secret and stay. Text without either is returned as it
 * is (no URL normalisation), so Connect's `Invalid value <v> for configuration <k>: …` keeps its
 * shape. Used by invalid-value.ts (every such message), for ConfigDef's verbatim reasons, the values
 * quoted by "contains no connector type", and by http-client's redactUrl.
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
 * A user name alone holding an unencoded `/` (`http://to/ken@host`) reads as a path holding `@`
 * (case 3), as Java's URI reads it, and shows; a password of digits followed by a `/`
 * (`http://u:123/4@host`) reads as a port (case 3) and shows too. Both are invalid URLs.
 *
 * `hideValueCredentials` also hides the scheme-less `user:password@host[:port]` (a proxy or
 * bootstrap value written `alice:s3cret@proxy:3128`, or `u:p#x@h`) as `***@proxy:3128`: only for
 * texts that quote config values (invalid-value.ts, ConfigDef's reasons, "contains no connector
 * type", and redactUrl's value without a host), where such a token is a credential; an `a@b.c`
 * without a `:` and `mailto:a@b.c` stay. A value without `@` or `=` (`a:b#c`) has nothing hidden:
 * nothing in it says it is a secret.
 */

import { formDecoded } from "../http/form-value.ts";

/** Query parameter names whose values are secrets. */
export const SECRET_QUERY = /token|secret|password|passwd|key|signature|sig|auth|credential/i;

// A parameter's value ends at `&`, `#` or a space; a `,` or `]` closing a shown list stays visible.
// A fragment's parameters too (`#access_token=…`, OAuth's implicit flow). A secret's value is hidden
// to there, `;` included (`?token=ab;cd`); another's is looked at for `;`-separated parameters
// (`?a=1;token=…`, SEMICOLON_PARAM).
const QUERY_PARAM = /([?&;#])([^=&#?\s]*)=(\S*?)(?=[&#\s]|,\s|\]*$|,?$)/g;
const SEMICOLON_PARAM = /;([^=;]*)=([^;]*)/g;
// An authority that is a host and port, no user info: `h`, `h:8080`, `h:`, `[::1]`, `[::1]:80`.
const HOST_PORT = /^(?:[^:[]*|\[[^\]]*\])(?::\d*)?$/;
// Scheme-less `user:password@host[:port]`, a token of its own; the password up to its last `@`,
// holding no `//` (`jdbc:mysql://***@h` is a URL whose user info is hidden already).
const SCHEMELESS =
  /(^|[\s,[({="'])([^\s,:@/=[\](){}"']*(?:\$\{[^}\s]*\}[^\s,:@/=[\](){}"']*)*):((?:(?!\/\/)\S)*?)@((?:[\w.-]+|\[[\w:.%]+\])(?::\d+)?)(?=$|[\s,;\])}"'/])/g;

export function hideUrlCredentials(text: string): string {
  if (!text.includes("//") && !text.includes("=")) return text;
  return hideUserInfo(text).replace(QUERY_PARAM, (all, separator: string, name: string, value: string) => {
    if (secretParameter(name, value)) return `${separator}${name}=***`;
    if (!value.includes(";")) return all;
    const shown = value.replace(SEMICOLON_PARAM, (param, n: string, v: string) =>
      secretParameter(n, v) ? `;${n}=***` : param,
    );
    return `${separator}${name}=${shown}`;
  });
}

function secretParameter(name: string, value: string): boolean {
  return SECRET_QUERY.test(formDecoded(name)) && !placeholdersOnly(value);
}

/** hideUrlCredentials, and the user info of scheme-less `user:password@host[:port]` tokens (see above). */
export function hideValueCredentials(text: string): string {
  const shown = hideUrlCredentials(text);
  if (!shown.includes("@")) return shown;
  return shown.replace(SCHEMELESS, (all, before: string, user: string, password: string, host: string) => {
    // In a list without spaces (`k1:9092,alice:s3cret@k2:9092`) the user info is the last element's
    // when that is a `user:password` too; else the password holds the `,`.
    const userInfo = `${user}:${password}`;
    const comma = userInfo.lastIndexOf(",");
    const kept = comma !== -1 && userInfo.slice(comma + 1).includes(":") ? userInfo.slice(0, comma + 1) : "";
    const hidden = userInfo.slice(kept.length);
    if (hidden.toLowerCase().startsWith("mailto:") || placeholdersOnly(hidden)) return all;
    return `${before}${kept}***@${host}`;
  });
}

// Each `//` is looked at once and each character of a token a bounded number of times: a long
// value (a JSON document quoted in a message) costs linear time.
function hideUserInfo(text: string): string {
  let out = "";
  let copied = 0;
  let tokenEnd = -1;
  let lastAt = -1;
  for (let at = text.indexOf("//"); at !== -1; at = text.indexOf("//", at + 2)) {
    const start = at + 2;
    if (start > tokenEnd) {
      tokenEnd = endOfToken(text, start);
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
  if (!colon || HOST_PORT.test(text.slice(start, authorityEnd).replace(/\$\{[^}]*\}/g, "h"))) return -1;
  let beforeQuery = -1;
  for (let i = authorityEnd; i < tokenEnd; i++) {
    const c = text[i];
    if (c === "?" || c === "#") break;
    if (c === "@") beforeQuery = i;
  }
  return beforeQuery !== -1 ? beforeQuery : lastAt;
}

/** A `${key}` or `${secrets:api/token}` (filled per record, or a provider's reference) holds no secret. */
function placeholdersOnly(text: string): boolean {
  return text.includes("${") && text.replace(/\$\{[^}]*\}/g, "").replace(/:/g, "") === "";
}
