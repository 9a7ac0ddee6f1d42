/**
 * Response bodies written as Connect's Jackson writes them (UTF8JsonGenerator, default features):
 * JSON.stringify's text, with two differences made good. Every UTF-16 surrogate, paired or lone, is
 * written as its own `\uXXXX` escape (Jackson does not combine a pair into one 4-byte UTF-8
 * character), and escapes use upper-case hex digits (`\u001F`, not `\u001f`).
 */

/** JSON text of `value` as Jackson writes it; bigints are written as exact integers. */
export function jacksonStringify(value: unknown): string {
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? JSON.rawJSON(v.toString()) : v));
  // An escaped backslash is consumed whole, so `\\u001f` (a backslash then "u001f") stays as it is.
  return text.replace(/\\(\\|u[0-9a-f]{4})|[\ud800-\udfff]/g, (match, escaped: string | undefined) => {
    if (escaped === undefined) return `\\u${match.charCodeAt(0).toString(16).toUpperCase()}`;
    return escaped === "\\" ? match : match.toUpperCase().replace("\\U", "\\u");
  });
}
