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
    // Jetty reads 16 hex digits at most (listener-corners.json: chunk-size-17-digits).
    [`${"0".repeat(16)}2\r\n{}\r\n0\r\n\r\n`, "Bad chunk size"],
  ])("%j is broken framing: %s", (wire, error) => {
    expect(chunkedDecoder().decode(bytes(wire)).error).toBe(error);
  });

  // Review of restwire2 (P1, smuggling): Jetty checks a size line's extensions strictly, and a line
  // may end in a bare LF; what it refuses is broken framing here too, so bytes a front proxy may
  // read as part of this request are never read as another one (listener-corners.json: chunk-*).
  const NEXT = "GET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n";
  const sizeLine = (line: string) => chunkedDecoder().decode(bytes(`${line}\r\n{}\r\n0\r\n\r\n${NEXT}`));
  test.each([
    "2 ;a=b",
    "2; a",
    "2;a =b",
    "2;a= b",
    "2;a\t;b",
    "2;a;b",
    '2;a="\\""',
    '2;a="b\u00e9 c"',
    "2;a=b;c=d",
    "0000000000000002",
  ])("the size line %j is read as Jetty reads it", (line) => {
    const decoded = sizeLine(line);
    expect([text(decoded), decoded.done, decoded.consumed, decoded.error]).toEqual([
      "{}",
      true,
      line.length + 11,
      undefined,
    ]);
  });
  test.each([
    "2 ",
    "2\t",
    "2;",
    "2;a ",
    "2;a\t",
    "2;a=",
    "2;a;",
    "2;;a",
    "2;=b",
    "2;a b",
    "2;a=b c",
    '2;a="b"c',
    '2;a="',
    "2;a\u0000",
    "2;\u00e9",
    '2;a="\\\u0001"',
    "2;a\rb",
  ])("the size line %j is broken framing, as in Jetty", (line) => {
    expect(sizeLine(line).error).toBe("Bad chunk size");
  });

  test.each([["0;\n\n"], ['0;a="\n\n'], ["0;a\u0001\n\n"], ["0 \r\n\r\n"]])(
    "the last chunk %j then a request is broken framing, not a body and a request",
    (end) => {
      expect(chunkedDecoder().decode(bytes(end + NEXT)).error).toBe("Bad chunk size");
    },
  );

  // Review of restwire2 (P2): Jetty reads a chunk size into a signed long; from 2^63 on it is
  // negative and Connect answers 500 Early EOF at once (this waited for ~9.2e18 bytes, 408).
  test.each([["8000000000000000"], ["ffffffffffffffff"], ["FFFFFFFFFFFFFFFF"], ["08000000000000000"]])(
    "the chunk size %s, past a signed long, is broken framing",
    (size) => {
      expect(chunkedDecoder().decode(bytes(`${size}\r\n{}`)).error).toBe("Bad chunk size");
    },
  );

  test("7fffffffffffffff is still a size: the decoder waits for its data", () => {
    const decoded = chunkedDecoder().decode(bytes("7fffffffffffffff\r\n{}"));
    expect(decoded.error).toBeUndefined();
    expect(decoded.done).toBe(false);
  });

  // Review of restwire2 (P2): Jetty reads trailers as fields (listener-corners.json: trailer-*).
  test.each([
    ["0\r\n\r\r\n"],
    ["0\r\n\rX: a\r\n\r\n"],
    ["0\r\nX: a\rb\r\n\r\n"],
    ["0\r\nNoColon\r\n\r\n"],
    ["0\r\nX: a\r\n folded\r\n\r\n"],
    ["0\r\nX A: b\r\n\r\n"],
    ["0\r\n:a\r\n\r\n"],
    ["0\r\nX: a\u0001b\r\n\r\n"],
    ["0\r\nX: a\u007fb\r\n\r\n"],
  ])("the trailers of %j are broken framing: the request after them is not read as trailers", (end) => {
    expect(chunkedDecoder().decode(bytes(end + NEXT)).error).toBe("Bad trailer");
  });

  test("trailer fields Jetty reads are read and dropped, the next request left", () => {
    const end = "0\r\nX-A: b\r\nY:\r\nZ: \u00e9\t c\r\n\r\n";
    const decoded = chunkedDecoder().decode(bytes(end + NEXT));
    expect([decoded.done, decoded.consumed, decoded.error]).toEqual([true, end.length, undefined]);
  });

  // Jetty skips empty lines where a size line is due (listener-corners.json: chunk-empty-lines-before-size).
  test("empty lines before a size line are skipped", () => {
    const wire = "\r\n\n2\r\n{}\r\n\r\n\n0\r\n\r\n";
    const decoded = chunkedDecoder().decode(bytes(wire + NEXT));
    expect([text(decoded), decoded.done, decoded.consumed, decoded.error]).toEqual([
      "{}",
      true,
      wire.length,
      undefined,
    ]);
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
