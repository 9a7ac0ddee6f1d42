import { describe, expect, test } from "bun:test";
import { chunkedDecoder, contentLengthDecoder, type Decoded } from "./body-decoder.ts";
import { metered } from "./byte-meter-test-support.ts";

const bytes = (text: string) => Buffer.from(text, "latin1");
const text = (d: Decoded) => d.data.map((b) => Buffer.from(b).toString("latin1")).join("");

describe("contentLengthDecoder", () => {
  test("takes exactly the declared bytes and leaves the next request's", () => {
    const decoder = contentLengthDecoder(5);
    const a = decoder.decode(bytes("hel"));
    expect([text(a), a.consumed, a.done]).toEqual(["hel", 3, false]);
    const b = decoder.decode(bytes("loGET /"));
    expect([text(b), b.consumed, b.done]).toEqual(["lo", 2, true]);
  });
});

describe("chunkedDecoder", () => {
  test("decodes chunks with extensions and trailers, split at any byte", () => {
    const wire = "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\nNEXT";
    for (let split = 1; split < wire.length; split++) {
      const decoder = chunkedDecoder();
      const a = decoder.decode(bytes(wire.slice(0, split)));
      const b = a.done ? { data: [], consumed: 0, done: true } : decoder.decode(bytes(wire.slice(split)));
      expect(text(a) + text(b)).toBe("hello world");
      expect(b.done).toBe(true);
      expect(a.consumed + b.consumed + (a.done ? 0 : split - a.consumed)).toBe(wire.length - "NEXT".length);
    }
  });

  // As Jetty 12 reads a chunked body (listener-corners.json: lf-only-chunked-body).
  test("takes a bare LF as a line end, alone or mixed with CRLF", () => {
    const decoded = chunkedDecoder().decode(bytes("2\n{}\r\n3;x\r\nabc\n0\nX-T: t\n\r\nNEXT"));
    expect([text(decoded), decoded.consumed, decoded.done, decoded.error]).toEqual(["{}abc", 26, true, undefined]);
  });

  test.each([
    ["zz\r\n{}\r\n0\r\n\r\n", "Bad chunk size"],
    ["2\r\n{}XX0\r\n\r\n", "Missing CRLF after chunk data"],
    [`${"1".repeat(16)}\r\n`, "Bad chunk size"],
    // 2^56 does not fit a double exactly: the count of remaining bytes would never reach 0.
    [`${"1".repeat(14)}\r\n`, "Bad chunk size"],
  ])("%j is broken framing: %s", (wire, error) => {
    expect(chunkedDecoder().decode(bytes(wire)).error).toBe(error);
  });

  // Review rv25b (a head parsed again on every arrival): the decoder keeps a line it is reading
  // across calls, so size lines and trailers sent a byte at a time cost each byte once.
  test("size lines, data and trailers arriving a byte at a time are each read a bounded number of times", () => {
    const wire = bytes(`${"a;ext=1\r\n0123456789\r\n".repeat(200)}0\r\n${"X-Trailer: t\r\n".repeat(200)}\r\n`);
    const decoder = chunkedDecoder();
    const meter = { reads: 0 };
    let body = "";
    let done = false;
    for (let at = 0; at < wire.length && !done && meter.reads <= 3 * wire.length; at++) {
      const decoded = decoder.decode(metered(wire.subarray(at, at + 1), meter));
      expect([decoded.consumed, decoded.error]).toEqual([1, undefined]);
      body += text(decoded);
      done = decoded.done;
    }
    expect(meter.reads).toBeLessThanOrEqual(3 * wire.length);
    expect([done, body]).toEqual([true, "0123456789".repeat(200)]);
  });
});
