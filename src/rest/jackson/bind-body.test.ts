/**
 * What Jackson 2.21's parser (Connect 4.3.1) refuses beyond plain syntax errors, as a real Connect
 * worker answered (the whole requests are recorded in test/fixtures/connect-rest/edge-recordings.json):
 * trailing tokens, comments, non-standard numbers, misplaced separators and closers, numbers cut
 * short by the end of the input, and broken surrogate pairs in field names.
 */
import { describe, expect, test } from "bun:test";
import { bindConnectorOffsets, bindStringMap } from "./bind.ts";
import { bindBody } from "./bind-body.ts";

const AT = (column: number) =>
  `\n at [Source: REDACTED (\`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION\` disabled); line: 1, column: ${column}]`;

function validate(body: string): string {
  try {
    return JSON.stringify(bindBody(new TextEncoder().encode(body), bindStringMap, "java.util.Map"));
  } catch (error) {
    return (error as Error).message;
  }
}

const trailing = (type: string, column: number) =>
  `Trailing token (of type ${type}) found after value (bound as \`java.util.Map\`): not allowed as per \`DeserializationFeature.FAIL_ON_TRAILING_TOKENS\`${AT(column)}`;
const NON_NUMERIC = "enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow";
const COMMENT =
  "Unexpected character ('/' (code 47)): maybe a (non-standard) comment? (not recognized as one since Feature 'ALLOW_COMMENTS' not enabled for parser)";
const PLUS =
  "Unexpected character ('+' (code 43)) in numeric value: JSON spec does not allow numbers to have plus signs: enable `JsonReadFeature.ALLOW_LEADING_PLUS_SIGN_FOR_NUMBERS` to allow";
const VALUES = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')";

