/**
 * An anchored glob of ingest-acl.ts (`*` any run, `?` one UTF-16 unit, anything else itself),
 * matched by the two-pointer wildcard scan: time in proportion to glob × text at worst. It answers
 * as the RegExp `^…$` (`s` flag) it replaces, which backtracked through every split: `*a*a*b` on a
 * 4 KB topic name took 26 s, each more `*` another power. Ignoring case, it folds ASCII letters
 * only (DNS names, RFC 4343), where the RegExp's `i` also folded other letters by the engine's
 * Unicode tables (which a runtime upgrade changed: ƛ and U+A7DC became one letter).
 */
export interface GlobPattern {
  test(text: string): boolean;
}

/** A glob; `ignoreCase`: ASCII letters compared without case. */
export function globPattern(glob: string, ignoreCase = false): GlobPattern {
  const fold = ignoreCase ? asciiUpper : (c: string) => c;
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

/** `c` in upper case when it is an ASCII letter, else `c`. */
function asciiUpper(c: string): string {
  const code = c.charCodeAt(0);
  return code >= 0x61 && code <= 0x7a ? String.fromCharCode(code - 0x20) : c;
}
