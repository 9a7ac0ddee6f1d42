/**
 * Java character classes for java-regex.ts: `[…]` with Java's nested classes (a union: `[a-c[x-z]]`)
 * and `&&` intersections (`[a-z&&[^aeiou]]`), which JavaScript's classes (without the `v` flag)
 * cannot hold. A class without either is written as it is; one with them becomes an expression
 * that takes exactly one character after lookaheads, one per operand of the intersection, each
 * holding its operand's union as alternatives (a negated class, `^`, which since Java 9 negates the
 * whole class, as one negative lookahead). Lookaheads are not backtracked into, so a failing match
 * stays linear as in Java, where alternatives outside them made overlapping unions exponential.
 */
import { PatternFault } from "./java-pattern-syntax.ts";
import type { ReadPattern } from "./java-regex-comments.ts";
import { escapeAt } from "./java-regex-escapes.ts";
import { isJavaProperty, propertyRanges } from "./java-regex-properties.ts";

/**
 * One operand of `&&`: its parts (each one character's JavaScript: a nested class, or a run of its
 * own characters and ranges as a JavaScript class) and the run being read. A nested class ends a
 * run: Java reads a `-` after it as a literal, never as a range across it.
 */
interface Operand {
  parts: string[];
  run: string;
  /** Whether it is after an `&&` and starts with a nested class (which Java reads apart: `[a&&[b]d&&]`). */
  readonly nestedFirst?: boolean;
  /**
   * The last class escape (`\d`, `\p{…}`…) or nested class read, one character's JavaScript, while
   * nothing else came after it: Java's `curr`, which an `&&` with nothing after it intersects the
   * operand with (Pattern.clazz).
   */
  last?: string;
  /**
   * Whether Java read something other than its bit set of single characters: a class escape, a
   * nested class, a range, another escape (its own predicate, or one taken as such here).
   */
  classes?: boolean;
  /** Whether the last thing read is a range or an escaped character: an `&&` after it is not run here. */
  opaque?: boolean;
  /** Where in the run a range being read starts (after its `-`), when it starts with a single character. */
  rangeFrom?: number;
  /** Where in the run the last single character read starts (an escaped one is more than one). */
  characterAt?: number;
  /** Whether a `-` made a range of the character before it and the next. */
  inRange?: boolean;
}

interface ClassFrame {
  readonly negated: boolean;
  readonly operands: Operand[];
}

/**
 * The JavaScript of the Java class opened at `pattern[start]` (a `[`), and where it ends (after its
 * `]`), with `caseInsensitive` when `(?i)` is in force. Nesting is followed with a stack,
 * not recursion: 100,000 `[` must not overflow it. Throws SyntaxError for what cannot be run here.
 */
