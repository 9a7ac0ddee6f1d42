/**
 * JSON text as Jackson's generator writes it (default features), made from JSON.stringify's: every
 * UTF-16 surrogate, paired or lone, becomes its own `\uXXXX` escape (Jackson does not combine a pair
 * into one 4-byte UTF-8 character), and `\u` escapes take upper-case hex digits (`\u001F`, not
 * `\u001f`). Used by the JSON converter (converters/json-text.ts) and by REST answers
 * (rest/jackson/json-writer.ts).
 */

const NEEDS_JACKSON_ESCAPES = /\\u|[\ud800-\udfff]/;

/** `\uD800` … `\uDFFF`, made once: text outside the BMP has one per UTF-16 unit. */
const SURROGATE_ESCAPES = Array.from({ length: 0x800 }, (_, k) => `\\u${(0xd800 + k).toString(16).toUpperCase()}`);

/** `json`, a JSON.stringify result, with Jackson's escapes. */
export function jacksonEscapes(json: string): string {
  if (!NEEDS_JACKSON_ESCAPES.test(json)) return json;
  let out = "";
  let from = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === 0x5c) {
      // An escape of JSON.stringify: `\\`, `\n`, … or `\uxxxx` (its hex digits cannot be a backslash).
      if (json.charCodeAt(i + 1) === 0x75) {
        const hex = json.slice(i + 2, i + 6);
        const upper = hex.toUpperCase();
        if (upper !== hex) {
          out += `${json.slice(from, i + 2)}${upper}`;
          from = i + 6;
        }
      }
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += json.slice(from, i) + SURROGATE_ESCAPES[c - 0xd800];
      from = i + 1;
    }
  }
  return from === 0 ? json : out + json.slice(from);
}
