/**
 * jerseyPath: a connector name as Jersey's `UriBuilder.path(name)` writes it into the `Location`
 * of a created connector (ConnectorsResource). Called by the connectors routes.
 */

import { javaUtf8Text } from "../util/java-utf8.ts";

const KEPT = /[A-Za-z0-9\-._~!$&'()*+,;=:@/]/;

/**
 * Percent-encodes what a URI path may not hold, as UriComponent.contextualEncode(PATH) does: `/`
 * stays a segment separator, sub-delimiters and `:@` stay, an existing `%XX` escape stays, anything
 * else is encoded as its UTF-8 bytes (`a b` → `a%20b`, `ü` → `%C3%BC`, `a?b` → `a%3Fb`), Java's: a
 * lone surrogate as `?` (`%3F`).
 */
export function jerseyPath(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "%" && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) out += ch;
    else if (KEPT.test(ch)) out += ch;
    else {
      const cp = text.codePointAt(i)!;
      const char = String.fromCodePoint(cp);
      if (char.length === 2) i++;
      for (const byte of new TextEncoder().encode(javaUtf8Text(char)))
        out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    }
  }
  return out;
}
