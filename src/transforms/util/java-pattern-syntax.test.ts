import { describe, expect, test } from "bun:test";
import { javaPatternSyntaxError, patternSyntaxMessage } from "./java-pattern-syntax.ts";
import { compileJavaRegex } from "./java-regex.ts";

describe("javaPatternSyntaxError", () => {
  test.each<[string, string]>([
    ["(abc", "Unclosed group near index 4\n(abc"],
    [")", "Unmatched closing ')'\n)"],
    ["a**", "Dangling meta character '*' near index 2\na**\n  ^"],
    ["a*?+", "Dangling meta character '+' near index 3\na*?+\n   ^"],
    ["(|+)", "Dangling meta character '+' near index 2\n(|+)\n  ^"],
    ["(?i)*", "Dangling meta character '*' near index 4\n(?i)*\n    ^"],
    ["[^]", "Unclosed character class near index 2\n[^]\n  ^"],
    ["[a\\", "Unclosed character class near index 3\n[a\\"],
    ["x{", "Illegal repetition near index 2\nx{"],
    ["ab{x}cd", "Illegal repetition near index 3\nab{x}cd\n   ^"],
    ["a{,3}", "Illegal repetition near index 2\na{,3}\n  ^"],
    ["a{2", "Unclosed counted closure near index 3\na{2"],
    ["a{3,2}", "Illegal repetition range near index 5\na{3,2}\n     ^"],
    ["(?iz)a", "Unknown inline modifier near index 3\n(?iz)a\n   ^"],
    ["(?<n", "named capturing group is missing trailing '>' near index 4\n(?<n"],
    ["(?<na-b>x)", "named capturing group is missing trailing '>' near index 5\n(?<na-b>x)\n     ^"],
  ])("%p: %p", (pattern, message) => {
    expect(javaPatternSyntaxError(pattern)).toBe(message);
  });

  test.each([
    "a*+",
    "a*?",
    "a{2}+",
    "a{2,}?",
    "[a-z]+",
    "[]a]",
    "[a-]",
    "[\\w-]",
    "[a[b]]",
    "(?i)x",
    "(?i:x)+",
    "(?<=a)b",
    "(?<!a)b",
    "(?>ab)+c",
    "(?<n>x)\\k<n>",
    "\\Q(*\\E",
    "^$",
    "^*",
    "$?",
    "^+a$*",
    "a|",
  ])("accepts %p", (pattern) => {
    expect(javaPatternSyntaxError(pattern)).toBeUndefined();
  });
});

describe("compileJavaRegex's message for what only JavaScript refuses", () => {
  test("names JavaScript's reason once, then the pattern as written", () => {
    expect(() => compileJavaRegex("a{2}{3}")).toThrow("Invalid regular expression (nothing to repeat)\na{2}{3}");
  });
});

describe("a class of many unclosed \\p{ (each searched the rest of the pattern for its }: ReDoS audit)", () => {
  // Answers pinned against the previous scanner over every pattern of up to 6 of \ p x { } [ ] k < > a (.
  test("[ then 333k \\p{ (1 MB) is checked at once (minutes before; 160 KB: 8 s)", () => {
    const pattern = `[${"\\p{".repeat(333_333)}`;
    expect(javaPatternSyntaxError(pattern)).toBe(
      `Unclosed character class near index ${pattern.length - 1}\n${pattern}\n${" ".repeat(pattern.length - 1)}^`,
    );
  });
});

// Review of redos (P2): classEnd recursed into nested classes; 100,000 `[` overflowed the stack.
describe("nested character classes", () => {
  test("100,000 unclosed `[` are Java's Unclosed character class, not a stack overflow", () => {
    const pattern = "[".repeat(100_000);
    expect(javaPatternSyntaxError(pattern)).toBe(
      patternSyntaxMessage("Unclosed character class", pattern.length - 1, pattern),
    );
  });

  test("100,000 nested classes closed in turn are valid", () => {
    expect(javaPatternSyntaxError(`${"[a".repeat(100_000)}${"]".repeat(100_000)}`)).toBeUndefined();
  });
});
