/**
 * Java regex escapes JavaScript reads otherwise, for java-regex.ts: without translation `\h` is the
 * letter h, `\s` also the Unicode spaces, `\v` only the vertical tab, `\e` and `\a` the letters, `\x{41}` an x, `\0101` a NUL then
 * `101`, a malformed `\x`/`\u` (Java refuses it) the letter — each a pattern that silently matches other texts than in Java.
 */

const HORIZONTAL = " \\t\\xA0\\u1680\\u180E\\u2000-\\u200A\\u202F\\u205F\\u3000";
const VERTICAL = "\\n\\x0B\\f\\r\\x85\\u2028\\u2029";
/** Java's `\s` is ASCII whitespace only (JavaScript's takes in the no-break and other Unicode spaces). */
const SPACE = " \\t\\n\\x0B\\f\\r";
/** Java's `\S`: all but SPACE, as ranges a class can hold. */
const NON_SPACE = "\\x00-\\x08\\x0E-\\x1F\\x21-\\uFFFF";

/**
 * Java's `$` without MULTILINE, and its `\Z`: the input's end, or before a line terminator that ends
 * it (`\r\n`, `\n` not after `\r`, `\r`, NEL, LS, PS). JavaScript's `$` is the end alone.
 * INPUT_END is the end whatever the flags (`\z`; JavaScript's `$` under `m` is a line's end).
 */
export const INPUT_END = "(?![\\s\\S])";
export const JAVA_END = `(?:${INPUT_END}|(?=\\r\\n${INPUT_END})|(?<!\\r)(?=\\n${INPUT_END})|(?=[\\r\\x85\\u2028\\u2029]${INPUT_END}))`;
/** The same under UNIX_LINES `(?d)`, where `\n` is the only line terminator. */
export const UNIX_END = `(?:${INPUT_END}|(?=\\n${INPUT_END}))`;
/**
 * Java's `^` and `$` under MULTILINE: a line's start (never the input's end, even an empty input's
 * start, nor between `\r` and `\n`) and end, NEL included, as JavaScript's `m` reads neither;
 * with UNIX_LINES, `\n` the only terminator.
 */
export const LINE_START = "(?:(?<![\\s\\S])|(?<=[\\n\\x85\\u2028\\u2029]|\\r(?!\\n)))(?=[\\s\\S])";
export const LINE_END = "(?=[\\r\\x85\\u2028\\u2029]|(?<!\\r)\\n|(?![\\s\\S]))";
export const UNIX_LINE_START = "(?:(?<![\\s\\S])|(?<=\\n))(?=[\\s\\S])";
export const UNIX_LINE_END = "(?=\\n|(?![\\s\\S]))";
/** Java's `.` without DOTALL: all but its line terminators (JavaScript's `.` takes NEL, U+0085). */
export const DOT = "[^\\n\\r\\x85\\u2028\\u2029]";

const hex = (code: number) => `\\u${code.toString(16).padStart(4, "0")}`;

/** A code point as a JavaScript escape: outside the BMP a grouped surrogate pair, which no class can hold here. */
function codePoint(code: number, inClass: boolean, at: number): string {
  if (code <= 0xffff) return hex(code);
  if (inClass) throw new SyntaxError(`Unsupported supplementary code point inside [] near index ${at}`);
  const high = 0xd800 + ((code - 0x10000) >> 10);
  const low = 0xdc00 + ((code - 0x10000) & 0x3ff);
  return `(?:${hex(high)}${hex(low)})`;
}

/**
 * A two-character set escape (`\h`, `\s`…) as a class, or inside one as its ranges. There a `-`
 * after it is a literal hyphen, as in Java, taken with it: written after the ranges it would make a
 * range of their last character (`[\s-.]` is whitespace, `-` and `.`, not `\r` to `.`).
 */
export function charSet(chars: string, inClass: boolean, after: string | undefined): { text: string; length: number } {
  if (!inClass) return { text: `[${chars}]`, length: 2 };
  return after === "-" ? { text: `${chars}\\-`, length: 3 } : { text: chars, length: 2 };
}

