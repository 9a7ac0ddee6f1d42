import { describe, expect, test } from "bun:test";
import { allTexts } from "../../../test/support/all-texts.ts";
import { globPattern } from "./glob-pattern.ts";

/** The RegExp ingest-acl.ts built before the ReDoS audit (without its `i`): the answers globPattern must keep. */
function globRegExp(glob: string): RegExp {
  const source = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${source}$`, "s");
}

const asciiUpper = (text: string) => text.replace(/[a-z]/g, (c) => c.toUpperCase());
/** asciiUpper remembered per text: the exhaustive case folds the same texts millions of times (5 s timeout under load). */
const folded = new Map<string, string>();
function foldedText(text: string): string {
  const known = folded.get(text);
  if (known !== undefined) return known;
  const upper = asciiUpper(text);
  folded.set(text, upper);
  return upper;
}

/** What globPattern must answer: the RegExp's, ASCII letters folded when ignoring case. */
function expected(glob: string, ignoreCase: boolean): (text: string) => boolean {
  if (!ignoreCase) {
    const re = globRegExp(glob);
    return (text) => re.test(text);
  }
  const re = globRegExp(asciiUpper(glob));
  return (text) => re.test(foldedText(text));
}

describe("globPattern", () => {
  test.each([false, true])(
    "answers as the anchored RegExp for every glob and text of up to 5 (ignoreCase %p)",
    (ignoreCase) => {
      const globs = allTexts(["*", "?", "a", "B", "."], 5);
      const texts = allTexts(["a", "A", "b", "."], 5);
      const wrong: string[][] = [];
      for (const glob of globs) {
        const ours = globPattern(glob, ignoreCase);
        const theirs = expected(glob, ignoreCase);
        for (const text of texts) if (ours.test(text) !== theirs(text)) wrong.push([glob, text]);
      }
      expect(wrong).toEqual([]);
    },
  );

  test.each([false, true])(
    "answers as the RegExp on non-ASCII, surrogates and line breaks (ignoreCase %p)",
    (ignoreCase) => {
      const globs = ["ß", "SS", "?", "??", "é*", "É?", "k", "K", "*\n*", "ſ", "S", "ı", "I"];
      const texts = ["ß", "SS", "ss", "😀", "é\n", "É", "\u212a", "k", "K", "\n", "ſ", "s", "S", "ı", "i", "I"];
      const wrong = globs.flatMap((glob) =>
        texts
          .filter((text) => globPattern(glob, ignoreCase).test(text) !== expected(glob, ignoreCase)(text))
          .map((text) => [glob, text]),
      );
      expect(wrong).toEqual([]);
    },
  );

  // Review of redos (P1): folding by toUpperCase made U+019B and U+A7DC one letter, where the
  // RegExp it replaced (an older Unicode table) kept them apart: a DNS glob admitted another name.
  test("ignoring case folds ASCII letters only: no other code unit matches another", () => {
    const wrong: number[] = [];
    for (let code = 0; code < 0x10000; code++) {
      const c = String.fromCharCode(code);
      const pattern = globPattern(c, true);
      const others = [c.toUpperCase(), c.toLowerCase()].filter((o) => o.length === 1 && o !== c);
      const ascii = /[a-zA-Z]/.test(c);
      if (!pattern.test(c) || others.some((o) => pattern.test(o) !== ascii)) wrong.push(code);
    }
    expect(wrong).toEqual([]);
    expect(globPattern("pump-\u019b.fleet.example", true).test("pump-\ua7dc.fleet.example")).toBe(false);
    expect(globPattern("pump-*.fleet.example", true).test("PUMP-1.Fleet.EXAMPLE")).toBe(true);
  });

  test("a topic of 64k characters against a glob of many * is answered at once (hours before)", () => {
    const text = "a".repeat(64_000);
    expect(globPattern("*a*a*a*a*b").test(text)).toBe(false);
    expect(globPattern("*a*a*a*a*a").test(text)).toBe(true);
  });
});
