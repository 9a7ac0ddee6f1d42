/**
 * Java's `\Q…\E` quoting, removed before the pattern is parsed, as java.util.regex.Pattern's
 * RemoveQEQuoting does (java-pattern-syntax.ts and java-regex.ts read what it returns): each quoted
 * character written as a literal, ASCII letters and other-than-ASCII characters as they are, other
 * ASCII characters escaped (`\.`, `\\`), a digit first in a quote as `\x3N` (so that it cannot
 * extend an escape before the quote). Java's syntax errors are placed in this text (`\Qa\E(` is an
 * unclosed group near index 2, not 6), and so are this module's users'.
 */

const isAsciiLetter = (c: string) => (c >= "a" && c <= "z") || (c >= "A" && c <= "Z");
const isDigit = (c: string) => c >= "0" && c <= "9";

/** `pattern` with its `\Q…\E` quotes written out as Java writes them; as it is without one. */
export function removeQuotes(pattern: string): string {
  let i = 0;
  while (i < pattern.length - 1 && !(pattern[i] === "\\" && pattern[i + 1] === "Q")) i += pattern[i] === "\\" ? 2 : 1;
  if (i >= pattern.length - 1) return pattern;
  let out = pattern.slice(0, i);
  i += 2;
  let inQuote = true;
  let beginQuote = true;
  while (i < pattern.length) {
    const c = pattern[i++]!;
    if (c.charCodeAt(0) > 0x7f || isAsciiLetter(c)) {
      out += c;
    } else if (isDigit(c)) {
      out += beginQuote ? `\\x3${c}` : c;
    } else if (c !== "\\") {
      out += inQuote ? `\\${c}` : c;
    } else if (inQuote) {
      if (pattern[i] === "E") {
        i++;
        inQuote = false;
      } else {
        out += "\\\\";
      }
    } else if (pattern[i] === "Q") {
      i++;
      inQuote = true;
      beginQuote = true;
      continue;
    } else {
      out += c;
      if (i !== pattern.length) out += pattern[i++];
    }
    beginQuote = false;
  }
  return out;
}
