import { describe, expect, test } from "bun:test";
import {
  checkable,
  checkField,
  checkRequestLine,
  counted,
  field,
  lineCheck,
  requestLine,
  scanLine,
} from "./head-line.ts";

const bytes = (text: string) => Buffer.from(text, "latin1");

describe("scanLine", () => {
  test.each([
    ["CR LF", "ab\r\ncd", { end: 2, next: 4 }, 4],
    ["a bare LF", "ab\ncd", { end: 2, next: 3 }, 3],
    ["a bare CR", "ab\rcd", { bareCr: 2 }, 0],
  ])("finds a line ended by %s", (_, text, found, scanned) => {
    const progress = { scanned: 0 };
    expect(scanLine(bytes(text), progress)).toEqual(found);
    expect(progress.scanned).toBe(scanned);
  });

  test("continues where the last call stopped, a CR last examined again with the byte after it", () => {
    const progress = { scanned: 0 };
    expect([scanLine(bytes("ab"), progress), progress.scanned]).toEqual([null, 2]);
    expect([scanLine(bytes("ab\r"), progress), progress.scanned]).toEqual([null, 2]);
    expect([scanLine(bytes("ab\r\n"), progress), progress.scanned]).toEqual([{ end: 2, next: 4 }, 4]);
  });
});

describe("checkRequestLine and requestLine", () => {
  test("a byte Jetty refuses is refused as it arrives; the check continues where it stopped", () => {
    const check = lineCheck("method", 0);
    expect(checkRequestLine(bytes("GET /x"), 0, 6, check)).toBeUndefined();
    expect([check.part, check.at, check.marks]).toEqual(["target", 6, [3, 4]]);
    expect(checkRequestLine(bytes("GET /x\x01"), 0, 7, check)).toEqual({
      refused: true,
      status: 400,
      reason: "Illegal character CNTL=0x1",
    });
  });

  test("the ended line gives its parts as sent, however many spaces separate them", () => {
    const line = bytes("get  /a?b  http/1.1");
    const check = lineCheck("method", 0);
    expect(checkRequestLine(line, 0, line.length, check)).toBeUndefined();
    expect(requestLine(line, 0, line.length, check)).toEqual({ method: "get", target: "/a?b", version: "http/1.1" });
  });

  test.each<[string, 400 | 505, string]>([
    ["GET", 400, "No URI"],
    ["GET ", 400, "No URI"],
    ["GET /x", 505, "HTTP/0.9 not supported"],
    ["GET /x ", 400, "HTTP/0.9 not supported"],
  ])("%j ended is refused for what it lacks: %d %s", (text, status, reason) => {
    const line = bytes(text);
    const check = lineCheck("method", 0);
    expect(checkRequestLine(line, 0, line.length, check)).toBeUndefined();
    expect(requestLine(line, 0, line.length, check)).toEqual({ refused: true, status, reason });
  });
});

describe("checkField and field", () => {
  test("gives the name as sent and the value without the spaces and tabs around it", () => {
    const line = bytes("X-A: \t b\tc \t");
    const check = lineCheck("first", 0);
    expect(checkField(line, line.length, check)).toBeUndefined();
    expect(field(line, 0, line.length, check)).toEqual(["X-A", "b\tc"]);
  });

  test.each([
    [" X: a", "Line Folding not supported"],
    ["X A: a", "Illegal character SPACE=' '"],
    ["X: a\x7f", "Illegal character CNTL=0x7f"],
  ])("%j is refused at the byte Jetty refuses: %s", (text, reason) => {
    const line = bytes(text);
    expect(checkField(line, line.length, lineCheck("first", 0))).toEqual({ refused: true, status: 400, reason });
  });

  test("a line without a colon is refused once it ends", () => {
    const line = bytes("NoColon");
    const check = lineCheck("first", 0);
    expect(checkField(line, line.length, check)).toBeUndefined();
    expect(field(line, 0, line.length, check)).toEqual({
      refused: true,
      status: 400,
      reason: "Illegal character LF=\\n",
    });
  });
});

describe("counted and checkable", () => {
  test.each([
    ["an ended line counts its line end, and is checked up to it", "ab\r\ncd", 4, 2],
    ["a bare CR counts with the byte after it, and the line is checked up to it", "ab\rcd", 4, 2],
    ["a line not ended counts and is checked all that arrived", "abc", 3, 3],
  ])("%s (never past the limit)", (_, text, count, upTo) => {
    const progress = { scanned: 0 };
    const scanned = scanLine(bytes(text), progress);
    expect(counted(bytes(text), scanned)).toBe(count);
    expect(checkable(scanned, progress, 100)).toBe(upTo);
    expect(checkable(scanned, progress, 1)).toBe(1);
  });
});
