/**
 * Java character classes for java-regex.ts: `[…]` with Java's nested classes (a union: `[a-c[x-z]]`)
 * and `&&` intersections (`[a-z&&[^aeiou]]`), which JavaScript's classes (without the `v` flag)
 * cannot hold. A class without either is written as it is; one with them becomes an expression
 * that takes exactly one character after lookaheads, one per operand of the intersection, each
 * holding its operand's union as alternatives (a negated class, `^`, which since Java 9 negates the
 * whole class, as one negative lookahead). Lookaheads are not backtracked into, so a failing match
 * stays linear as in Java, where alternatives outside them made overlapping unions exponential.
 */
import { patternSyntaxMessage } from "./java-pattern-syntax.ts";
import { javaEscape } from "./java-regex-escapes.ts";
import { isJavaProperty, propertyRanges } from "./java-regex-properties.ts";

/**
 * One operand of `&&`: its parts (each one character's JavaScript: a nested class, or a run of its
 * own characters and ranges as a JavaScript class) and the run being read. A nested class ends a
 * run: Java reads a `-` after it as a literal, never as a range across it.
 */
interface Operand {
  parts: string[];
  run: string;
  /** Whether the run holds a class escape (`\d`, `\p{…}`…), not only characters and ranges. */
  escapes?: boolean;
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
  pattern: string,
  start: number,
  caseInsensitive: boolean,
): { text: string; end: number } {
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
    if (c === "]") {
      i++;
      const text = classExpression(frame);
      const parent = stack.pop();
      if (parent === undefined) return { text, end: i };
      parent.operands.at(-1)!.parts.push(text);
      frame = parent;
      continue;
    }
    if (c === "[") {
      endRun(operand);
      stack.push(frame);
      frame = open();
      continue;
    }
    if (c === "&" && pattern[i + 1] === "&") {
      // Java intersects with the last class read before an empty right side (Pattern.clazz): with
      // only characters and ranges before it, `[a-c&&]`, the class is those. After a class escape
      // or a nested class (`[.\d&&]` is `\d`), or with another after it (`[a&&&b]`), not run here.
      const empty = pattern[i + 2] === "]";
      if (empty && frame.operands.length === 1 && operand.parts.length === 0 && operand.run === "") {
        throw new SyntaxError(patternSyntaxMessage("Bad class syntax", i + 1, pattern));
      }
      if (empty && frame.operands.length === 1 && operand.parts.length === 0 && !operand.escapes) {
        i += 2;
        continue;
      }
      if (empty || pattern[i + 2] === "&") {
        throw new SyntaxError(`Unsupported '&&' with no class after it near index ${i}`);
      }
      endRun(operand);
      frame.operands.push({ parts: [], run: "" });
      i += 2;
      continue;
    }
    if (c !== "\\") {
      operand.run += c;
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
      operand.escapes = true;
      if (caseInsensitive && isJavaProperty(m[1]!)) {
        endRun(operand);
        operand.parts.push(`(?-i:[${chars}])`);
      } else {
        operand.run += chars;
      }
      i += 2 + m[0].length;
      // A `-` after the class is a literal (charSet).
      if (pattern[i] === "-") [operand.run, i] = [`${operand.run}\\-`, i + 1];
      continue;
    }
    const translated = javaEscape(pattern, i, true);
    if (next !== undefined && "dDsSwWhHvV".includes(next)) operand.escapes = true;
    operand.run += translated?.text ?? c + next;
    i += translated?.length ?? 2;
  }
  // javaPatternSyntaxError refuses an unclosed class first.
  throw new SyntaxError(`Unclosed character class near index ${pattern.length - 1}`);
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
