import { describe, expect, test } from "bun:test";
import { arrayElementTexts, concatenatedJsonTexts } from "./json-text.ts";
import { parseNativeBody } from "./native-body.ts";
import { parseV2Body, V2_JSON } from "./rest-proxy-v2.ts";
import { parseV3Batch, parseV3Records } from "./rest-proxy-v3.ts";
import { bytes, post, testSettings } from "./test-support.ts";

describe("json-text", () => {
  test("array elements keep their text; quotes escaped by odd backslash runs stay inside strings", () => {
    const text = String.raw`[1, "a\"b", {"x":"\\"}, ["]"], "\\\"", null ,true, {"a":[1,{"b":"}"}]}]`;
    const elements = arrayElementTexts(text);
    expect(elements).toEqual([
      "1",
      String.raw`"a\"b"`,
      String.raw`{"x":"\\"}`,
      `["]"]`,
      String.raw`"\\\""`,
      "null",
      "true",
      `{"a":[1,{"b":"}"}]}`,
    ]);
    expect(elements.map((e) => JSON.parse(e))).toEqual(JSON.parse(text));
    expect(arrayElementTexts(" [ ] ")).toEqual([]);
  });

  test("concatenated values split; an unterminated string is the last fragment", () => {
    expect(concatenatedJsonTexts(String.raw`{"a":"\"}"}{"b":1}` + `\n{"c":"x`)).toEqual([
      String.raw`{"a":"\"}"}`,
      `{"b":1}`,
      `{"c":"x`,
    ]);
  });

  test.each([
    [' "s" 12 true{"a":[1]}null ', ['"s"', "12", "true", '{"a":[1]}', "null"]],
    ['{"a":1} }{"b":2}', ['{"a":1}', '}{"b":2}']],
    ['{"a":1},{"b":2}', ['{"a":1}', ',{"b":2}']],
    [String.raw`{"a":"\\"}"b\""`, [String.raw`{"a":"\\"}`, String.raw`"b\""`]],
    [" \r\n\t ", []],
  ])(
    "concatenated values of %p split into %p (a stray `}`, `]` or `,` starts the last, broken, text)",
    (body, texts) => {
      expect(concatenatedJsonTexts(body)).toEqual(texts);
    },
  );
});

describe("ingest.max.json.depth: every body shape is checked before it is parsed (P1.2)", () => {
  const deep = (depth: number) => `${"[".repeat(depth)}1${"]".repeat(depth)}`;
  const settings = testSettings({ "ingest.max.json.depth": "5" });
  const refused = (what: string) => ({
    status: 400,
    errorCode: 400,
    message: `${what} nests arrays and objects more than 5 levels deep (ingest.max.json.depth)`,
  });
  const parsing = (parse: () => unknown) => {
    try {
      parse();
    } catch (error) {
      return error;
    }
    return "parsed";
  };
  const nativeBody = (body: string, type: string) => () => parseNativeBody(settings, post(body, type), bytes(body), 0);
  const v2 = (value: string) => () => {
    const body = `{"records":[{"value":${value}}]}`;
    return parseV2Body(settings, post(body, V2_JSON), bytes(body), 0, "json", null);
  };
  const v3 = (value: string) => () => {
    const body = `{"value":{"type":"JSON","data":${value}}}`;
    return parseV3Records(settings, post(body, "application/json"), bytes(body), 0);
  };
  const v3Batch = (value: string) => () => {
    const body = `{"entries":[{"id":"1","value":{"type":"JSON","data":${value}}}]}`;
    return parseV3Batch(settings, post(body, "application/json"), bytes(body), 0);
  };

  test("at the limit every shape parses", () => {
    // v2 and v3 wrap the value in 3 levels of their own.
    expect(parsing(nativeBody(deep(5), "application/json"))).toBe("parsed");
    expect(parsing(nativeBody(`1\n${deep(5)}`, "application/x-ndjson"))).toBe("parsed");
    expect(parsing(v2(deep(2)))).toBe("parsed");
    expect(parsing(v3(deep(3)))).toBe("parsed");
    expect(parsing(v3Batch(deep(1)))).toBe("parsed");
  });

  test("one level more is 400 with the limit's name, before anything is parsed", () => {
    expect(parsing(nativeBody(deep(6), "application/json"))).toMatchObject(refused("The JSON body"));
    expect(parsing(nativeBody(`1\n${deep(6)}`, "application/x-ndjson"))).toMatchObject(refused("NDJSON line 2"));
    expect(parsing(v2(deep(3)))).toMatchObject(refused("The JSON body"));
    expect(parsing(v3(deep(4)))).toMatchObject(refused("The JSON body"));
    expect(parsing(v3Batch(deep(2)))).toMatchObject(refused("The JSON body"));
  });

  test("100,000 levels (200 KB) are refused, not parsed: the default limit is 100", () => {
    expect(testSettings().limits.maxJsonDepth).toBe(100);
    const body = deep(100_000);
    expect(
      parsing(() => parseNativeBody(testSettings(), post(body, "application/json"), bytes(body), 0)),
    ).toMatchObject({
      status: 400,
      message: "The JSON body nests arrays and objects more than 100 levels deep (ingest.max.json.depth)",
    });
  });
});
