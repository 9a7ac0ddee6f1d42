import { describe, expect, test } from "bun:test";
import { memberPathSegments } from "./json-member-path.ts";

describe("memberPathSegments", () => {
  describe("a plain member path", () => {
    test.each([
      ["$", []],
      ["$.device.id", ["device", "id"]],
      ["$.items[0].id", ["items", 0, "id"]],
      ["$[12]", [12]],
      ["$['device-id']", ["device-id"]],
      ['$["device-id"]', ["device-id"]],
      ["$['a.b']['c d']", ["a.b", "c d"]],
      ["$['']", [""]],
      ["$['it\\'s']", ["it's"]],
      ['$["say \\"hi\\""]', ['say "hi"']],
      ["$['back\\\\slash']", ["back\\slash"]],
      ["$['[*]']", ["[*]"]],
      ["$.a-b.$c.d$", ["a-b", "$c", "d$"]],
      ["$.$", ["$"]],
      ["$['$']", ["$"]],
      ["$.device['id'][3]", ["device", "id", 3]],
    ])("%s reads as %p", (path, segments) => {
      expect(memberPathSegments(path)).toEqual(segments);
    });
  });

  describe("anything else", () => {
    test.each([
      "",
      "device.id",
      "$.",
      "$..id",
      "$[*]",
      "$.items[*]",
      "$.items.*",
      "$.items[0:2]",
      "$.items[-1]",
      "$.items[?(@.id)]",
      "$['a','b']",
      "$[ 'a' ]",
      "$.1a",
      "$.a~",
      "$.a^",
      "$['unterminated]",
      " $.a",
    ])("%p is not one", (path) => {
      expect(memberPathSegments(path)).toBeUndefined();
    });
  });
});
