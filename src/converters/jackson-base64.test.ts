import { describe, expect, test } from "bun:test";
import { JavaException } from "../errors.ts";
import { expectError } from "../transforms/util/test-support.ts";
import { jacksonBase64 } from "./jackson-base64.ts";

const PADDING =
  "Unexpected end of base64-encoded String: base64 variant 'MIME-NO-LINEFEEDS' expects padding (one or more '=' characters) at the end. This Base64Variant might have been incorrectly configured";

// What `new TextNode(text).binaryValue()` gives with jackson-databind 2.21.2 (Apache Connect 4.3.1's
// classpath), run once for these texts (review runhunt2).
describe("jacksonBase64 (Jackson's TextNode.binaryValue())", () => {
  test.each<[string, number[]]>([
    [" MDk= ", [48, 57]],
    ["\tMDk=\n", [48, 57]],
    ["MDk= MDk=", [48, 57, 48, 57]],
    ["AB==", [0]],
    ["AAB=", [0, 0]],
    ["AA==\u0001", [0]],
    ["", []],
  ])("reads %p", (text, bytes) => {
    expect([...jacksonBase64(text)]).toEqual(bytes);
  });

  // A quadratic trim (a regex anchored at the end retried from each start in the run) takes
  // minutes on 1 MB and times the test out; a linear one reads it at once (review runhunt2b P1).
  test("reads units around a 1 MB run of white space, and trims 1 MB runs at both ends", () => {
    const run = " \t\n".repeat(350_000);
    expect([...jacksonBase64(`MDk=${run}AQID`)]).toEqual([48, 57, 1, 2, 3]);
    expect([...jacksonBase64(`${run}AQID${run}`)]).toEqual([1, 2, 3]);
  });

  test.each([
    ["!!", "Illegal character '!' (code 0x21) in base64 content"],
    ["AA=", PADDING],
    ["A ", PADDING],
    ["AQI", PADDING],
    ["AA==x", PADDING],
    [
      "MD k=",
      "Illegal white space character (code 0x20) as character #3 of 4-char base64 unit: can only used between units",
    ],
    [
      "=AAA",
      "Unexpected padding character ('=') as character #1 of 4-char base64 unit: padding only legal as 3rd or 4th character",
    ],
    [
      "A=AA",
      "Unexpected padding character ('=') as character #2 of 4-char base64 unit: padding only legal as 3rd or 4th character",
    ],
    ["AA=x", "Illegal character 'x' (code 0x78) in base64 content: expected padding character '='"],
    ["éAAA", "Illegal character 'é' (code 0xe9) in base64 content"],
    ["\u0085AAA", "Illegal character (code 0x85) in base64 content"],
    ["\u0378AAA", "Illegal character (code 0x378) in base64 content"],
    ["MDk=\u00a0", "Illegal character '\u00a0' (code 0xa0) in base64 content"],
  ])("refuses %p with Jackson's InvalidFormatException's message", (text, message) => {
    expectError(
      () => jacksonBase64(text),
      JavaException,
      `Cannot access contents of TextNode as binary due to broken Base64 encoding: ${message}`,
    );
  });
});
