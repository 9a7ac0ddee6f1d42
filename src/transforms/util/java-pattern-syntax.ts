/**
 * The syntax errors java.util.regex.Pattern reports for the mistakes users make most (an unclosed
 * group or character class, a dangling quantifier, a bad range, a trailing backslash, an unknown
 * inline flag), worded and placed as its PatternSyntaxException says them, so a pattern Connect
 * refuses is refused here with the same message (recorded from Connect 4.3.1:
 * test/fixtures/connect-rest/topic-creation-regex.json). java-regex.ts asks this module first; a
 * pattern it finds no fault in is translated and compiled as JavaScript.
 */

import { forwardSearch } from "../../util/forward-search.ts";
import { type ReadPattern, withoutComments } from "./java-regex-comments.ts";
import { removeQuotes } from "./java-regex-quotes.ts";

/**
 * PatternSyntaxException.getMessage(): the description, `near index N`, the pattern, a caret under
 * N (after a space for each character before it, a tab for a tab, as Java).
 */
export function patternSyntaxMessage(description: string, index: number, pattern: string): string {
  const near = index >= 0 ? ` near index ${index}` : "";
  const caret = index >= 0 && index < pattern.length ? `\n${pattern.slice(0, index).replace(/[^\t]/g, " ")}^` : "";
  return `${description}${near}\n${pattern}${caret}`;
}

interface Fault {
  readonly description: string;
  readonly index: number;
  /**
   * Java names the position before the one at `index` (an unmatched `)`: the one before it; a
   * dangling `*`: the last whitespace skipped after it under `(?x)`, where Java's cursor stopped).
   */
  readonly before?: boolean;
}

/**
 * A syntax error java-regex.ts finds while translating (Pattern.clazz's Bad class syntax…), placed
 * in the text Java's parser reads: javaPatternSyntaxError places it in the pattern as written.
 */
export class PatternFault extends Error implements Fault {
  constructor(
    readonly description: string,
    readonly index: number,
    readonly before = false,
  ) {
    super(description);
  }
}

/** A pattern Java refuses (Pattern.compile's PatternSyntaxException), its message Java's. */
export class PatternSyntaxException extends SyntaxError {}

const INLINE_FLAGS = /^[idmsuxU]*(?:-[idmsuxU]*)?$/;

/**
 * The first of the common Java syntax errors in `pattern`, as Java's message, or undefined. As
 * Java's parser, it reads the pattern with its `\Q…\E` quotes written out (java-regex-quotes.ts)
 * and, under `(?x)`, without whitespace and comments (java-regex-comments.ts); the index is
 * Java's: in the text without quotes, as the pattern holds it under `(?x)`. A fault `found` while
 * translating is placed likewise, and named when it comes before the scan's.
 */
export function javaPatternSyntaxError(pattern: string, found?: Fault): string | undefined {
  const read = withoutComments(removeQuotes(pattern));
  const scanned = scan(read);
  // Java stops at the first fault it meets (`[&&&a\E]`: the Bad class syntax before the `\E`).
  const fault = found !== undefined && (scanned === undefined || position(found) < position(scanned)) ? found : scanned;
  if (fault === undefined) return undefined;
  return patternSyntaxMessage(fault.description, read.originalIndex(fault.index) - (fault.before ? 1 : 0), pattern);
}

/** Where Java's parser met the fault. */
const position = (fault: Fault) => fault.index - (fault.before ? 1 : 0);

