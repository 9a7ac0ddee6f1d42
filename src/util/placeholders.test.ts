import { describe, expect, test } from "bun:test";
import { hasPlaceholder, placeholdersReplaced } from "./placeholders.ts";

const PLACEHOLDER = /\$\{[^}]*\}/g;

/** Every text over `alphabet` of each length up to `max`. */
function* texts(alphabet: readonly string[], max: number): Generator<string> {
  let level = [""];
  for (let length = 0; length <= max; length++) {
    yield* level;
    level = level.flatMap((text) => alphabet.map((c) => text + c));
  }
}

describe("placeholdersReplaced, hasPlaceholder", () => {
  test("answer as /\\$\\{[^}]*\\}/ does, on every text of `$`, `{`, `}`, `a` up to 9 characters", () => {
    let compared = 0;
    for (const text of texts(["$", "{", "}", "a"], 9)) {
      for (const by of ["", "0", "h"]) expect(placeholdersReplaced(text, by)).toBe(text.replace(PLACEHOLDER, by));
      expect(hasPlaceholder(text)).toBe(new RegExp(PLACEHOLDER.source).test(text));
      compared++;
    }
    expect(compared).toBe((4 ** 10 - 1) / 3);
  });

  test.each([
    ["http://h:${offset}/x?a=${secrets:api/t}", "http://h:0/x?a=0"],
    ["${a}${b}:${c", "00:${c"],
    ["$${a}}", "$0}"],
  ])("%s → %s", (text, expected) => expect(placeholdersReplaced(text, "0")).toBe(expected));

  test("many unclosed `${` (1 MB) are read to the end", () => {
    const text = `u:p${"${".repeat(500_000)}@h`;
    expect(placeholdersReplaced(text, "")).toBe(text);
    expect(placeholdersReplaced(`${text}}`, "")).toBe("u:p");
    expect(hasPlaceholder(text)).toBe(false);
  });
});
