/**
 * `${…}` placeholders in a text (`${offset}`, `${secrets:api/token}`): a `${` and the first `}` after
 * it, as the regular expression `/\$\{[^}]*\}/g` reads them, found in linear time (that expression
 * scans to the text's end from every `${` that no `}` follows: quadratic on many unclosed `${`).
 *
 * FROZEN: the HTTP source's partition keys (offset-key-v0.ts … offset-key-v3.ts) read placeholders
 * with it, so its answers must stay those of the expression for every text (placeholders.test.ts
 * compares them on every text up to a length); another reading of placeholders is another function.
 */

/** `text.replace(/\$\{[^}]*\}/g, by)` for a `by` holding no `$` pattern. */
export function placeholdersReplaced(text: string, by: string): string {
  let out = "";
  let copied = 0;
  for (let open = text.indexOf("${"); open !== -1; open = text.indexOf("${", copied)) {
    const close = text.indexOf("}", open + 2);
    // No `}` after this `${`: none after a later one either.
    if (close === -1) break;
    out += `${text.slice(copied, open)}${by}`;
    copied = close + 1;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** `/\$\{[^}]*\}/.test(text)`: a `}` follows the first `${` (then it follows every earlier one). */
export function hasPlaceholder(text: string): boolean {
  const open = text.indexOf("${");
  return open !== -1 && text.indexOf("}", open + 2) !== -1;
}
