import { describe, expect, test } from "bun:test";
import { compileJsonPath } from "./json-path.ts";

describe("compileJsonPath (ingest.key.field)", () => {
  test("plain member and index paths read the document's own members", () => {
    const doc = { device: { id: "d-1" }, items: [{ id: 7 }] };
    expect(compileJsonPath("$.device.id", "k")(doc)).toBe("d-1");
    expect(compileJsonPath("$['device']['id']", "k")(doc)).toBe("d-1");
    expect(compileJsonPath("$.items[0].id", "k")(doc)).toBe(7);
  });

  test("a member the document lacks is missing, even one JavaScript objects inherit (constructor, toString)", () => {
    for (const path of ["$.constructor", "$.toString", "$.__proto__", "$.device.hasOwnProperty"]) {
      expect(compileJsonPath(path, "k")({ device: { id: "d-1" } })).toBeUndefined();
    }
    expect(compileJsonPath("$.constructor", "k")(JSON.parse('{"constructor":"c"}'))).toBe("c");
  });

  test("a filter a stored config still has matches nothing: a null key, not a failed request (auditingest F8)", () => {
    const read = compileJsonPath("$.items[?(@.x)].id", "k");
    expect(read({ items: [{ x: 1, id: "i1" }] })).toBeUndefined();
    expect(read({ other: 1 })).toBeUndefined();
    expect(compileJsonPath("$..id", "k")({ b: { id: "deep" } })).toBe("deep");
  });
});
