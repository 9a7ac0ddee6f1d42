import { describe, expect, test } from "bun:test";
import { unresolvedReferencesWarning } from "./unresolved-references.ts";

const REASON =
  "were not resolved and are used as written: config.providers names no such provider, or the provider has no value for the key";

describe("unresolvedReferencesWarning", () => {
  test("names each config key, quoted, and nothing of a value", () => {
    expect(unresolvedReferencesWarning("Connector c", new Set(["http.auth.password", "http.headers"]))).toBe(
      `Connector c: config provider references in the values of "http.auth.password", "http.headers" ${REASON}`,
    );
  });

  test("names the worker config as its subject", () => {
    expect(unresolvedReferencesWarning("Worker config", new Set(["data.dir"]))).toBe(
      `Worker config: config provider references in the values of "data.dir" ${REASON}`,
    );
  });

  test("no key: no warning", () => {
    expect(unresolvedReferencesWarning("Connector c", new Set())).toBeUndefined();
  });

  test("lists the first 10 keys and how many more", () => {
    const keys = new Set(Array.from({ length: 25 }, (_, i) => `k${i}`));
    expect(unresolvedReferencesWarning("Connector c", keys)).toBe(
      `Connector c: config provider references in the values of ${[...keys]
        .slice(0, 10)
        .map((k) => `"${k}"`)
        .join(", ")} and 15 more ${REASON}`,
    );
  });

  // opswalk-c P3-6: bidi and format characters (a key that reads backwards on screen) were shown as they are.
  test("a key with line breaks, controls, bidi marks or quotes is escaped, and a long one cut to 64 characters", () => {
    const warning = unresolvedReferencesWarning(
      "Connector c",
      new Set(['a\nWARN forged\r"x"\u0085\u2028\u2029\u007f\u0000\u202edrowssap\u2066\u200f\ufeff', "k".repeat(1000)]),
    );
    expect(warning).toBe(
      `Connector c: config provider references in the values of "a\\nWARN forged\\r\\"x\\"\\u0085\\u2028\\u2029\\u007f\\u0000\\u202edrowssap\\u2066\\u200f\\ufeff", "${"k".repeat(64)}"… ${REASON}`,
    );
    expect(warning).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/);
  });
});
