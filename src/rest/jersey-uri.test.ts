import { describe, expect, test } from "bun:test";
import { jerseyPath } from "./jersey-uri.ts";

// Found by scripts/diff-connect (seed 1234): Connect 4.3.1's Location for `a/b` and `a+b` keeps
// the `/` and the `+` (UriBuilder.path), where encodeURIComponent would escape them.
describe("jerseyPath", () => {
  test.each([
    ["a/b", "a/b"],
    ["a+b", "a+b"],
    ["a b", "a%20b"],
    ["a?b", "a%3Fb"],
    ["a%b", "a%25b"],
    ["a%2Fb", "a%2Fb"],
    ["ü", "%C3%BC"],
    ["a.b:c@d", "a.b:c@d"],
    ["#", "%23"],
    ["😀", "%F0%9F%98%80"],
    // Found by the eighth REST hunt: Java encodes a lone surrogate as `?`, not U+FFFD (%EF%BF%BD).
    ["a\ud800b", "a%3Fb"],
  ])("%s → %s", (name, encoded) => {
    expect(jerseyPath(name)).toBe(encoded);
  });
});