describe("bindBody refuses what Connect's Jackson refuses", () => {
  test.each([
    ["{}{}", trailing("START_OBJECT", 3)],
    ['{"a":"b"} []', trailing("START_ARRAY", 11)],
    ['{"a":"b"} "x', trailing("VALUE_STRING", 11)],
    ['{"a":"b"} 12', trailing("VALUE_NUMBER_INT", 11)],
    ["null {}", trailing("START_OBJECT", 6)],
    ['{"a":"b"}  ', '{"a":"b"}'],
    ['{"a":"b"}1.5x', `Unexpected character ('x' (code 120)): Expected space separating root-level values${AT(13)}`],
    ["1x", `Unexpected character ('x' (code 120)): Expected space separating root-level values${AT(2)}`],
    ["{} /", `${COMMENT}${AT(4)}`],
    ['{"a"/:"b"}', `${COMMENT}${AT(5)}`],
    ["{} ,", `Unexpected character (',' (code 44)): expected a value${AT(4)}`],
    ['{"a":}', `Unexpected character ('}' (code 125)): expected a value${AT(6)}`],
    ['{"a":]', `Unexpected character (']' (code 93)): expected a valid value ${VALUES}${AT(6)}`],
    ['{"a":NaN}', `Non-standard token 'NaN': ${NON_NUMERIC}${AT(9)}`],
    ['{"a":-Infinity}', `Non-standard token '-Infinity': ${NON_NUMERIC}${AT(15)}`],
    ['{"a":+Infinity}', `Non-standard token '+Infinity': ${NON_NUMERIC}${AT(15)}`],
    ['{"a":-Inf}', `Unrecognized token '-Inf': was expecting ${VALUES}${AT(6)}`],
    ['{"a":NaNx}', `Unrecognized token 'NaNx': was expecting ${VALUES}${AT(6)}`],
    ['{"a":+1}', `${PLUS}${AT(7)}`],
    ['{"a":+', `Unexpected end-of-input in a Number value${AT(7)}`],
    ['{"a":-', `Unexpected end-of-input in FIELD_NAME${AT(7)}`],
    ["-", `Unexpected end-of-input in null${AT(2)}`],
    ['{"a":1e+', `Unexpected end-of-input in FIELD_NAME${AT(9)}`],
    ['{"a":1.', `Unexpected character ('.' (code 46)) in numeric value: Decimal point not followed by a digit${AT(7)}`],
    ["}", `Unexpected close marker '}': no open Object to close${AT(1)}`],
    [
      '{"a":"b"]',
      `Unexpected close marker ']': expected '}' (for Object starting at [Source: REDACTED (\`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION\` disabled); line: 1, column: 1])${AT(9)}`,
    ],
    [
      '{"a\\ud800":"b"}',
      `Broken surrogate pair in field name: expected '\\' to start low surrogate, got 0x22${AT(10)}`,
    ],
    ['{"a\\ud800\\n":"b"}', `Broken surrogate pair in field name: expected low surrogate, got 0x000A${AT(12)}`],
    ['{"\\udc00":"b"}', `Unexpected low surrogate in field name: 0xdc00${AT(9)}`],
    ['{"a\\ud800\\udc00":"\\ud800x"}', JSON.stringify({ "a\ud800\udc00": "\ud800x" })],
  ])("%s", (body, expected) => {
    expect(validate(body)).toBe(expected);
  });

  const limit = (what: string, max: number, getter: string) =>
    `${what} exceeds the maximum allowed (${max}, from \`StreamReadConstraints.${getter}()\`)`;

  test("numbers of more than 1000 digits (integer, fraction and exponent together) are refused, without a location", () => {
    expect(validate(`{"a":-${"1".repeat(1000)}}`)).toBe(JSON.stringify({ a: `-${"1".repeat(1000)}` }));
    for (const n of ["1".repeat(1001), `1.${"1".repeat(1000)}`, `-1e${"1".repeat(1000)}`]) {
      expect(validate(`{"a":${n}}`)).toBe(limit("Number value length (1001)", 1000, "getMaxNumberLength"));
    }
  });

  test("field names of more than 50000 characters are refused", () => {
    expect(validate(`{"${"n".repeat(50_001)}":"x"}`)).toBe(limit("Name length (50001)", 50_000, "getMaxNameLength"));
  });

  test("nesting deeper than 1000 levels is refused before it is read (no stack overflow however deep)", () => {
    const nested = (depth: number) =>
      `{"offsets":[{"partition":{"a":${"[".repeat(depth)}${"]".repeat(depth)}},"offset":{}}]}`;
    const bound = (body: string) => {
      try {
        return JSON.stringify(bindBody(new TextEncoder().encode(body), bindConnectorOffsets, "T"));
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(bound(nested(996))).toStartWith('{"offsets":[{"partition":{"a":[[[');
    const refused = `${limit("Document nesting depth (1001)", 1000, "getMaxNestingDepth")} (through reference chain: org.apache.kafka.connect.runtime.rest.entities.ConnectorOffsets["offsets"]->java.util.ArrayList[0]->org.apache.kafka.connect.runtime.rest.entities.ConnectorOffset["partition"])`;
    expect(bound(nested(997))).toBe(refused);
    expect(bound(nested(200_000))).toBe(refused);
  });
});

describe("non-ASCII bytes where JSON has no place for them (as Jackson 2.21 reads them)", () => {
  const bytes = (...b: number[]) => {
    try {
      return JSON.stringify(bindBody(Uint8Array.from(b), bindStringMap, "java.util.Map"));
    } catch (error) {
      return (error as Error).message;
    }
  };
  const value = (...b: number[]) => bytes(0x7b, 0x22, 0x61, 0x22, 0x3a, ...b, 0x7d);

  test("a lead byte that is a Latin-1 letter starts a bad token, read on decoded", () => {
    expect(value(0xc3, 0xa9)).toBe(`Invalid UTF-8 start byte 0xa9${AT(8)}`);
    expect(value(0xff)).toBe(`Unrecognized token 'ÿ': was expecting ${VALUES}${AT(6)}`);
    expect(value(0xc3, 0x61)).toBe(`Unrecognized token 'Ãa': was expecting ${VALUES}${AT(6)}`);
    expect(value(0x74, 0x72, 0x75, 0xc3, 0xa9)).toBe(`Unrecognized token 'trué': was expecting ${VALUES}${AT(6)}`);
  });

  test("another lead byte is an unexpected character of its own; a field name's first is decoded", () => {
    expect(value(0xd7, 0x90)).toBe(`Unexpected character ('×' (code 215)): expected a valid value ${VALUES}${AT(6)}`);
    expect(bytes(0x7b, 0xc3, 0xa9, 0x3a, 0x31, 0x7d)).toBe(
      `Unexpected character ('é' (code 233)): was expecting double-quote to start field name${AT(3)}`,
    );
    expect(value(0x31, 0x20, 0xc3, 0xa9)).toBe(
      `Unexpected character ('Ã' (code 195)): was expecting comma to separate Object entries${AT(8)}`,
    );
  });

  test("after a whole literal the next character is decoded from its own lead byte: a UTF-8 error", () => {
    expect(value(0x74, 0x72, 0x75, 0x65, 0xc3, 0xa9)).toBe(`Invalid UTF-8 middle byte 0xc3${AT(11)}`);
    expect(value(0x74, 0x72, 0x75, 0x65, 0xff)).toBe(`Invalid UTF-8 start byte 0xff${AT(10)}`);
    expect(value(0x4e, 0x61, 0x4e, 0xc3, 0xa9)).toBe(`Invalid UTF-8 middle byte 0xc3${AT(10)}`);
  });
});

describe("a bad token in Jackson's message is cut at 256 characters, with '...' (ErrorReportConfiguration)", () => {
  const a = (n: number) => "a".repeat(n);
  test.each([
    [`{"k":${a(255)}}`, `Unrecognized token '${a(255)}': was expecting ${VALUES}${AT(6)}`],
    [`{"k":${a(256)}}`, `Unrecognized token '${a(256)}...': was expecting ${VALUES}${AT(6)}`],
    [`{"k":${a(100_000)}}`, `Unrecognized token '${a(256)}...': was expecting ${VALUES}${AT(6)}`],
    [`{"k":tru${a(300)}}`, `Unrecognized token 'tru${a(253)}...': was expecting ${VALUES}${AT(6)}`],
    [`{"k":-I${a(300)}}`, `Unrecognized token '-I${a(254)}...': was expecting ${VALUES}${AT(6)}`],
  ])("%#", (body, message) => {
    expect(validate(body)).toBe(message);
  });

  test("a token begun by a Latin-1 lead byte too", () => {
    const body = Uint8Array.from([
      ...new TextEncoder().encode('{"k":'),
      0xc3,
      ...new TextEncoder().encode(`${a(300)}}`),
    ]);
    expect(() => bindBody(body, bindStringMap, "java.util.Map")).toThrow(
      `Unrecognized token 'Ã${a(255)}...': was expecting ${VALUES}${AT(6)}`,
    );
  });
});
