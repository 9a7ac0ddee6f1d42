import { describe, expect, test } from "bun:test";
import { javaIntPathParam } from "./java-int-param.ts";

describe("a path parameter Jersey converts to a Java int", () => {
  test("what Integer.valueOf takes", () => {
    const taken: [string, number][] = [
      ["0", 0],
      ["+0", 0],
      ["-0", 0],
      ["007", 7],
      ["-1", -1],
      ["2147483647", 2_147_483_647],
      ["-2147483648", -2_147_483_648],
      ["\u0661\u0662", 12], // Arabic-Indic digits: Character.digit reads them
      ["\uff13", 3], // a fullwidth digit
    ];
    for (const [text, value] of taken) expect([text, javaIntPathParam(text)]).toEqual([text, value]);
  });

  test("what it refuses (Jersey's plain 404)", () => {
    for (const text of [
      "",
      "+",
      "-",
      "0x0",
      "1e0",
      " 0",
      "0 ",
      "1.0",
      "2147483648",
      "-2147483649",
      "99999999999",
      "--1",
      "\u{1d7ce}",
    ])
      expect([text, javaIntPathParam(text)]).toEqual([text, undefined]);
  });
});
