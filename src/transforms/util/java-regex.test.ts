import { describe, expect, test } from "bun:test";
import { JavaException, javaClassOf } from "../../errors.ts";
import { IllegalArgumentError } from "./errors.ts";
import { compileJavaRegex, matches, replaceFirst } from "./java-regex.ts";
import { expectError } from "./test-support.ts";

describe("Java regular expressions", () => {
  test.each<[string, string, boolean]>([
    ["foo", "foo", true],
    ["foo", "foobar", false],
    ["fo+", "foo", true],
    ["a|ab", "ab", true],
    ["\\Qa.b\\E", "a.b", true],
    ["\\Qa.b\\E", "axb", false],
    ["(?i)FOO", "foo", true],
    ["\\Afoo\\z", "foo", true],
    ["a*+b", "aaab", true],
    ["(?>ab)c", "abc", true],
    ["\\p{Alpha}+-\\p{Digit}+", "abc-123", true],
    ["[\\p{Lower}]+", "abc", true],
    ["[]a]+", "]a", true],
    ["(?<name>\\w+)-x", "abc-x", true],
  ])("%p matches %p: %p", (pattern, input, expected) => {
    expect(matches(compileJavaRegex(pattern), input)).toBe(expected);
  });

  // Java quantifies assertions (verified with java.util.regex on Java 17); JS refuses `^*`.
  test.each<[string, boolean, boolean]>([
    ["^*ab", true, true],
    ["ab$?", true, true],
    ["^+ab$+", true, true],
    ["^{2}ab", true, true],
    ["\\b*ab", true, true],
    ["^*+ab", true, true],
    ["^??ab", true, true],
    ["\\Aab\\z?", true, true],
    ["a|^*b", true, false],
    ["^*", true, false],
  ])("a quantified assertion %p: found in 'ab' %p, matches 'ab' %p", (pattern, found, whole) => {
    const compiled = compileJavaRegex(pattern);
    expect([compiled.find.test("ab"), matches(compiled, "ab")]).toEqual([found, whole]);
  });

  test.each([
    "(",
    "[a-",
    "a{2,1}",
    "a(?U)b",
    "\\p{toString}",
    "[\\p{constructor}]",
    "\\p{IsLatin}",
    "[\\R]",
    "[\\G]",
    "\\0",
    "\\X",
    "\\xg",
    "\\x{}",
    "a\\x4",
    "[\\xz]",
    "\\u12",
    // An empty right side of `&&` with a `&` after it after a class, or after a character past U+00FF.
    "[\\w&&&]",
    "[x[a]&&&b]",
    "[\\u0100&&]",
    // Under (?x) as Java: no whitespace inside a repetition's `{` and a property's name.
    "(?x)a{ 2}",
    "(?x)\\p{java Letter}",
  ])("rejects %p", (pattern) => {
    expect(() => compileJavaRegex(pattern)).toThrow(SyntaxError);
  });

  // A class with nested classes or `&&` takes one character without backtracking into its parts,
  // as Java's does: as alternatives, overlapping parts made a failing match exponential (40
  // characters took about an hour), so a regression here hangs until the test's timeout.
  test.each(["[a-z[a-c]]+x", "[a-c[b-d][a-z]]+x", "[a-z&&[a-c][b-d]]+x", "[a-y[b-x]&&[^0-9][^z]]+x"])(
    "%p fails on 5,000 characters without a final x",
    (pattern) => {
      const compiled = compileJavaRegex(pattern);
      const input = "b".repeat(5000);
      expect([matches(compiled, input), compiled.find.test(input), matches(compiled, `${input}x`)]).toEqual([
        false,
        false,
        true,
      ]);
    },
  );

  // Each stays linear in the pattern's length: a quadratic scan of 20,000 groups or classes would hang.
  test.each([
    ["(?x)", `${"(?: a # (\n".repeat(20_000)}${")".repeat(20_000)}`, "a".repeat(20_000)],
    ["(?x)", "[ a ]".repeat(20_000), "a".repeat(20_000)],
    ["", "\\p{javaLetter}".repeat(200), "a".repeat(200)],
    ["(?i)", "\\p{javaLowerCase}[\\P{javaUpperCase}]".repeat(100), "A1".repeat(100)],
  ])("%p and a pattern of %#: compiled and matched", (flags, pattern, input) => {
    const compiled = compileJavaRegex(flags + pattern);
    expect([matches(compiled, input), matches(compiled, `${input}!`)]).toEqual([true, false]);
  });

  test.each<[string, string, string, string]>([
    ["(.*)", "foo", "$1-suffix", "foo-suffix"],
    ["(a)(b)", "ab", "$2$1", "ba"],
    ["(a)", "a", "$10", "a0"],
    ["(a)", "a", "\\$1", "$1"],
    ["(?<x>a)", "a", "$" + "{x}!", "a!"],
    ["a|ab", "ab", "X", "Xb"],
    ["(a)?b", "b", "[$1]", "[]"],
  ])("replaces the first match of %p in %p with %p", (pattern, input, replacement, expected) => {
    expect(replaceFirst(compileJavaRegex(pattern), input, replacement)).toBe(expected);
  });

  test.each([
    ["$", "Illegal group reference: group index is missing"],
    ["$x", "Illegal group reference"],
    ["\\", "character to be escaped is missing"],
    ["$" + "{y}", "No group with name {y}"],
  ])("rejects the replacement %p", (replacement, message) => {
    expectError(() => replaceFirst(compileJavaRegex("(a)"), "a", replacement), IllegalArgumentError, message);
  });

  test("a reference past the last group is an IndexOutOfBoundsException, as in Matcher.appendReplacement", () => {
    let caught: unknown;
    try {
      replaceFirst(compileJavaRegex("(a)"), "a", "$2");
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(JavaException);
    expect([javaClassOf(caught), (caught as Error).message]).toEqual([
      "java.lang.IndexOutOfBoundsException",
      "No group 2",
    ]);
  });
});
