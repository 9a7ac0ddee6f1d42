/**
 * Content-Type and Accept matching as Connect 4.3.1 (Jersey 3 on Jetty 12) answered them; found by
 * scripts/diff-connect (blind.ts, seeds 7 and 99991) and checked against a real worker.
 */
import { describe, expect, test } from "bun:test";
import { acceptsJson, matchContentType } from "./media-types.ts";

describe("matchContentType", () => {
  test.each([
    ["application/json", "json"],
    ["APPLICATION/JSON; charset=bogus", "json"],
    ["application/json;", "json"],
    ["application/json ; charset=utf-8", "json"],
    ["application/json;a=b;", "json"],
    ["*/json", "json"],
    ["*/JSON", "json"],
    ["*/*", "unreadable"],
    ["application/*", "unreadable"],
    ["text/json", "unsupported"],
    ["application/vnd.api+json", "unsupported"],
    ["*/x-json", "unsupported"],
    ["text/*", "unsupported"],
    ["application", "invalid"],
    ["*", "invalid"],
    ["application/json, text/plain", "invalid"],
    ["application/json x", "invalid"],
    ["application /json", "invalid"],
    ["application/json; charset", "invalid"],
    ['application/json;charset="a', "invalid"],
    ["/json", "invalid"],
    ["application/", "invalid"],
    ["a/b/c", "invalid"],
  ])("%s is %s", (contentType, expected) => {
    expect(matchContentType(contentType)).toBe(expected as never);
  });
});

describe("acceptsJson", () => {
  test.each([["application/json;q=0"], ["*/*;q=0"], ["text/html, application/json;q=0"], ["application/*;q=0"]])(
    "a range with q=0 still admits JSON: %s",
    (accept) => {
      expect(acceptsJson(accept)).toBe(true);
    },
  );

  test.each([["text/plain"], ["application/xml"], ["text/html, image/png"]])("%s does not", (accept) => {
    expect(acceptsJson(accept)).toBe(false);
  });
});