/** The first of the common Java syntax errors in `p` (read as Java's parser reads it). */
function scan(read: ReadPattern): Fault | undefined {
  const p = read.text;
  const find = forwardSearch(p);
  const groups: number[] = [];
  const names = new Set<string>();
  // Whether the previous item can take a quantifier; whether it has one ("just": a lazy `?` or
  // possessive `+` may still follow, "modified": nothing may).
  let atom = false;
  let quantified: "no" | "just" | "modified" = "no";
  let i = 0;
  const quantifier = (at: number): Fault | undefined => {
    if (!atom || quantified !== "no") {
      return { description: `Dangling meta character '${p[at]}'`, index: at + 1, before: true };
    }
    quantified = "just";
    return undefined;
  };
  while (i < p.length) {
    const c = p[i]!;
    if (c === "\\") {
      const next = p[i + 1];
      if (next === undefined) {
        // Java reads past the end: an open group misses its `)` one further on; at the top level
        // Java 25, the reference JVM, says so (Java 17: "Unexpected internal error").
        if (groups.length > 0) return { description: "Unclosed group", index: p.length + 1 };
        return { description: "Unescaped trailing backslash", index: p.length };
      }
      if (next === "k" && p[i + 2] === "<") {
        const name = groupName(p, i + 3);
        if ("description" in name) return name;
        if (!names.has(name.name)) {
          return { description: `named capturing group <${name.name}> does not exist`, index: name.end };
        }
        i = name.end + 1;
      } else if (next === "E") {
        // A `\E` outside a quote.
        return { description: "Illegal/unsupported escape sequence", index: i + 1 };
      } else {
        const family = familyFault(p, i, find);
        if (family) return family;
        // `\p{Alpha}`, `\x{263A}`…: the braces belong to the escape.
        const close = "pPxN".includes(next) && p[i + 2] === "{" ? find("}", i + 3) : -1;
        i = close < 0 ? i + 2 : close + 1;
      }
      atom = true;
      quantified = "no";
      continue;
    }
    if (c === "[") {
      const end = classEnd(read, i, find);
      if ("description" in end) return end;
      i = end.next;
      atom = true;
      quantified = "no";
      continue;
    }
    if (c === "(") {
      if (p[i + 1] === "?") {
        const flags = /^\(\?([a-zA-Z-]*)([):])/.exec(p.slice(i));
        if (flags && !INLINE_FLAGS.test(flags[1]!)) {
          const bad = flags[1]!.search(/[^idmsuxU-]/);
          return { description: "Unknown inline modifier", index: i + 2 + Math.max(bad, 0) };
        }
        if (flags?.[2] === ")") {
          i += flags[0].length;
          atom = false;
          quantified = "no";
          continue;
        }
        // Java reads flags after any other `(?` and names the first character that is none.
        const modifier = unknownModifier(p, i + 2);
        if (modifier !== undefined) return { description: "Unknown inline modifier", index: modifier };
        if (p[i + 2] === "<" && p[i + 3] !== "=" && p[i + 3] !== "!") {
          const name = groupName(p, i + 3);
          if ("description" in name) return name;
          names.add(name.name);
        }
      }
      groups.push(i);
      // The opener: `(`, or `(?:` `(?=` `(?!` `(?>` `(?<=` `(?<!` `(?<name>` `(?flags:`.
      const opener = /^\((?:\?(?:[:=!>]|<[=!]|<[a-zA-Z][a-zA-Z0-9]*>|[a-zA-Z-]*:))?/.exec(p.slice(i))!;
      i += opener[0].length;
      atom = false;
      quantified = "no";
      continue;
    }
    if (c === ")") {
      if (groups.length === 0) return { description: "Unmatched closing ')'", index: i, before: true };
      groups.pop();
      i++;
      atom = true;
      quantified = "no";
      continue;
    }
    if (c === "|") {
      i++;
      atom = false;
      quantified = "no";
      continue;
    }
    if (c === "*" || c === "+" || c === "?") {
      // A lazy `?` or possessive `+` right after a quantifier belongs to it.
      if (quantified === "just" && c !== "*") {
        quantified = "modified";
        i++;
        continue;
      }
      const fault = quantifier(i);
      if (fault) return fault;
      i++;
      continue;
    }
    if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?(\})?/.exec(p.slice(i));
      if (!m) return { description: "Illegal repetition", index: i + 1 };
      if (!m[4]) return { description: "Unclosed counted closure", index: i + m[0].length };
      if (m[3] && Number(m[3]) < Number(m[1])) {
        return { description: "Illegal repetition range", index: i + m[0].length - 1 };
      }
      // After nothing to repeat (the start, `(`, `|`, a quantifier) Java repeats an empty atom.
      atom = true;
      quantified = "just";
      i += m[0].length;
      continue;
    }
    // Java quantifies anything else, `^` and `$` too (`^*` matches empty).
    i++;
    atom = true;
    quantified = "no";
  }
  if (groups.length > 0) return { description: "Unclosed group", index: p.length };
  return undefined;
}

