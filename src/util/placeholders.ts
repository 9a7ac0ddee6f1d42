/**
 * `${…}` placeholders in a text (`${offset}`, `${secrets:api/token}`): a `${` and the first `}` after
 * it, as the regular expression `/\$\{[^}]*\}/g` reads them, found in linear time (that expression
 * scans to the text's end from every `${` that no `}` follows: quadratic on many unclosed `${`).
 *
 * FROZEN: the HTTP source's partition keys (offset-key-v0.ts … offset-key-v3.ts) read placeholders
 * with it, so its answers must stay those of the expression for every text, and those of
 * placeholdersOnlyRanges those of its definition for every range (placeholders.test.ts compares them
 * on every text up to a length); another reading of placeholders is another function.
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

/**
 * Whether ranges of one text are `${…}` placeholders only: `text.slice(start, end)` holds a `${` and
 * is empty once its placeholders (placeholdersReplaced) and its `:`s are removed (`${user}:${pw}`),
 * as `text.includes("${") && placeholdersReplaced(text, "").replace(/:/g, "") === ""` of the slice.
 * Asked of many ranges ending at the same index (the user infos after each `//` of `//${//${…}@h`,
 * all ending at its `@`), it costs amortised constant time each: a walk over a range's `:`s and
 * placeholders stops at an index a walk to that end has read already.
 */
export function placeholdersOnlyRanges(text: string): (start: number, end: number) => boolean {
  let nextBrace: Int32Array | undefined;
  /** The first `}` at or after `from` (the text's length: none), from a table built when first asked. */
  const braceFrom = (from: number): number => {
    if (nextBrace === undefined) {
      nextBrace = new Int32Array(text.length + 1).fill(text.length);
      for (let i = text.length - 1; i >= 0; i--) nextBrace[i] = text[i] === "}" ? i : nextBrace[i + 1]!;
    }
    return nextBrace[from]!;
  };
  // For each index a walk read, how the walk from it ends (EMPTY, PLACEHOLDERS, STOPPED), valid for
  // the range end it was read for (walkedFor holds that end + 1): arrays, not a map, as a 1 MB text
  // may have a million of them.
  let walks: Uint8Array | undefined;
  let walkedFor: Int32Array | undefined;
  /** Indexes read by the current walk, doubled, +1 for a placeholder's `$`. */
  const read: number[] = [];
  return (start, end) => {
    if (end <= start) return false;
    walks ??= new Uint8Array(text.length + 1);
    walkedFor ??= new Int32Array(text.length + 1);
    const known = (i: number): number => (walkedFor![i] === end + 1 ? walks![i]! : UNREAD);
    read.length = 0;
    let i = start;
    let walk = known(i);
    while (walk === UNREAD) {
      if (i === end) walk = EMPTY;
      else if (text[i] === ":") read.push(2 * i++);
      else {
        const close = text[i] === "$" && text[i + 1] === "{" ? braceFrom(i + 2) : text.length;
        if (close >= end) walk = STOPPED;
        else read.push(2 * i + 1);
        i = close + 1;
      }
      if (walk === UNREAD) walk = known(i);
    }
    for (let r = read.length - 1; r >= 0; r--) {
      const index = read[r]! >> 1;
      if ((read[r]! & 1) === 1 && walk === EMPTY) walk = PLACEHOLDERS;
      walks[index] = walk;
      walkedFor[index] = end + 1;
    }
    return walk === PLACEHOLDERS;
  };
}

// How a walk from an index ends: not read yet; at the range's end with no placeholder read, with
// one; or before the range's end.
const UNREAD = 0;
const EMPTY = 1;
const PLACEHOLDERS = 2;
const STOPPED = 3;
