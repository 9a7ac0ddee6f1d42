import { describe, expect, test } from "bun:test";
import { allTexts } from "../../test/support/all-texts.ts";
import { forwardSearch } from "./forward-search.ts";

describe("forwardSearch", () => {
  test("answers as indexOf for every text of up to 6 of a b } and every run of queries over it", () => {
    const texts = allTexts(["a", "b", "}"], 6);
    const wrong: unknown[] = [];
    for (const text of texts) {
      for (const step of [1, 2, 3]) {
        const find = forwardSearch(text);
        // Forward, then backward: a query behind the remembered one searches again.
        const froms = [...Array(text.length + 2).keys()];
        for (const from of [...froms.filter((f) => f % step === 0), ...froms.reverse()]) {
          for (const needle of ["}", "b", "ab"]) {
            if (find(needle, from) !== text.indexOf(needle, from)) wrong.push({ text, needle, from });
          }
        }
      }
    }
    expect(wrong).toEqual([]);
  });
});
