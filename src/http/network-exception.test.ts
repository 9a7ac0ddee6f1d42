import { describe, expect, test } from "bun:test";
import { JavaException } from "../errors.ts";
import { attemptFailureText, withoutRuntimeHints } from "./network-exception.ts";

const URL = "http://127.0.0.1:1/in";

describe("withoutRuntimeHints", () => {
  test.each([
    ["Unable to connect. Is the computer able to access the url?", "Unable to connect"],
    ["Unable to connect.  \n Is the computer able to access the url? Then more", "Unable to connect Then more"],
    ["a Is the computer able to access the url?b Is the computer able to access the url?", "ab"],
    [
      'ECONNREFUSED fetching "http://127.0.0.1:1/in". For more information, pass `verbose: true` in the second argument to fetch()',
      "ECONNREFUSED",
    ],
    ["no hint here", "no hint here"],
  ])("%j reads %j", (text, expected) => {
    expect(withoutRuntimeHints(text, URL)).toBe(expected);
  });

  test("white space before a hint goes with it, a run of it elsewhere (a peer's text) stays", () => {
    const spaces = " ".repeat(100_000);
    const text = `reason${spaces}x. Is the computer able to access the url?${spaces}For more information, pass \`verbose: true\``;
    expect(withoutRuntimeHints(text, URL)).toBe(`reason${spaces}x`);
  });
});

describe("attemptFailureText", () => {
  test("a network failure reads as its JDK exception's Throwable.toString: the class alone without a message", () => {
    const failed = (cause: JavaException) => new Error("POST http://127.0.0.1:1/in failed", { cause });
    expect([
      attemptFailureText(failed(new JavaException("java.net.SocketTimeoutException", ""))),
      attemptFailureText(failed(new JavaException("java.net.ConnectException", "ECONNREFUSED: Unable to connect"))),
      attemptFailureText(new Error("HTTP 503")),
    ]).toEqual([
      "java.net.SocketTimeoutException",
      "java.net.ConnectException: ECONNREFUSED: Unable to connect",
      "HTTP 503",
    ]);
  });
});
