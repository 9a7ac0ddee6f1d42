/**
 * Version 1 of the HTTP source's partition `url` (offset-key.ts lists it among the earlier
 * versions, read when the current key has no offset): http.url with its user info and
 * secret-looking parameter values replaced by `***`, as the log masking (url-credentials.ts,
 * http-client's redactUrl) hid them when this version was made. FROZEN: positions stored under it
 * are found and moved to the current key on start (offset-key-migration.ts) only while it gives
 * what it gave; the golden table in offset-key-v1.test.ts pins it. It misses secrets the log
 * masking hides since (`?code=`, `?pwd=`, `?jsessionid=`, a nested `?next=http://h/x?token=…`), and
 * shows the part after a space of a secret in an http.url it cannot parse: version 2
 * (offset-key-v2.ts) hides them.
 *
 * A copy of the masking's rules on purpose, reusing only primitives that do not change with it (the
 * WHATWG URL parser, form-value.ts's formDecoded, placeholders.ts's frozen reading of `${…}`): the
 * log masking may hide more without moving anyone's offsets.
 *
 * What it gives:
 *   - an http.url the WHATWG parser reads: serialized, its user info `***` (placeholders too), each
 *     `&`-separated query parameter whose form-decoded name matches KEY_NAME `name=***`; then the
 *     text rules below over the serialization (`;`-separated and fragment parameters, URLs nested
 *     in the path, query or fragment);
 *   - else (`http://h:${offset}/…`, whose port is a placeholder, or a scheme-less text): the text
 *     rules over the value as written.
 *   - a value read as a URL without a host (`alice:s3cret@proxy:3128`: scheme `alice:`): the text
 *     rules, and all before its last `@` `***` (`***@proxy:3128`). http.url validation
 *     (config-checks.ts validUrl) accepts only http and https URLs, which always have a host, so no
 *     source is keyed by such a value: this only keeps a password out of a key.
 * Text rules: after each `//`, a user info (the authority's last `@`; else, in an authority with a
 * `:` that is no `host:port`, the last `@` before the first `?` or `#`, or before a space) is
 * `***` unless it is `${…}` placeholders only; each `?`, `&`, `;` or `#` parameter whose
 * form-decoded name matches KEY_NAME has its value (to `&`, `#` or a space; a list's closing `,` or
 * `]`s at the end stay) `***` unless it is placeholders only, and a `;`-separated one inside another
 * parameter's value too.
 */
import { formDecoded } from "../../http/form-value.ts";
import { placeholdersReplaced } from "../../util/placeholders.ts";

const KEY_NAME = /token|secret|password|passwd|key|signature|sig|auth|credential/i;
const PARAM = /([?&;#])([^=&#?;\s]*)=([^&#\s]*)/g;
const SEMICOLON_PARAM = /;([^=;]*)=([^;]*)/g;
const HOST_PORT = /^(?:[^:[]*|\[[^\]]*\])(?::\d*)?$/;

/** The version 1 partition `url` of an HTTP source polling `url` (frozen: see above). */
export function offsetKeyV1(url: string): string {
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
        return equals >= 0 && KEY_NAME.test(formDecoded(pair.slice(0, equals))) ? `${pair.slice(0, equals)}=***` : pair;
      })
      .join("&");
  return textKey(parsed.toString());
}

function textKey(text: string): string {
  if (!text.includes("//") && !text.includes("=")) return text;
  return userInfosHidden(text).replace(
    PARAM,
    (all, separator: string, name: string, run: string, at: number, whole: string) => {
      const value = run.slice(0, listEnd(whole, at + all.length, run));
      const rest = run.slice(value.length);
      if (secret(name, value)) return `${separator}${name}=***${rest}`;
      const shown = value.includes(";")
        ? value.replace(SEMICOLON_PARAM, (param, n: string, v: string) => (secret(n, v) ? `;${n}=***` : param))
        : value;
      return `${separator}${name}=${shown}${rest}`;
    },
  );
}

function listEnd(text: string, end: number, run: string): number {
  if (end < text.length) return run.endsWith(",") && /\s/.test(text[end]!) ? run.length - 1 : run.length;
  if (run.endsWith(",")) return run.length - 1;
  let kept = run.length;
  while (kept > 0 && run[kept - 1] === "]") kept--;
  return kept;
}

function secret(name: string, value: string): boolean {
  return KEY_NAME.test(formDecoded(name)) && !placeholdersOnly(value);
}

function userInfosHidden(text: string): string {
  let out = "";
  let copied = 0;
  let tokenEnd = -1;
  let lastAt = -1;
  for (let at = text.indexOf("//"); at !== -1; at = text.indexOf("//", at + 2)) {
    const start = at + 2;
    if (start > tokenEnd) {
      const space = /\s/g;
      space.lastIndex = start;
      tokenEnd = space.exec(text)?.index ?? text.length;
      lastAt = text.lastIndexOf("@", tokenEnd - 1);
    }
    const end = lastAt < start ? -1 : userInfoEnd(text, start, tokenEnd, lastAt);
    if (end === -1) {
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
  if (!colon || HOST_PORT.test(placeholdersReplaced(text.slice(start, authorityEnd), "h"))) return -1;
  let beforeQuery = -1;
  for (let i = authorityEnd; i < tokenEnd; i++) {
    const c = text[i];
    if (c === "?" || c === "#") break;
    if (c === "@") beforeQuery = i;
  }
  return beforeQuery !== -1 ? beforeQuery : lastAt;
}

function placeholdersOnly(text: string): boolean {
  return text.includes("${") && placeholdersReplaced(text, "").replace(/:/g, "") === "";
}
