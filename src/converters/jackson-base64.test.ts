import { describe, expect, test } from "bun:test";
import { JavaException } from "../errors.ts";
import { expectError } from "../transforms/util/test-support.ts";
import { jacksonBase64 } from "./jackson-base64.ts";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
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

  // Plain base64 is read by Uint8Array.fromBase64, units after white space one by one: both drop
  // the bits past the last byte (review runhunt2b P2).
  test("reads random bytes the same on both paths, with random bits past the last byte", () => {
    let seed = 42;
    const random = (below: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % below;
    };
    for (let round = 0; round < 300; round++) {
      const bytes = Uint8Array.from({ length: random(40) }, () => random(256));
      const text = [...bytes.toBase64()];
      const pads = text.filter((c) => c === "=").length;
      if (pads > 0) {
        // The last character before the padding: its low 4 (==) or 2 (=) bits are past the last byte.
        const last = text.length - pads - 1;
        const stray = pads === 2 ? 16 : 4;
        const sextet = ALPHABET.indexOf(text[last]!);
        text[last] = ALPHABET[sextet - (sextet % stray) + random(stray)]!;
      }
      const plain = text.join("");
      expect([...jacksonBase64(plain)]).toEqual([...bytes]);
      expect([...jacksonBase64(`AAAA ${plain}`)]).toEqual([0, 0, 0, ...bytes]);
    }
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
    // A surrogate is a defined character to Java: its message holds the lone half (written as ? in
    // the DLQ's headers and the log, error-context-headers.test.ts).
    ["\ud800AAA", "Illegal character '\ud800' (code 0xd800) in base64 content"],
    // Uint8Array.fromBase64 reads these (it skips white space and reads an unpadded last unit).
    [
      "MD k",
      "Illegal white space character (code 0x20) as character #3 of 4-char base64 unit: can only used between units",
    ],
    [
      "AAAAA AB",
      "Illegal white space character (code 0x20) as character #2 of 4-char base64 unit: can only used between units",
    ],
    ["AAAA AA=", PADDING],
  ])("refuses %p with Jackson's InvalidFormatException's message", (text, message) => {
    expectError(
      () => jacksonBase64(text),
      JavaException,
      `Cannot access contents of TextNode as binary due to broken Base64 encoding: ${message}`,
    );
  });
});
