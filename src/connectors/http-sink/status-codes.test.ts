import { describe, expect, test } from "bun:test";
import { errorStatuses, parseStatusCodes } from "./status-codes.ts";

describe("errorStatuses", () => {
  test.each([
    [["4XX", "5XX"], [], 200, false],
    [["4XX", "5XX"], [], 302, false],
    [["4XX", "5XX"], [], 404, true],
    [["4XX", "5XX"], [], 503, true],
    [["4XX", "5XX"], ["404"], 404, false],
    [["4XX", "5XX"], ["404"], 400, true],
    [["4xx", "500"], [], 501, false],
    [["4xx", "500"], [], 500, true],
    [["5XX"], ["5XX"], 500, false],
    [[], [], 500, true],
    [[], [], 404, true],
    [[], [], 200, false],
    [[" ", ""], [], 502, true],
    [[], ["503"], 503, false],
    // auditsinkfaults-b P1-1: a 303 is the endpoint taking the request; 3XX is for the 3xx not followed.
    [["3XX", "4XX", "5XX"], [], 303, false],
    [["3XX", "4XX", "5XX"], [], 300, true],
    [["303"], [], 303, true],
    [["303", "3XX"], ["3XX"], 303, false],
  ])("errors %p excluding %p: %p is an error: %p", (errors, exclude, status, expected) => {
    expect(errorStatuses(errors, exclude).isError(status)).toBe(expected);
  });

  test.each([
    [["4XX", "5XX"], [], 404, { listed: true, excludedBy: [] }],
    [["4XX", "5XX"], ["404"], 404, { listed: true, excludedBy: ["404"] }],
    [["5XX"], ["4xx"], 409, { listed: false, excludedBy: ["4XX"] }],
    [[], ["500"], 500, { listed: true, excludedBy: ["500"] }],
    [["4XX"], [], 503, { listed: false, excludedBy: [] }],
    // p3d-b: the hint named the first entry alone; dropping 503 left 5XX excluding it.
    [[], ["503", "5XX"], 503, { listed: true, excludedBy: ["503", "5XX"] }],
    [[], ["5xx", "503"], 503, { listed: true, excludedBy: ["503", "5XX"] }],
    [[], ["503", "5XX"], 502, { listed: true, excludedBy: ["5XX"] }],
  ])("errors %p excluding %p: %p reads as %p", (errors, exclude, status, expected) => {
    const lists = errorStatuses(errors, exclude);
    expect({ listed: lists.listed(status), excludedBy: lists.excludedBy(status) }).toEqual(expected);
  });

  test("rejects entries that are neither codes nor classes", () => {
    expect(() => parseStatusCodes(["404", "6XX"])).toThrow(
      "6XX is not an HTTP status code (100-599) or class (1XX-5XX)",
    );
    expect(() => parseStatusCodes(["40"])).toThrow("40 is not an HTTP status code");
  });
});
