import { describe, expect, test } from "bun:test";
import { CNTL, illegalCharacter, TCHAR } from "./http-tokens.ts";

const members = (table: Uint8Array) => [...table.keys()].filter((c) => table[c] === 1);

describe("TCHAR", () => {
  test("holds exactly RFC 9110's tchar", () => {
    const tchar = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    expect(members(TCHAR)).toEqual([...tchar].map((c) => c.charCodeAt(0)).sort((a, b) => a - b));
  });
});

describe("CNTL", () => {
  test("holds the C0 controls but HTAB, LF and CR, and DEL", () => {
    const c0 = Array.from({ length: 32 }, (_, c) => c).filter((c) => c !== 9 && c !== 10 && c !== 13);
    expect(members(CNTL)).toEqual([...c0, 0x7f]);
  });
});

describe("illegalCharacter", () => {
  // Jetty's reasons, as Connect's answers recorded in connect-rest/listener-corners.json and
  // recordings.json give them.
  test.each([
    [0x09, "Illegal character HTAB=0x9"],
    [0x20, "Illegal character SPACE=' '"],
    [0x0a, "Illegal character LF=\\n"],
    [0x3a, "Illegal character COLON=':'"],
    [0x01, "Illegal character CNTL=0x1"],
    [0x7f, "Illegal character CNTL=0x7f"],
    [0xe9, "Illegal character OTEXT=0xe9"],
    [0x28, "Illegal character VCHAR='('"],
  ])("names byte %d as Jetty does: %s", (c, reason) => {
    expect(illegalCharacter(c)).toBe(reason);
  });
});
