import { describe, expect, test } from "bun:test";
import { setOwn } from "./own-property.ts";

describe("setOwn", () => {
  test("makes __proto__ an own entry and leaves the prototype alone", () => {
    const target: Record<string, unknown> = {};
    setOwn(target, "__proto__", { polluted: true });
    expect(Object.getPrototypeOf(target)).toBe(Object.prototype);
    expect(Object.keys(target)).toEqual(["__proto__"]);
    expect(Object.getOwnPropertyDescriptor(target, "__proto__")).toEqual({
      value: { polluted: true },
      enumerable: true,
      writable: true,
      configurable: true,
    });
    expect(JSON.stringify(target)).toBe('{"__proto__":{"polluted":true}}');
  });

  test("sets other keys, those of Object.prototype's methods included, as plain entries in order", () => {
    const target: Record<string, unknown> = {};
    setOwn(target, "toString", 1);
    setOwn(target, "a", 2);
    setOwn(target, "a", 3);
    expect(Object.entries(target)).toEqual([
      ["toString", 1],
      ["a", 3],
    ]);
  });
});
