/**
 * Java character classes for java-regex.ts: `[…]` with Java's nested classes (a union: `[a-c[x-z]]`)
 * and `&&` intersections (`[a-z&&[^aeiou]]`), which JavaScript's classes (without the `v` flag)
 * cannot hold. A class without either is written as it is; one with them becomes an expression
 * that matches one character: a union as alternatives, an intersection as lookaheads for all but
 * its last operand, a negated class (`^`, which since Java 9 negates the whole class) as a
 * negative lookahead before any character.
 */
import { escapeLiteral, javaEscape } from "./java-regex-escapes.ts";

/** One operand of `&&`: its own characters and ranges, as a JavaScript class holds them, and its nested classes. */
interface Operand {
  members: string;
  nested: string[];
}

interface ClassFrame {
  readonly negated: boolean;
  readonly operands: Operand[];
}

/**
 * The JavaScript of the Java class opened at `pattern[start]` (a `[`), and where it ends (after its
 * `]`). `posix` gives a `\p{Name}`'s characters as class members. Nesting is followed with a stack,
 * not recursion: 100,000 `[` must not overflow it. Throws SyntaxError for what cannot be run here.
 */
export function translateClass(
  pattern: string,
  start: number,
  posix: (name: string) => string | undefined,
): { text: string; end: number } {
  const stack: ClassFrame[] = [];
  let i = start;
  const open = (): ClassFrame => {
    i++;
    const negated = pattern[i] === "^";
    if (negated) i++;
    const operand: Operand = { members: "", nested: [] };
    // A `]` first in a class is a literal in Java.
    if (pattern[i] === "]") {
      operand.members = "\\]";
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
      parent.operands.at(-1)!.nested.push(text);
      frame = parent;
      continue;
    }
    if (c === "[") {
      stack.push(frame);
      frame = open();
      continue;
    }
    if (c === "&" && pattern[i + 1] === "&") {
      frame.operands.push({ members: "", nested: [] });
      i += 2;
      continue;
    }
    if (c !== "\\") {
      operand.members += c;
      i++;
      continue;
    }
    const next = pattern[i + 1];
    if (next === "Q") {
      const end = pattern.indexOf("\\E", i + 2);
      for (const ch of pattern.slice(i + 2, end < 0 ? pattern.length : end)) operand.members += escapeLiteral(ch);
      i = end < 0 ? pattern.length : end + 2;
      continue;
    }
    if (next === "p" || next === "P") {
      const m = /^\{(?:Is)?([A-Za-z]+)\}/.exec(pattern.slice(i + 2));
      const chars = m ? posix(m[1]!) : undefined;
      if (!m || chars === undefined) {
        throw new SyntaxError(`Unsupported character class near index ${i}: ${pattern.slice(i, i + 12)}`);
      }
      if (next === "P") throw new SyntaxError(`Unsupported negated class inside [] near index ${i}`);
      operand.members += chars;
      i += 2 + m[0].length;
      // A `-` after the class is a literal (charSet).
      if (pattern[i] === "-") [operand.members, i] = [`${operand.members}\\-`, i + 1];
      continue;
    }
    const translated = javaEscape(pattern, i, true);
    operand.members += translated?.text ?? c + next;
    i += translated?.length ?? 2;
  }
  // javaPatternSyntaxError refuses an unclosed class first.
  throw new SyntaxError(`Unclosed character class near index ${pattern.length - 1}`);
}

/** A class's JavaScript: as written when it has one operand and no nested class, else one character's expression. */
function classExpression(frame: ClassFrame): string {
  const [first] = frame.operands;
  if (frame.operands.length === 1 && first!.nested.length === 0)
    return `[${frame.negated ? "^" : ""}${first!.members}]`;
  const unions = frame.operands.map(union).filter((u) => u !== undefined);
  const body =
    unions.length <= 1
      ? (unions[0] ?? "[]")
      : `(?:${unions
          .slice(0, -1)
          .map((u) => `(?=${u})`)
          .join("")}${unions.at(-1)})`;
  return frame.negated ? `(?:(?!${body})[\\s\\S])` : body;
}

/** An operand's members and nested classes as alternatives; undefined when it has none (`[a&&]`). */
function union(operand: Operand): string | undefined {
  const parts = operand.members === "" ? operand.nested : [`[${operand.members}]`, ...operand.nested];
  if (parts.length <= 1) return parts[0];
  return `(?:${parts.join("|")})`;
}