/**
 * Where the opener `(?` before `at` has a character Java cannot read: not a group's (`:` `=` `!` `>`
 * `<`) and, after the flag letters (and a `-` with more), not the `)` or `:` that ends them; or
 * undefined.
 */
function unknownModifier(p: string, at: number): number | undefined {
  if ("<:=!>".includes(p[at] ?? "") && at < p.length) return undefined;
  let j = at;
  while (j < p.length && "idmsuxU".includes(p[j]!)) j++;
  if (p[j] === "-") for (j++; j < p.length && "idmsuxU".includes(p[j]!); j++);
  return p[j] === ")" || p[j] === ":" ? undefined : j;
}

/**
 * The group name at `at` (after `(?<` or `\k<`), as Java reads one: an ASCII letter, then letters
 * and digits up to `>` (`end`: where the `>` is).
 */
function groupName(p: string, at: number): { name: string; end: number } | Fault {
  if (!/[a-zA-Z]/.test(p[at] ?? "")) {
    return { description: "capturing group name does not start with a Latin letter", index: at };
  }
  let end = at + 1;
  while (end < p.length && /[a-zA-Z0-9]/.test(p[end]!)) end++;
  if (p[end] !== ">") return { description: "named capturing group is missing trailing '>'", index: end };
  return { name: p.slice(at, end), end };
}

/** A `\p{…}` or `\P{…}` at `at` without its `}` or with nothing in it, as Java says it. */
function familyFault(p: string, at: number, find: ReturnType<typeof forwardSearch>): Fault | undefined {
  if (p[at] !== "\\" || (p[at + 1] !== "p" && p[at + 1] !== "P") || p[at + 2] !== "{") return undefined;
  const close = find("}", at + 3);
  if (close < 0) return { description: "Unclosed character family", index: p.length };
  if (close === at + 3) return { description: "Empty character family", index: close };
  return undefined;
}

/** Whether `\` then `c` is an escape in a class: not a back reference, nor a `\E` outside a quote. */
const classEscape = (c: string) => !/[1-9E]/.test(c);

/** Whether the escape at `at` in a class is a class of its own (`\d`); `\v` before a `-` is the vertical tab. */
const isClassEscape = (p: string, at: number) =>
  "dDsSwWhHV".includes(p[at + 1]!) || (p[at + 1] === "v" && p[at + 2] !== "-");

/** Where the members of the class opened at `at` begin: after `[`, a `^`, and a `]` first in it (a literal). */
function classBody(p: string, at: number): number {
  let i = at + 1;
  if (p[i] === "^") i++;
  if (p[i] === "]") i++;
  return i;
}

/**
 * The escape at `at` (a backslash) in a class: the character it stands for (`\cA`, `\x41`,
 * `\x{263A}`, `\u0041`, `\t` and the other named controls (`\v` the vertical tab, as in a range),
 * an escaped symbol; "" for another letter or digit: a class escape, or a character not compared
 * here) and how many characters it takes.
 */
function classEscapeAt(
  p: string,
  at: number,
  find: ReturnType<typeof forwardSearch>,
): { literal: string; width: number } {
  const next = p[at + 1] ?? "";
  if (next === "c" && at + 2 < p.length) return { literal: String.fromCharCode(p.charCodeAt(at + 2) ^ 64), width: 3 };
  const braced = next === "x" && p[at + 2] === "{" ? find("}", at + 3) : -1;
  if (braced >= 0) return hexCharacter(p.slice(at + 3, braced), braced + 1 - at);
  const width = next === "x" ? 4 : next === "u" ? 6 : 2;
  if (width > 2) return hexCharacter(p.slice(at + 2, at + width), width);
  return { literal: CONTROLS[next] ?? (/[a-zA-Z0-9]/.test(next) ? "" : next), width };
}

const CONTROLS: Readonly<Record<string, string>> = {
  t: "\t",
  n: "\n",
  r: "\r",
  f: "\f",
  a: "\x07",
  e: "\x1b",
  v: "\v",
};