export function translateClass(
  read: ReadPattern,
  start: number,
  caseInsensitive: boolean,
): { text: string; end: number } {
  const pattern = read.text;
  const stack: ClassFrame[] = [];
  let i = start;
  const open = (): ClassFrame => {
    i++;
    const negated = pattern[i] === "^";
    if (negated) i++;
    const operand: Operand = { parts: [], run: "" };
    // A `]` first in a class is a literal in Java.
    if (pattern[i] === "]") {
      operand.run = "\\]";
      i++;
    }
    return { negated, operands: [operand] };
  };
  let frame = open();
  while (i < pattern.length) {
    const c = pattern[i]!;
    const operand = frame.operands.at(-1)!;
    // Under `(?x)` a `]` or `[` after whitespace or a comment ends the range a `-` opened (`[a- ]]`).
    if (operand.inRange && (c === "]" || c === "[")) {
      readCharacter(operand, `\\${c}`, undefined);
      i++;
      continue;
    }
    if (c === "]") {
      i++;
      const text = classExpression(frame);
      const parent = stack.pop();
      if (parent === undefined) return { text, end: i };
      const into = parent.operands.at(-1)!;
      into.parts.push(text);
      into.last = text;
      into.classes = true;
      // A `-` after it is a character of its own (`[x[a]-&&b]` is x, a and -, then only b).
      into.characterAt = undefined;
      frame = parent;
      continue;
    }
    if (c === "[") {
      endRun(operand);
      stack.push(frame);
      frame = open();
      continue;
    }
    // A `&` ending a range (`[#-&&\D]`) is its last character, the next one a character of its own.
    if (c === "&" && pattern[i + 1] === "&" && !operand.inRange) {
      const empty = pattern[i + 2] === "]" || pattern[i + 2] === "&";
      if (empty) {
        i = emptyIntersection(pattern, i, operand, frame.operands.length === 1);
        continue;
      }
      endRun(operand);
      frame.operands.push({ parts: [], run: "", nestedFirst: pattern[i + 2] === "[" });
      i += 2;
      continue;
    }
    operand.last = undefined;
    if (c !== "\\") {
      readCharacter(operand, c, read.adjacent(i + 1) ? pattern[i + 1] : undefined);
      i++;
      continue;
    }
    const next = pattern[i + 1];
    if (next === "p" || next === "P") {
      const m = /^\{(?:Is)?([A-Za-z]+)\}/.exec(pattern.slice(i + 2));
      const chars = m ? propertyRanges(m[1]!, next === "P", caseInsensitive) : undefined;
      if (!m || chars === undefined) {
        // A POSIX class negated inside a class (`[\P{Alpha}]`); a `java…` one is (its ranges' complement).
        if (m && propertyRanges(m[1]!, false, caseInsensitive) !== undefined) {
          throw new SyntaxError(`Unsupported negated class inside [] near index ${i}`);
        }
        throw new SyntaxError(`Unsupported character class near index ${i}: ${pattern.slice(i, i + 12)}`);
      }
      if (caseInsensitive && isJavaProperty(m[1]!)) {
        endRun(operand);
        operand.parts.push(`(?-i:[${chars}])`);
        operand.last = operand.parts.at(-1);
      } else {
        operand.run += chars;
        operand.last = `[${chars}]`;
      }
      operand.classes = true;
      operand.inRange = false;
      operand.characterAt = undefined;
      i += 2 + m[0].length;
      // A `-` after the class is a character (charSet), which may start a range (`[\p{Alpha}--/]`).
      if (pattern[i] === "-") {
        operand.characterAt = operand.run.length;
        operand.run += "\\-";
        operand.last = undefined;
        i++;
      }
      continue;
    }
    const { text, length } = escapeAt(pattern, i, true);
    i += length;
    // A class escape (`\v` before a `-` is the vertical tab, a character); a `-` after it is taken with it.
    if (next !== undefined && "dDsSwWhHvV".includes(next) && !(next === "v" && pattern[i] === "-")) {
      // A `-` after it is a character read after it.
      operand.last = length === 3 ? undefined : `[${text}]`;
      operand.opaque = false;
      operand.classes = true;
      operand.inRange = false;
      // A `-` taken with it is a character, which may start a range (`[\d--/]`).
      operand.characterAt = length === 3 ? operand.run.length + text.length - 2 : undefined;
      operand.run += text;
    } else {
      // An escaped character is one as Java reads it (`[\x41&&]` is A, `[\x41-\x43&&]` A to C).
      readCharacter(operand, text, pattern[i]);
    }
  }
  // translateRead reports javaPatternSyntaxError's Unclosed character class instead.
  throw new SyntaxError(`Unclosed character class near index ${pattern.length - 1}`);
}

/**
 * Reads the single character `c` (its JavaScript, a character or an escape; `after`: the next one
 * in the pattern) into the operand's run, keeping what an `&&` with nothing after it needs: a
 * character up to U+00FF is one of Java's bits; a range is its own predicate (`last`, when it
 * starts with a single character), as is a character past U+00FF. A `-` opens a range only
 * straight after a single character that did not end one, and never straight before a `[` or
 * `]` (`after` undefined when `(?x)` skipped something first; Java's bitsOrSingle): else it is a
 * character itself.
 */
