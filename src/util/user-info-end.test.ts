import { describe, expect, test } from "bun:test";
import { allTexts } from "../../test/support/all-texts.ts";
import { prng } from "../../test/support/prng.ts";
import { placeholdersReplaced } from "./placeholders.ts";
import { userInfoEnds } from "./user-info-end.ts";

// The reading userInfoEnds replaced (url-credentials.ts and offset-key-v3.ts before it, whose
// remembered `indexOf`s are plain ones here): walks each authority from its start and slices it
// for HOST_PORT, so `//${//${…}${c}${c}…@h` cost quadratic time. The answers must stay its own.
const HOST_PORT = /^(?:[^:[]*|\[[^\]]*\])(?::\d*)?$/;

function userInfoEnd(text: string, start: number, tokenEnd: number, lastAt: number): number {
  let authorityEnd = start;
  let inAuthority = -1;
  let colon = false;
  while (authorityEnd < tokenEnd) {
    const c = text[authorityEnd];
    if (c === "$" && text[authorityEnd + 1] === "{") {
      const close = text.indexOf("}", authorityEnd + 2);
      const at = text.indexOf("@", authorityEnd + 2);
      if (close !== -1 && close < tokenEnd && (at === -1 || close < at)) {
        authorityEnd = close + 1;
        continue;
      }
    }
    if (c === "/" || c === "?" || c === "#") break;
    if (c === "@") inAuthority = authorityEnd;
    else if (c === ":") colon = true;
    authorityEnd++;
  }
  if (inAuthority !== -1) return inAuthority;
  if (!colon || HOST_PORT.test(placeholdersReplaced(text.slice(start, authorityEnd), "0")))
    return userNameEnd(text, authorityEnd, tokenEnd);
  let beforeQuery = -1;
  for (let i = authorityEnd; i < tokenEnd; i++) {
    const c = text[i];
    if (c === "?" || c === "#") break;
    if (c === "@") beforeQuery = i;
  }
  return beforeQuery !== -1 ? beforeQuery : lastAt;
}

function userNameEnd(text: string, authorityEnd: number, tokenEnd: number): number {
  const c = text[authorityEnd];
  if (c !== "?" && c !== "#") return -1;
  for (let i = authorityEnd + 1; i < tokenEnd; i++) {
    const d = text[i]!;
    if (d === "@") return /[\w[]/.test(text[i + 1] ?? "") ? i : -1;
    if (d === "=" || d === "&" || d === ";" || d === "/") return -1;
  }
  return -1;
}

/** Every (start, token end, token's last `@`) a caller may ask of `text`: tokens end at spaces, or at the text's end. */
function questions(text: string): Array<readonly [number, number, number]> {
  const asked: Array<readonly [number, number, number]> = [];
  for (const spaced of [true, false])
    for (let start = 0; start <= text.length; start++) {
      const space = spaced ? text.indexOf(" ", start) : -1;
      const tokenEnd = space === -1 ? text.length : space;
      const lastAt = text.lastIndexOf("@", tokenEnd - 1);
      if (lastAt >= start) asked.push([start, tokenEnd, lastAt]);
    }
  return asked;
}

/** The questions of `texts` userInfoEnds answers otherwise than userInfoEnd, asked in `order`. */
function differences(
  texts: Iterable<string>,
  order: (asked: Array<readonly [number, number, number]>) => Array<readonly [number, number, number]>,
): string[] {
  const differing: string[] = [];
  for (const text of texts) {
    const ends = userInfoEnds(text);
    for (const [start, tokenEnd, lastAt] of order(questions(text))) {
      const expected = userInfoEnd(text, start, tokenEnd, lastAt);
      const actual = ends(start, tokenEnd, lastAt);
      if (actual !== expected) differing.push(`${JSON.stringify(text)} ${start} ${tokenEnd}: ${actual} ≠ ${expected}`);
    }
  }
  return differing;
}

describe("userInfoEnds", () => {
  test("answers as the reading it replaced on every text of 5 pieces over `//` `${` `}` `@` `:` `/` `?` `#` `[` `]` `1` `a` ` `", () => {
    const texts = allTexts(["//", "${", "}", "@", ":", "/", "?", "#", "[", "]", "1", "a", " "], 5);
    expect(texts).toHaveLength((13 ** 6 - 1) / 12);
    expect(differences(texts, (asked) => asked)).toEqual([]);
  });

  test("answers as the reading it replaced on 20,000 seeded longer texts, asked in any order", () => {
    const { random, pick } = prng(20_261_204);
    const pieces = [
      "//",
      "${",
      "}",
      "@",
      ":",
      "/",
      "?",
      "#",
      "=",
      "&",
      ";",
      "[",
      "]",
      "1",
      "a",
      " ",
      "${a}",
      "https://",
    ];
    const texts = Array.from({ length: 20_000 }, () =>
      Array.from({ length: 1 + Math.floor(random() * 24) }, () => pick(pieces)).join(""),
    );
    const shuffled = (asked: Array<readonly [number, number, number]>) =>
      asked
        .map((q) => [random(), q] as const)
        .sort((a, b) => a[0] - b[0])
        .map(([, q]) => q);
    expect(differences(texts, (asked) => asked)).toEqual([]);
    expect(differences(texts, shuffled)).toEqual([]);
  });

  test.each([
    ["placeholders then an `@`", `${"${a//".repeat(200_000)}}${"${c}".repeat(200_000)}@h`],
    ["placeholders then a port", `${"${a//".repeat(200_000)}}${"${c}".repeat(200_000)}:1/p@h`],
    ["placeholders then a user name's `?`", `${"${a//".repeat(200_000)}}?${"a".repeat(1_000_000)}@=`],
    ["placeholders then a password's `/`", `${"${a//".repeat(200_000)}}:x${"/a".repeat(500_000)}?@h`],
    // Rule 2 after every `//`, each authority (`:${`) ending at its own `/` and read on to the one `?`.
    ["authorities with a `:` then a `?`", `//${"${//:".repeat(400_000)}?@}@h`],
  ])("answers after every `//` of %s (about 2 MB) in linear time", (_shape, text) => {
    const ends = userInfoEnds(text);
    const lastAt = text.lastIndexOf("@");
    const answers = new Set<number>();
    for (let at = text.indexOf("//"); at !== -1; at = text.indexOf("//", at + 2))
      answers.add(ends(at + 2, text.length, lastAt));
    expect(answers.size).toBeGreaterThan(0);
  });
});
