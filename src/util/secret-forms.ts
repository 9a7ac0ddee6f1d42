/**
 * The forms a secret can be echoed in, so that every masker hides all of them, not only the exact
 * text: an endpoint that quotes a request in a JSON body escapes it (`"` → `\"`, `\` → `\\`,
 * control characters; PHP's json_encode also `/` → `\/` and, like Python's ensure_ascii, non-ASCII
 * as `\uXXXX`; Jackson writes the hex digits in capitals; Go, Gson and .NET escape `<>&` and
 * others as `\uXXXX`: htmlSafeForms), a URL carries it percent-encoded (the
 * WHATWG parser encodes a path's space, `"`, `<`, `>`, `` ` ``, `{`, `}` and non-ASCII; a query's
 * space, `"`, `'`, `<`, `>`; encodeURIComponent all but the unreserved; a form value, such as an
 * OAuth client secret in Basic (RFC 6749 2.3.1), space as `+`), and a validation message
 * quotes it trimmed (Connect's ConfigDef trims STRING values: a secret file written with `echo`
 * ends in a newline, which DirectoryConfigProvider keeps). Derived once where a secret is taken
 * (LogManager, ResolvedValues and the HTTP sink's SecretMask when they are given it; the HTTP
 * source's echoed secrets when an error response is quoted), not per line hidden; a secret of
 * letters, digits and `-._` has only its exact form. A non-ASCII secret is also hidden as its UTF-8
 * bytes read as Latin-1 and as Windows-1252, in each of these forms (singleByteReadings).
 */

import { formEncoded } from "../http/form-value.ts";

/**
 * `secret` and the other texts it can be echoed as (each once; the exact one first); none when it
 * trims to fewer than `minLength` characters or to nothing. The masker's length threshold applies to
 * the secret, not to each form: a short secret's escaped forms (`\r\n` of a line break, `\u00e4`
 * of `ä`) are ordinary text.
 */
export function secretForms(secret: string, minLength = 1): string[] {
  const trimmed = secret.trim();
  if (trimmed.length < Math.max(minLength, 1)) return [];
  const bases = trimmed !== secret ? [secret, trimmed] : [secret];
  const misread = bases.filter((b) => HAS_NON_ASCII.test(b)).flatMap(singleByteReadings);
  return [...new Set([...bases, ...misread].flatMap(formsOf))];
}

const WINDOWS_1252 = new TextDecoder("windows-1252");

/**
 * `text`'s UTF-8 bytes read as ISO-8859-1 (`é` as `Ã©`) and as Windows-1252 (`€` as `â‚¬`, where
 * Latin-1 reads its 0x80-0x9F bytes as control characters): how a server that decodes a Basic
 * credential in a single-byte charset (RFC 7617 leaves the charset open; Java's servlet
 * containers' default is Latin-1, a browser's or .NET's reading of "latin1" is Windows-1252)
 * echoes a non-ASCII password.
 */
function singleByteReadings(text: string): string[] {
  const bytes = Buffer.from(text, "utf8");
  return [bytes.toString("latin1"), WINDOWS_1252.decode(bytes)];
}

/**
 * `text` as it is, JSON-escaped and percent-encoded, and each percent form JSON-escaped: a JSON
 * echo of a request quotes the URL a secret went in percent-encoded (PHP: `S%20P\/x`).
 */
function formsOf(text: string): string[] {
  const percent = percentForms(text).filter((form) => form !== text);
  return [text, ...jsonForms(text), ...percent, ...percent.flatMap(jsonForms)];
}

/** `secrets` and their forms, each once (of those that trim to `minLength` characters or more). */
export function withSecretForms(secrets: Iterable<string>, minLength = 1): string[] {
  return [...new Set([...secrets].flatMap((secret) => secretForms(secret, minLength)))];
}

const NON_ASCII = /[^\x00-\x7f]/g;
const HAS_NON_ASCII = /[^\x00-\x7f]/;

/**
 * The inner text of `JSON.stringify(text)`, with `/` escaped or not, non-ASCII as `\uXXXX` (lower
 * or upper case hex) or not; and as the HTML-safe encoders write it (htmlSafeForms).
 */
function jsonForms(text: string): string[] {
  const escaped = JSON.stringify(text).slice(1, -1);
  const withSlashes = [escaped, escaped.replaceAll("/", "\\/")];
  const html = htmlSafeForms(text);
  if (!HAS_NON_ASCII.test(text)) return [...withSlashes, ...html];
  const unicode = (s: string, upper: boolean) => s.replace(NON_ASCII, (c) => unicodeEscape(c, upper));
  return [...withSlashes.flatMap((s) => [s, unicode(s, false), unicode(s, true)]), ...html];
}

/**
 * Encoders that escape, by default, characters HTML gives a meaning to as `\uXXXX`: Go's
 * encoding/json `<>&` (lower-case hex), Gson `<>&='` (lower case), .NET's System.Text.Json
 * `"&'+<>` and `` ` ``, control characters without a short escape and non-ASCII (upper case). A
 * base64 Basic credential holds `+` and `=`. Each form only for a secret holding its characters.
 */
const HTML_SAFE: readonly { escaped: RegExp; upper: boolean }[] = [
  { escaped: /[<>&]/, upper: false },
  { escaped: /[<>&=']/, upper: false },
  { escaped: /["&'+<>`\x00-\x07\x0b\x0e-\x1f\x7f]|[^\x00-\x7f]/, upper: true },
];
const HTML_SIGNIFICANT = /[<>&='"+`]/;

function htmlSafeForms(text: string): string[] {
  if (!HTML_SIGNIFICANT.test(text)) return [];
  return HTML_SAFE.filter(({ escaped }) => escaped.test(text)).map(({ escaped, upper }) =>
    // Each UTF-16 unit: a character outside the BMP is escaped as its two surrogates.
    text.replace(/[\s\S]/g, (c) => (escaped.test(c) ? unicodeEscape(c, upper) : JSON.stringify(c).slice(1, -1))),
  );
}

/** `\uXXXX` of the UTF-16 unit `c`. */
function unicodeEscape(c: string, upper: boolean): string {
  const hex = c.charCodeAt(0).toString(16).padStart(4, "0");
  return `\\u${upper ? hex.toUpperCase() : hex}`;
}

/** The WHATWG URL parser's path and query percent-encode sets (less those `#`/`?` a secret in a URL would end the part at). */
const PATH_ENCODED = /[\x00-\x20"<>`{}\x7f]|[^\x00-\x7f]/gu;
const QUERY_ENCODED = /[\x00-\x20"'<>\x7f]|[^\x00-\x7f]/gu;
/** What encodeURIComponent encodes: all but letters, digits and `-_.!~*'()`. */
const COMPONENT_ENCODED = /[^\w.~!*'()-]/gu;

/** As the URL parser writes `text` in a path and in a query, as encodeURIComponent does, and as a form field's value (space as `+`). */
function percentForms(text: string): string[] {
  return [
    text.replace(PATH_ENCODED, encoded),
    text.replace(QUERY_ENCODED, encoded),
    text.replace(COMPONENT_ENCODED, encoded),
    formEncoded(text),
  ];
}

/** `c` percent-encoded as UTF-8 (a lone surrogate as U+FFFD, as the URL parser writes it). */
function encoded(c: string): string {
  let out = "";
  for (const byte of Buffer.from(c)) out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  return out;
}
