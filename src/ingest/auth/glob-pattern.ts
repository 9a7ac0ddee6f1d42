/**
 * An anchored glob of ingest-acl.ts (`*` any run, `?` one UTF-16 unit, anything else itself),
 * matched by the two-pointer wildcard scan: time in proportion to glob × text at worst. It answers
 * as the RegExp `^…$` (`s` flag; `i` when ignoring case) it replaces, which backtracked through
 * every split: `*a*a*b` on a 4 KB topic name took 26 s, each more `*` another power.
 */
export interface GlobPattern {
  test(text: string): boolean;
}

/** A glob; `ignoreCase`: compared as a non-Unicode `i` RegExp compares (ECMAScript Canonicalize). */
export function globPattern(glob: string, ignoreCase = false): GlobPattern {
  const fold = ignoreCase ? canonicalize : (c: string) => c;
  const pattern = Array.from({ length: glob.length }, (_, i) => fold(glob[i]!));
  return {
    test(text) {
      let p = 0;
      let t = 0;
      // Where the last `*` was seen and the text position it has been given up to.
      let star = -1;
      let resume = 0;
      while (t < text.length) {
        const g = pattern[p];
        if (g === "*") {
          star = p++;
          resume = t;
        } else if (g !== undefined && (g === "?" || g === fold(text[t]!))) {
          p++;
          t++;
        } else if (star >= 0) {
          p = star + 1;
          t = ++resume;
        } else {
          return false;
        }
      }
      while (pattern[p] === "*") p++;
      return p === pattern.length;
    },
  };
}

/** Canonicalize of ECMAScript's RegExp without `u`: upper case, unless that is several units or leaves ASCII. */
function canonicalize(c: string): string {
  const upper = c.toUpperCase();
  if (upper.length !== 1) return c;
  return c.charCodeAt(0) >= 128 && upper.charCodeAt(0) < 128 ? c : upper;
}
