/**
 * The named classes of Java regexes, `\p{Name}` / `\P{Name}` (also `\p{IsName}`), for java-regex.ts
 * and java-regex-class.ts: the POSIX classes (`\p{Alpha}`: ASCII, as Java's without
 * UNICODE_CHARACTER_CLASS) and the `\p{javaLowerCase}`-style classes (Character.isLowerCase …: the
 * BMP characters java.util.regex gives them on the reference JVM, java-character-properties.ts).
 * Each is written as a JavaScript class's ranges; a `java…` one negated as the ranges between them,
 * so that it can stand inside `[…]` too. Characters outside the BMP are not in them (a supplementary
 * character is matched as two UTF-16 units here, as by `.`).
 */
import { JAVA_CHARACTER_PROPERTIES } from "./java-character-properties.ts";

const POSIX_CLASSES: Readonly<Record<string, string>> = {
  Lower: "a-z",
  Upper: "A-Z",
  ASCII: "\\x00-\\x7F",
  Alpha: "a-zA-Z",
  Digit: "0-9",
  Alnum: "a-zA-Z0-9",
  Punct: "!-\\/:-@\\[-`{-~",
  Graph: "!-~",
  Print: " -~",
  Blank: " \\t",
  Cntrl: "\\x00-\\x1F\\x7F",
  XDigit: "0-9a-fA-F",
  Space: " \\t\\n\\x0B\\f\\r",
};

const hex = (code: number) => `\\u${code.toString(16).padStart(4, "0")}`;
const range = ([start, end]: readonly [number, number]) => (start === end ? hex(start) : `${hex(start)}-${hex(end)}`);

/** A `java…` property's BMP ranges, decoded from its gaps and lengths. */
function javaRanges(encoded: string): [number, number][] {
  const numbers = encoded.split(",").map((n) => Number.parseInt(n, 36));
  const ranges: [number, number][] = [];
  let next = 0;
  for (let k = 0; k < numbers.length; k += 2) {
    const start = next + numbers[k]!;
    ranges.push([start, start + numbers[k + 1]!]);
    next = start + numbers[k + 1]! + 1;
  }
  return ranges;
}

/** The BMP characters between `ranges`. */
function complement(ranges: readonly [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  let next = 0;
  for (const [start, end] of ranges) {
    if (start > next) out.push([next, start - 1]);
    next = end + 1;
  }
  if (next <= 0xffff) out.push([next, 0xffff]);
  return out;
}

/** `ranges` of several properties as one sorted list of disjoint ranges. */
function union(ranges: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  for (const [start, end] of ranges.sort((a, b) => a[0] - b[0])) {
    const last = out.at(-1);
    if (last && start <= last[1] + 1) last[1] = Math.max(last[1], end);
    else out.push([start, end]);
  }
  return out;
}

/** The ranges of the `java…` classes written so far, each written once. */
const written = new Map<string, string>();

/** Under CASE_INSENSITIVE Java's cased classes take all three cases (CharPredicates.forProperty). */
const CASED = ["javaLowerCase", "javaUpperCase", "javaTitleCase"];

/**
 * Whether `name` is a `java…` class. Under `(?i)` it is written in a `(?-i:…)` group: Java tests
 * Character.isXxx as it is, where JavaScript's RegExp would also take the characters that fold to a
 * member (U+0345, which folds to Ι, for `\p{javaLetter}`).
 */
export const isJavaProperty = (name: string): boolean => Object.hasOwn(JAVA_CHARACTER_PROPERTIES, name);

/**
 * The class ranges of `\p{name}` (`negated`: `\P{name}`) with the flags in force
 * (`caseInsensitive`: `(?i)`), or undefined for a name not run here (Java's other names, Unicode
 * scripts and categories, a negated POSIX class, `toString`…).
 */
export function propertyRanges(name: string, negated: boolean, caseInsensitive: boolean): string | undefined {
  if (isJavaProperty(name)) {
    const key = `${name}/${negated}/${caseInsensitive && CASED.includes(name)}`;
    let text = written.get(key);
    if (text === undefined) {
      const names = caseInsensitive && CASED.includes(name) ? CASED : [name];
      const ranges = union(names.flatMap((n) => javaRanges(JAVA_CHARACTER_PROPERTIES[n]!)));
      text = (negated ? complement(ranges) : ranges).map(range).join("");
      written.set(key, text);
    }
    return text;
  }
  if (negated || !Object.hasOwn(POSIX_CLASSES, name)) return undefined;
  return POSIX_CLASSES[name];
}
