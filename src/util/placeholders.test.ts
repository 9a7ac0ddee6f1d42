import { describe, expect, test } from "bun:test";
import { allTexts } from "../../test/support/all-texts.ts";
import { hasPlaceholder, placeholdersOnlyRanges, placeholdersReplaced } from "./placeholders.ts";

const PLACEHOLDER = /\$\{[^}]*\}/g;

describe("placeholdersReplaced, hasPlaceholder", () => {
  test("answer as /\\$\\{[^}]*\\}/ does, on every text of `$`, `{`, `}`, `a` up to 9 characters", () => {
    let compared = 0;
    for (const text of allTexts(["$", "{", "}", "a"], 9)) {
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

describe("placeholdersOnlyRanges", () => {
  // The definition the HTTP source's keys v0–v3 and the log masking use, on a slice.
  const placeholdersOnly = (text: string) =>
    text.includes("${") && placeholdersReplaced(text, "").replace(/:/g, "") === "";

  test("answers as the definition on every range of every text of `$`, `{`, `}`, `:`, `a` up to 7 characters, asked in any order", () => {
    let compared = 0;
    const differing: Array<readonly [string, number, number]> = [];
    for (const text of allTexts(["$", "{", "}", ":", "a"], 7)) {
      const ranges: Array<readonly [number, number]> = [];
      for (let end = 0; end <= text.length; end++) for (let start = 0; start <= end; start++) ranges.push([start, end]);
      // Starts ascending then descending for each end (walks stop at indexes read already), and ends changing each time.
      const orders = [ranges, ranges.map(([s, e]) => [e - s, e] as const), [...ranges].sort((a, b) => a[0] - b[0])];
      for (const order of orders) {
        const only = placeholdersOnlyRanges(text);
        for (const [start, end] of order)
          if (only(start, end) !== placeholdersOnly(text.slice(start, end))) differing.push([text, start, end]);
      }
      compared++;
    }
    expect(differing).toEqual([]);
    expect(compared).toBe((5 ** 8 - 1) / 4);
  });

  test("many ranges ending at one `@` (1 MB) are answered in linear time", () => {
    for (const text of [`${"//${".repeat(250_000)}}@h`, `${"${a//".repeat(100_000)}}${"${c}".repeat(100_000)}@h`]) {
      const only = placeholdersOnlyRanges(text);
      const end = text.indexOf("@");
      let answered = 0;
      for (let at = text.indexOf("//"); at !== -1; at = text.indexOf("//", at + 2))
        answered += only(at + 2, end) ? 1 : 0;
      expect(answered).toBeGreaterThan(0);
    }
  });
});
