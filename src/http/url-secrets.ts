/**
 * The secrets a configured URL carries, as they may come back in an answer: its user info (user
 * and password as written and decoded, and the Basic credentials fetch makes of them: a key is often
 * the user name alone) and the values
 * of query parameters that look like keys (`secretQueryName`, the parameters `redactUrl` hides, `;`-separated
 * ones too, the credentials of a URL percent-encoded in a value, and a scheme-less `user:password@host`
 * written in a value, plain or encoded), as written and decoded. For maskers of response text (the HTTP sink's SecretMask); values holding a
 * `${…}` placeholder are left out (they are filled per request).
 */

import { schemelessRanges } from "../util/schemeless-credentials.ts";
import { secretQueryName } from "../util/secret-query-name.ts";
import { MAX_ENCODED_DEPTH, percentEncodedSecretRanges } from "../util/url-credentials.ts";
import { basicToken } from "./basic-credentials.ts";

export function urlSecrets(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  const out: string[] = [];
  if (parsed.username || parsed.password) {
    const user = safeDecode(parsed.username);
    const password = safeDecode(parsed.password);
    // fetch percent-decodes the user info to bytes (a %E9 that is not UTF-8 stays one byte).
    const basic = basicToken(Buffer.concat([percentDecoded(parsed.username), COLON, percentDecoded(parsed.password)]));
    out.push(basic, parsed.username, user, parsed.password, password);
  }
  // A `;`-separated parameter inside another's value is one too (`?a=1;token=…`), and one of a URL
  // written in its value (`?next=http://h/x?token=…`). redactUrl hides such a value to the end of the
  // outer one (it may hold `;` or `?`: `?next=http://h/x?token=ab?cd`), so that whole run is listed,
  // and each inner secret up to the next `;` or `?` too (an answer may echo that part alone).
  for (const pair of parsed.search.slice(1).split("&")) {
    const equals = pair.indexOf("=");
    if (equals < 0) continue;
    const value = pair.slice(equals + 1);
    if (secretName(pair.slice(0, equals))) {
      out.push(...written(value));
      continue;
    }
    let runListed = false;
    for (const inner of value.matchAll(INNER_PARAM)) {
      const [all, name, innerValue] = inner as unknown as [string, string, string];
      if (!secretName(name)) continue;
      // From the first one without a placeholder, as redactUrl hides from it.
      const run: string[] = runListed ? [] : written(value.slice(inner.index + all.length - innerValue.length));
      runListed ||= run.length > 0;
      out.push(...run, ...written(innerValue));
    }
    // A URL percent-encoded in the value (`?next=https%3A%2F%2Fu%3Ap%40h`) or a scheme-less
    // `user:password@host` (`?proxy=u:p@h`, `?url=u%3Ap%40h`): the parts redactUrl hides.
    for (const [from, to] of [...percentEncodedSecretRanges(value), ...schemelessRanges(value)])
      out.push(...encodedSecret(value.slice(from, to)));
  }
  return [...new Set(out)].filter((s) => s !== "");
}

const COLON = Buffer.from(":");
// As url-credentials.ts reads a parameter inside a value: `;` or `?`, a name, `=`, a value to the next `;` or `?`.
const INNER_PARAM = /[;?]([^=;?]*)=([^;?]*)/g;

function secretName(name: string): boolean {
  return secretQueryName(safeDecode(name.replaceAll("+", " ")));
}

/** A secret value as written and decoded; none when it holds a `${…}` placeholder (filled per request). */
function written(raw: string): string[] {
  return raw.includes("${") || raw.includes("%7B") ? [] : [raw, safeDecode(raw.replaceAll("+", " "))];
}

/**
 * A part the masking hides in a percent-encoded value, as written and at each decoding (a URL
 * encoded twice: `u%253As3cr%252525et` is `u%3As3cr%2525et`, `u:s3cr%25et`, …), and the password
 * alone of each decoding that is a user info (an answer may echo only the password).
 */
function encodedSecret(raw: string): string[] {
  const out = written(raw);
  if (out.length === 0) return out;
  for (let text = out[out.length - 1]!, i = 1; i < MAX_ENCODED_DEPTH; i++) {
    const decoded = safeDecode(text);
    if (decoded === text) break;
    out.push(decoded);
    text = decoded;
  }
  for (const text of out.slice(1)) if (text.includes(":")) out.push(text.slice(text.indexOf(":") + 1));
  return out;
}

/** The bytes of percent-encoded text: each %XX one byte, everything else UTF-8. */
function percentDecoded(text: string): Buffer {
  const parts: Buffer[] = [];
  let plain = 0;
  for (const match of text.matchAll(/%([0-9A-Fa-f]{2})/g)) {
    parts.push(Buffer.from(text.slice(plain, match.index), "utf8"), Buffer.from([Number.parseInt(match[1]!, 16)]));
    plain = match.index + match[0].length;
  }
  parts.push(Buffer.from(text.slice(plain), "utf8"));
  return Buffer.concat(parts);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
