import { describe, expect, test } from "bun:test";
import { JsonStreamSplitter } from "./json-stream-splitter.ts";
import { concatenatedJsonTexts } from "./json-text.ts";

/** Splits `text` pushed in pieces of `size` characters; the values in order and the end's rest. */
function splitInPieces(text: string, size: number): { texts: string[]; broken: string | null; rest: string | null } {
  const splitter = new JsonStreamSplitter();
  const texts: string[] = [];
  for (let at = 0; at < text.length; at += size) {
    const split = splitter.push(text.slice(at, at + size));
    texts.push(...split.texts);
    if (split.broken !== null) return { texts, broken: split.broken, rest: null };
  }
  return { texts, broken: null, rest: splitter.end() };
}

describe("JsonStreamSplitter", () => {
  describe("when values arrive whole or in pieces", () => {
    const bodies = [
      '{"value":{"type":"STRING","data":"a"}}{"value":{"data":"AA=="}}',
      '{"a":"}{\\"]"}\n{"b":[1,{"c":"\\\\"}]}\r\n\t[1,2]',
      '"text with } and \\" inside" 12 true null{"x":1}',
      '{"k":"é😀 multi-byte"}{"n":-1.5e3}',
    ];
    test.each(bodies.flatMap((body) => [1, 2, 3, 7, body.length].map((size) => [body, size] as const)))(
      "splits %p in pieces of %p as the whole-body split does",
      (body, size) => {
        const { texts, broken, rest } = splitInPieces(body, size);
        const whole = concatenatedJsonTexts(body);
        // A scalar at the very end completes only at the end of the stream.
        expect(rest === null ? texts : [...texts, rest]).toEqual(whole);
        expect(broken).toBeNull();
      },
    );
  });

  test("returns each value as soon as its text is complete, not at the next one", () => {
    const splitter = new JsonStreamSplitter();
    expect(splitter.push('{"a":{"b":').texts).toEqual([]);
    expect(splitter.pendingLength).toBe(10);
    expect(splitter.push("1}}").texts).toEqual(['{"a":{"b":1}}']);
    expect(splitter.pendingLength).toBe(0);
    expect(splitter.push('  "s"').texts).toEqual(['"s"']);
    expect(splitter.push(" 42").texts).toEqual([]);
    expect(splitter.push("\n").texts).toEqual(["42"]);
  });

  test.each(["}", "]", ","])(
    "a value starting with %p makes the rest one broken text (as read so far), as the whole-body split's last element",
    (stray) => {
      const body = `{"a":1} ${stray}{"b":2}`;
      const whole = concatenatedJsonTexts(body);
      const { texts, broken } = splitInPieces(body, 4);
      expect(texts).toEqual(whole.slice(0, -1));
      expect(broken).toBe(`${stray}{"b`);
      expect(whole.at(-1)).toStartWith(broken!);
      expect(splitInPieces(body, body.length).broken).toBe(whole.at(-1)!);
    },
  );

  test("a value still open at the end is the end's rest (parsing it reports the error)", () => {
    const splitter = new JsonStreamSplitter();
    expect(splitter.push('{"a":1}{"b":"unterminated').texts).toEqual(['{"a":1}']);
    expect(splitter.end()).toBe('{"b":"unterminated');
    expect(splitter.end()).toBeNull();
  });

  test("white space alone holds nothing", () => {
    const splitter = new JsonStreamSplitter();
    expect(splitter.push(" \r\n\t ")).toEqual({ texts: [], broken: null });
    expect(splitter.pendingLength).toBe(0);
    expect(splitter.end()).toBeNull();
  });

  test.each([
    ["a string value", `{"data":"${"x".repeat(20_000)}"}`],
    ["a scalar", "1".repeat(20_000)],
    ["nested arrays", `${"[".repeat(5_000)}${"]".repeat(5_000)}`],
  ])(
    "each character of %s pushed one at a time is examined O(log n) times, and held in O(log n) strings",
    (_, value) => {
      const whole = new JsonStreamSplitter();
      const atOnce = [...whole.push(`${value} `).texts];
      const splitter = new JsonStreamSplitter();
      const texts: string[] = [];
      // Stopped once past the bound: re-reading every piece held at each push is quadratic.
      const log = Math.ceil(Math.log2(value.length + 1));
      const bound = (log + 2) * whole.examined + 4;
      let pieces = 0;
      for (const c of `${value} `) {
        texts.push(...splitter.push(c).texts);
        pieces = Math.max(pieces, splitter.pendingPieces);
        if (splitter.examined > bound) break;
      }
      expect(splitter.examined).toBeLessThanOrEqual(bound);
      // One string a character held 40x the value's size in memory (a chunked body of 1-byte chunks).
      expect(pieces).toBeLessThanOrEqual(log + 1);
      expect(whole.examined).toBeLessThanOrEqual(2 * (value.length + 1));
      expect(texts).toEqual([value]);
      expect(atOnce).toEqual([value]);
    },
  );
});
