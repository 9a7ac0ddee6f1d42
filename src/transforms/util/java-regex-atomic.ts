/**
 * Atomic groups `(?>X)` and possessive quantifiers `X*+` `X++` `X?+` `X{n,m}+` for java-regex.ts,
 * with Java's semantics: once X has matched, the engine never backtracks into it (`a*+a` matches
 * nothing, `(?>a|ab)c` does not match "abc"). JavaScript has neither, but a lookahead does not
 * backtrack into what it matched: `(?=(?<g>X))\k<g>` is X, atomic. The named group that carries it
 * shifts the numbers of the pattern's own groups, so a translation keeps Java's numbering apart:
 * `javaGroups` maps each Java group number to its JavaScript one, and a backreference `\N` is
 * written as a placeholder that `resolveBackreferences` numbers once every group is known.
 */

const INTERNAL = "__atomic";

/**
 * `span` (a group, or an atom with its quantifier) made atomic; `id` makes the helper group's name
 * unique. Grouped, so that a quantifier after an atomic group (`(?>\\d{2}){2}`) repeats the whole
 * (it repeated the back-reference alone: the first match's text again, and the lookahead once).
 */
export function atomic(span: string, id: number): string {
  return `(?:(?=(?<${INTERNAL}${id}>${span}))\\k<${INTERNAL}${id}>)`;
}

/** A Java backreference `\N`, numbered later (resolveBackreferences). */
export function backreference(group: number): string {
  return `\u0000${group}\u0000`;
}

/** For each Java group number (index; 0 is the whole match), the JavaScript group number. */
export function javaGroups(source: string): number[] {
  const map = [0];
  let js = 0;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === "\\") {
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") {
      inClass = true;
      // A `]` first in a class is a literal (the translation escapes it; `[^]` stays as written).
      continue;
    }
    if (c !== "(") continue;
    if (source[i + 1] !== "?") {
      map.push(++js);
    } else if (source[i + 2] === "<" && source[i + 3] !== "=" && source[i + 3] !== "!") {
      js++;
      if (!source.startsWith(INTERNAL, i + 3)) map.push(js);
    }
  }
  return map;
}

/** `source` with each placeholder of `backreference` replaced by its JavaScript group's number. */
export function resolveBackreferences(source: string, groups: readonly number[]): string {
  return source.replace(/\u0000(\d+)\u0000/g, (_, n: string) => {
    const js = groups[Number(n)];
    // A reference to a group the pattern lacks matches nothing in Java; `(?!)` is that.
    return js === undefined ? "(?!)" : `(?:\\${js})`;
  });
}