/**
 * The Java escape at `pattern[i]` (a backslash) as JavaScript, taken whole: javaEscape's, or as
 * written where JavaScript reads it alike (`\x41`, `\u0041`, `\cA`, `\.`), so that a quantifier
 * after it repeats all of it.
 */
export function escapeAt(pattern: string, i: number, inClass: boolean): { text: string; length: number } {
  const translated = javaEscape(pattern, i, inClass);
  if (translated !== undefined) return translated;
  const next = pattern[i + 1];
  const length = next === "x" ? 4 : next === "u" ? 6 : next === "c" ? 3 : 2;
  return { text: pattern.slice(i, i + length), length };
}

/**
 * The JavaScript of the Java escape at `pattern[i]` (a backslash) and how many characters it takes,
 * or undefined when it means the same in both; throws SyntaxError for one that cannot be run here.
 */
export function javaEscape(pattern: string, i: number, inClass: boolean): { text: string; length: number } | undefined {
  const next = pattern[i + 1];
  switch (next) {
    case "h":
      return charSet(HORIZONTAL, inClass, pattern[i + 2]);
    case "v":
      // Java reads `\v` before a `-` in a class as the vertical tab (`[\v-.]` is \x0B to `.`), as before Java 8.
      if (inClass && pattern[i + 2] === "-") return { text: "\\x0B", length: 2 };
      return charSet(VERTICAL, inClass, pattern[i + 2]);
    case "H":
    case "V":
      if (inClass) throw new SyntaxError(`Unsupported negated class inside [] near index ${i}`);
      return { text: `[^${next === "H" ? HORIZONTAL : VERTICAL}]`, length: 2 };
    case "s":
      return charSet(SPACE, inClass, pattern[i + 2]);
    case "S":
      return charSet(NON_SPACE, inClass, pattern[i + 2]);
    case "d":
    case "D":
    case "w":
    case "W":
      // JavaScript's own, but in a class a `-` after it is Java's hyphen (`[\d-\p{Alpha}]`), not a range.
      return inClass && pattern[i + 2] === "-" ? { text: `\\${next}\\-`, length: 3 } : undefined;
    case "e":
      return { text: "\\x1B", length: 2 };
    case "a":
      return { text: "\\x07", length: 2 };
    case "R":
      if (inClass) throw new SyntaxError(`Illegal/unsupported escape sequence near index ${i + 1}`);
      return { text: `(?:\\r\\n|[${VERTICAL}])`, length: 2 };
    case "G":
      // The end of the previous match: the input's start for the first (the only one taken here).
      if (inClass) throw new SyntaxError(`Illegal/unsupported escape sequence near index ${i + 1}`);
      return { text: "(?:(?<![\\s\\S]))", length: 2 };
    case "x": {
      const m = /^\{([0-9a-fA-F]+)\}/.exec(pattern.slice(i + 2));
      if (!m && /^[0-9a-fA-F]{2}/.test(pattern.slice(i + 2))) return undefined;
      // JavaScript reads a bad `\x` as the letter x; Java refuses it.
      if (!m) throw new SyntaxError(`Illegal hexadecimal escape sequence near index ${i + 2}`);
      const code = Number.parseInt(m[1]!, 16);
      if (code > 0x10ffff) throw new SyntaxError(`Hexadecimal codepoint is too big near index ${i}`);
      return { text: codePoint(code, inClass, i), length: 2 + m[0].length };
    }
    case "0": {
      // Java's octal: \0n, \0nn, \0mnn with m <= 3.
      const digits = /^(?:[0-3][0-7]{2}|[0-7]{1,2})/.exec(pattern.slice(i + 2))?.[0];
      if (digits === undefined) throw new SyntaxError(`Illegal octal escape sequence near index ${i + 2}`);
      return { text: hex(Number.parseInt(digits, 8)), length: 2 + digits.length };
    }
    case "u":
      if (/^[0-9a-fA-F]{4}/.test(pattern.slice(i + 2))) return undefined;
      throw new SyntaxError(`Illegal Unicode escape sequence near index ${i + 2}`);
    case "X":
    case "N":
      throw new SyntaxError(`Unsupported escape \\${next} near index ${i}`);
    default:
      return undefined;
  }
}