/** The character of an escape's hexadecimal `digits` ("" when they are none), the escape `width` wide. */
function hexCharacter(digits: string, width: number): { literal: string; width: number } {
  const code = /^[0-9a-fA-F]+$/.test(digits) ? Number.parseInt(digits, 16) : Number.NaN;
  return { literal: code <= 0x10ffff ? String.fromCodePoint(code) : "", width };
}

/** Where the character class opened at `start` ends (after its `]`), or Java's fault in it. */
function classEnd(read: ReadPattern, start: number, find: ReturnType<typeof forwardSearch>): { next: number } | Fault {
  const p = read.text;
  // Nested classes are counted, not recursed into: 100,000 `[` overflowed the stack (a RangeError
  // where Java says "Unclosed character class").
  let depth = 0;
  let i = classBody(p, start);
  // A `]` first in a class is a character, which may start a range (`[]-a]`).
  const firstCharacter = (at: number) => (p[at - 1] === "]" ? "]" : undefined);
  let previous = firstCharacter(i);
  while (i < p.length) {
    const c = p[i]!;
    if (c === "]") {
      if (depth === 0) return { next: i + 1 };
      depth--;
      i++;
      previous = undefined;
      continue;
    }
    if (c === "[") {
      depth++;
      i = classBody(p, i);
      previous = firstCharacter(i);
      continue;
    }
    // An `&&` starts an operand: a `-` first in it is a character (`[z&&-#]`).
    if (c === "&" && p[i + 1] === "&") {
      i += 2;
      previous = undefined;
      continue;
    }
    const family = familyFault(p, i, find);
    if (family) return family;
    // `\p{Alpha}` is one class (its braces no range's end), as is `\d`: a `-` after one is a
    // character, which may start a range (`[\d--/]` is \d and - to /).
    const close = c === "\\" && (p[i + 1] === "p" || p[i + 1] === "P") && p[i + 2] === "{" ? find("}", i + 3) : -1;
    if (close >= 0 || (c === "\\" && isClassEscape(p, i))) {
      i = close >= 0 ? close + 1 : i + 2;
      previous = undefined;
      continue;
    }
    let literal = c;
    let width = 1;
    if (c === "\\") {
      if (i + 1 >= p.length) return { description: "Unclosed character class", index: p.length };
      if (!classEscape(p[i + 1]!)) return { description: "Illegal/unsupported escape sequence", index: i + 1 };
      ({ literal, width } = classEscapeAt(p, i, find));
    }
    // Straight before a `[` or `]` a `-` is a character (Java's bitsOrSingle: `[a-[bc]]` is a, -,
    // b and c); after whitespace or a comment `(?x)` skips, they end its range (`(?x)[a- ]]`).
    if (c === "-" && previous !== undefined && ((p[i + 1] !== "]" && p[i + 1] !== "[") || !read.adjacent(i + 1))) {
      const endAt = i + 1;
      if (endAt >= p.length) return { description: "Illegal character range", index: p.length };
      // A class escape cannot end a range after a character (`[a-\d]`; after an escape such as `\s`
      // the `-` is a literal); Java names `\p` an unsupported escape there.
      const escaped = p[endAt] === "\\" ? (p[endAt + 1] ?? "") : "";
      if (!classEscape(escaped)) return { description: "Illegal/unsupported escape sequence", index: endAt + 1 };
      if (escaped !== "" && "dDsSwWhHVpP".includes(escaped)) {
        const description = "pP".includes(escaped) ? "Illegal/unsupported escape sequence" : "Illegal character range";
        return { description, index: endAt + 1 };
      }
      const endEscape = p[endAt] === "\\" ? classEscapeAt(p, endAt, find) : undefined;
      const end = endEscape?.literal ?? p[endAt]!;
      if (end !== "" && previous !== "" && end.codePointAt(0)! < previous.codePointAt(0)!) {
        // Java names an escape's last character, else the one before what it reads next.
        if (endEscape) return { description: "Illegal character range", index: endAt + endEscape.width - 1 };
        return { description: "Illegal character range", index: endAt + 1, before: true };
      }
      i = endAt + (endEscape?.width ?? 1);
      previous = undefined;
      continue;
    }
    previous = literal;
    i += width;
  }
  // Java's cursor is at the end of the pattern, past any whitespace and comments `(?x)` skips.
  return { description: "Unclosed character class", index: p.length, before: true };
}
