import { describe, expect, test } from "bun:test";
import { traceOf } from "../errors.ts";
import { JsonNumberText, parseJson } from "./json-text.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("parseJson", () => {
  describe("long integers (epoch micro/nanosecond timestamps) without the reviver path", () => {
    test("integers beyond 2^53 become exact bigints, wherever they are nested", () => {
      expect(
        parseJson(
          bytes('{"ts":1732960000123456789,"list":[-9223372036854775808,1],"inner":{"n":18446744073709551615}}'),
        ),
      ).toEqual({
        ts: 1732960000123456789n,
        list: [-9223372036854775808n, 1],
        inner: { n: 18446744073709551615n },
      });
    });

    test("safe 16-digit integers stay numbers; digit runs inside strings stay untouched strings", () => {
      expect(
        parseJson(bytes('{"us":1732960000123456,"id":"12345678901234567890","s":"a\\"12345678901234567890"}')),
      ).toEqual({ us: 1732960000123456, id: "12345678901234567890", s: 'a"12345678901234567890' });
    });

    test("a __proto__ key next to a long integer stays an own property", () => {
      const parsed = parseJson(bytes('{"__proto__":{"x":1},"n":12345678901234567890}')) as Record<string, unknown>;
      expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(parsed, "__proto__")?.value).toEqual({ x: 1 });
      expect(parsed.n).toBe(12345678901234567890n);
    });

    test("a long digit run in a fraction still takes the exact path (source text kept)", () => {
      expect(parseJson(bytes('{"d":0.12345678901234567890,"n":12345678901234567890}'))).toEqual({
        d: new JsonNumberText("0.12345678901234567890"),
        n: 12345678901234567890n,
      });
    });

    test("invalid JSON around a long integer is still a DataError", () => {
      expect(() => parseJson(bytes('{"n":12345678901234567890'))).toThrow(
        "Converting byte[] to Kafka Connect data failed due to serialization error",
      );
    });
  });

  test("a parse failure chains its causes as Apache's JsonConverter does (test/fixtures/runtime)", () => {
    let trace: string[] = [];
    try {
      parseJson(bytes("not json"));
    } catch (error) {
      trace = traceOf(error)
        .split("\n")
        .filter((l) => !l.startsWith("\tat "));
    }
    expect(trace.map((l) => l.replace(/(JsonParseException: ).*$/, "$1…"))).toEqual([
      "org.apache.kafka.connect.errors.DataException: Converting byte[] to Kafka Connect data failed due to serialization error: ",
      "Caused by: org.apache.kafka.common.errors.SerializationException: com.fasterxml.jackson.core.JsonParseException: …",
      "Caused by: com.fasterxml.jackson.core.JsonParseException: …",
    ]);
  });

  test("bytes after the first value are never decoded, as Jackson never reads them; the value itself must be UTF-8", () => {
    expect(parseJson(new Uint8Array([...bytes("[1] "), 0xff]))).toEqual([1]);
    expect(parseJson(new Uint8Array([...bytes('{"a":1}'), 0xc3]))).toEqual({ a: 1 });
    expect(() => parseJson(new Uint8Array([0x5b, 0xff, 0x5d, 0x20, 0x31]))).toThrow(
      "Converting byte[] to Kafka Connect data failed due to serialization error",
    );
  });

  // Review runhunt5 #6: an integral double's token was checked with Number(), which reads `.5e1` as 5.
  test.each([["[-.5e1]"], ["[.5e1]"], ["[1.]"], ["[1.e5]"], ["[+1e5]"]])(
    "%s is not a JSON number, as Jackson refuses it, on the exact path too",
    (text) => {
      expect(() => parseJson(bytes(text), true)).toThrow("failed due to serialization error");
      expect(() => parseJson(bytes(text))).toThrow("failed due to serialization error");
    },
  );
});