function readCharacter(operand: Operand, c: string, after: string | undefined): void {
  const start = operand.characterAt ?? -1;
  const plainBefore = operand.opaque === false && operand.last === undefined && !operand.inRange;
  operand.characterAt = operand.run.length;
  operand.run += c;
  if (operand.inRange) {
    operand.inRange = false;
    operand.classes = true;
    operand.last = operand.rangeFrom === undefined ? undefined : `[${operand.run.slice(operand.rangeFrom)}]`;
    operand.opaque = operand.rangeFrom === undefined;
    // A `-` after a range is a character (`[a-c-&&b]` is a to c and -, then only b).
    operand.characterAt = undefined;
  } else if (c === "-" && start >= 0 && after !== "]" && after !== "[") {
    operand.inRange = true;
    operand.rangeFrom = plainBefore ? start : undefined;
  } else {
    operand.opaque = characterCode(c) > 0xff;
    if (operand.opaque) operand.classes = true;
  }
}

/** The code of a single character's JavaScript: the character, `\uHHHH`, or another escape (`\é`, `\x41`, `\t`). */
function characterCode(c: string): number {
  if (c[0] !== "\\") return c.charCodeAt(0);
  if (c[1] === "u") return Number.parseInt(c.slice(2), 16);
  // Escapes of ASCII letters and digits (`\x41`, `\cA`, `\t`) are at most U+00FF.
  return /[a-zA-Z0-9]/.test(c[1]!) ? 0 : c.charCodeAt(1);
}

/**
 * An `&&` at `at` with nothing after it (`]` or another `&`) in an operand (`first`: the class's
 * first), as Pattern.clazz reads it; returns where reading goes on. A later operand is read as a
 * class of its own (Java's clazz(false) after the `&&`), of which only the faults are found here. With only single characters before it the
 * class is those (`[abc&&]`), and a `&` after it one more character (`[a&&&b]` is a, & and b); with
 * nothing before it, Java's `Bad class syntax`. Right after a class escape or a nested class, the
 * class is that one alone (`[.\d&&]` is `\d`, Java's `curr`); after single characters that follow
 * one, Java's `Bad intersection syntax`. After a range or an escaped character (Java's own
 * predicates: `[-a-c&&]` is a-c), or a class followed by a `&`, not run here.
 */
function emptyIntersection(pattern: string, at: number, operand: Operand, first: boolean): number {
  if (operand.parts.length === 0 && operand.run === "") {
    throw new PatternFault("Bad class syntax", at + 2, true);
  }
  if (operand.opaque || (operand.last !== undefined && pattern[at + 2] === "&")) {
    throw new SyntaxError(`Unsupported '&&' with no class after it near index ${at}`);
  }
  if (operand.classes && operand.last === undefined && !operand.nestedFirst) {
    throw new PatternFault("Bad intersection syntax", at + 2, true);
  }
  if (!first) throw new SyntaxError(`Unsupported '&&' with no class after it near index ${at}`);
  if (operand.last !== undefined) {
    operand.parts = [operand.last];
    operand.run = "";
  }
  return at + 2;
}

/** Ends the operand's run of characters and ranges: a part of its own. */
function endRun(operand: Operand): void {
  if (operand.run === "") return;
  // A `^` first in the run (`[[a-z]^]`, `[a-z&&^x]`) is a literal in Java, a negation in `[^…]`.
  operand.parts.push(`[${operand.run.startsWith("^") ? "\\" : ""}${operand.run}]`);
  operand.run = "";
}

/** A class's JavaScript: as written when it is one run, else lookaheads before one character. */
function classExpression(frame: ClassFrame): string {
  const [first] = frame.operands;
  if (frame.operands.length === 1 && first!.parts.length === 0) return `[${frame.negated ? "^" : ""}${first!.run}]`;
  endRun(frame.operands.at(-1)!);
  const operands = frame.operands.filter((operand) => operand.parts.length > 0);
  if (operands.length === 1 && operands[0]!.parts.length === 1 && !frame.negated) return operands[0]!.parts[0]!;
  const all = operands.map((operand) => `(?=${operand.parts.join("|")})`).join("");
  return frame.negated ? `(?:(?!${all})[\\s\\S])` : `(?:${all}[\\s\\S])`;
}
