/**
 * java-regex.ts against java.util.regex itself (test/fixtures/java-regex/generate.sh recorded
 * java-regex.json): possessive quantifiers and atomic groups never backtrack, as in Java (review
 * P3: they ran as greedy and non-capturing groups, so `a*+a` matched "aaa" where Java matches
 * nothing), with the groups numbered as Java numbers them.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compileJavaRegex, matches, replaceFirst } from "./java-regex.ts";

interface Case {
  pattern: string;
  input: string;
  replacement: string;
  matches: boolean;
  find: string | null;
  replaceFirst: string;
}

const cases: Case[] = JSON.parse(
  readFileSync(join(import.meta.dir, "../../../test/fixtures/java-regex/java-regex.json"), "utf8"),
);

describe("Java regular expressions, as java.util.regex answers", () => {
  test.each(cases.map((c) => [c.pattern, c.input, c] as const))("%p on %p", (_pattern, _input, c) => {
    const p = compileJavaRegex(c.pattern);
    expect({
      matches: matches(p, c.input),
      find: p.find.exec(c.input)?.[0] ?? null,
      replaceFirst: replaceFirst(p, c.input, c.replacement),
    }).toEqual({ matches: c.matches, find: c.find, replaceFirst: c.replaceFirst });
  });
});
