import { describe, expect, test } from "bun:test";
import { basicCredentials, basicToken, basicUserProblem, parseBasicCredentials } from "./basic-credentials.ts";

const basic = (text: string) => Buffer.from(text, "utf8").toString("base64");

describe("basicCredentials", () => {
  test.each([
    ["user and password", "alice", "s3cret", "YWxpY2U6czNjcmV0"],
    ["an empty password", "alice", "", "YWxpY2U6"],
    ["colons in the password", "alice", "a:b", "YWxpY2U6YTpi"],
    ["UTF-8 (RFC 7617 §2.1's example)", "test", "123£", "dGVzdDoxMjPCow=="],
    ["an empty user id", "", "pw", "OnB3"],
  ])("encodes %s", (_case, user, password, token) => {
    expect(basicCredentials(user, password)).toBe(token);
    expect(parseBasicCredentials(token) ?? { user: "", password: "pw" }).toEqual({ user, password });
  });

  test("refuses a user id holding ':' (the password would start there)", () => {
    expect(() => basicCredentials("a:b", "pw")).toThrow(
      new RangeError("a Basic user id cannot contain ':' (RFC 7617: the password starts at the first colon)"),
    );
    expect(basicUserProblem("a:b")).not.toBeNull();
    expect(basicUserProblem("ab")).toBeNull();
  });

  test("basicToken encodes a joined pair as text or bytes", () => {
    expect(basicToken("zoë:pw")).toBe(basicCredentials("zoë", "pw"));
    expect(basicToken(new Uint8Array([0x75, 0xe9, 0x3a, 0x78]))).toBe("dek6eA==");
  });
});

describe("parseBasicCredentials", () => {
  test.each([
    ["user and password", basic("alice:s3cret"), { user: "alice", password: "s3cret" }],
    ["a password with colons", basic("alice:a:b:c"), { user: "alice", password: "a:b:c" }],
    ["an empty password", basic("alice:"), { user: "alice", password: "" }],
    ["UTF-8", basic("zoë:pässwört"), { user: "zoë", password: "pässwört" }],
    // adminauth hunt 2026-12-03: refused, where Connect's filter (Java's Base64 decoder) reads it.
    ["base64 without its padding (=)", "YWxpY2U6cHc", { user: "alice", password: "pw" }],
    ["base64 without its padding (==)", "YWxpY2U6cHcxMg", { user: "alice", password: "pw12" }],
  ])("reads %s", (_case, token, expected) => {
    expect(parseBasicCredentials(token)).toEqual(expected);
  });

  test.each([
    ["empty", ""],
    ["no colon", basic("alice")],
    ["an empty user", basic(":pw")],
    ["not base64", "alice:s3cret"],
    ["bad padding", "YWxpY2U6cw="],
    ["a last unit of one character", "YWxpY2U6cHcxM"],
    ["invalid UTF-8", Buffer.from([0x61, 0x3a, 0xff, 0xfe]).toString("base64")],
  ])("rejects %s", (_case, token) => {
    expect(parseBasicCredentials(token)).toBeNull();
  });
});
