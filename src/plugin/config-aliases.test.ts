import { describe, expect, test } from "bun:test";
import { AliasedConfigDef } from "./config-aliases.ts";
import { check, defineConfig, key } from "./config-def.ts";

const def = new AliasedConfigDef(
  defineConfig({
    "batch.size": key.int({ doc: "Batch", default: 500, importance: "LOW", validators: [check.atLeast(1)] }),
    secret: key.password({ doc: "Secret", default: null }),
  }),
  ["flink.", "x."],
);

describe("AliasedConfigDef", () => {
  // explore15 F2: the error named only the declared key, which the user had not written.
  describe("an error on a key set under another spelling", () => {
    test("ends with the key as written; the result keeps the declared name", () => {
      expect(def.validate({ "flink.batch.size": "0" }).get("batch.size")).toEqual({
        value: "0",
        errors: ["Invalid value 0 for configuration batch.size: Value must be at least 1 (set as flink.batch.size)"],
      });
    });

    test("set under the declared name, it is Connect's message as it is", () => {
      expect(def.validate({ "batch.size": "0", "flink.batch.size": "0" }).get("batch.size")?.errors).toEqual([
        "Invalid value 0 for configuration batch.size: Value must be at least 1",
      ]);
    });

    test("a connector's problem on the declared key names it too", () => {
      const problems = [
        { key: "batch.size", message: "Too big" },
        { key: "other", message: "Other" },
      ];
      expect(def.namingWrittenKeys({ "x.batch.size": "9" }, problems)).toEqual([
        { key: "batch.size", message: "Too big (set as x.batch.size)" },
        { key: "other", message: "Other" },
      ]);
    });
  });

  // explore15 F1: the value under the other spelling was ignored in silence, even when it did not parse.
  describe("one key under several spellings", () => {
    test("with different values: a problem on the declared key naming the keys as written, not the values", () => {
      const problems = def.conflicts({ "batch.size": "2", "x.batch.size": "abc", "flink.batch.size": "2" });
      expect(problems).toEqual([
        {
          key: "batch.size",
          message:
            "batch.size, flink.batch.size and x.batch.size name one option with different values (batch.size is the one used): set it once",
        },
      ]);
    });

    test("two aliases without the declared name: on the declared key, the first prefix used", () => {
      expect(def.conflicts({ "x.secret": "s3cr3t-a", "flink.secret": "s3cr3t-b" })).toEqual([
        {
          key: "secret",
          message:
            "flink.secret and x.secret name one option with different values (flink.secret is the one used): set it once",
        },
      ]);
      expect(def.parse({ "x.secret": "s3cr3t-a", "flink.secret": "s3cr3t-b" }).secret?.value()).toBe("s3cr3t-b");
    });

    test("with equal values, or under one spelling: no problem", () => {
      expect(def.conflicts({ "batch.size": "2", "flink.batch.size": "2", "x.secret": "s" })).toEqual([]);
    });
  });

  describe("a family's members under several spellings", () => {
    const fold = (name: string) => name.toLowerCase();
    test("names equal once folded, with different values: a problem on the member used", () => {
      expect(
        def.familyConflicts(
          { "x.h.X-A": "1", "flink.h.X-A": "2", "h.x-a": "3", "h.X-B": "b", "x.h.x-b": "b", "h.X-C": "c" },
          "h.",
          "one header",
          fold,
        ),
      ).toEqual([
        {
          key: "h.x-a",
          message:
            "h.x-a, flink.h.X-A and x.h.X-A name one header with different values (h.x-a is the one used): set it once",
        },
      ]);
      expect([...def.family({ "x.h.X-A": "1", "flink.h.X-A": "2", "h.x-a": "3" }, "h.").keys()][0]).toBe("x-a");
    });
  });
});

// secretp4: a value given through a config provider is quoted as the key's showProvided says,
// under whichever spelling it was written.
describe("a value given through a config provider", () => {
  const urls = new AliasedConfigDef(
    defineConfig({
      endpoint: key.string({
        doc: "Endpoint",
        default: null,
        validators: [(value) => (value?.startsWith("http") === false ? "Not http" : undefined)],
        showProvided: () => "<provided>",
      }),
    }),
    ["flink."],
  );

  test.each([
    ["endpoint", "Invalid value <provided> for configuration endpoint: Not http"],
    ["flink.endpoint", "Invalid value <provided> for configuration endpoint: Not http (set as flink.endpoint)"],
  ])("set as %s, is shown as showProvided says in validation and parsing", (written, expected) => {
    const raw = { [written]: "ftp://h/secret" };
    expect(urls.validate(raw, new Set([written])).get("endpoint")?.errors).toEqual([expected]);
    expect(() => urls.parse(raw, new Set([written]))).toThrow("Invalid value <provided> for configuration endpoint");
  });

  test("a literal value is quoted as it is", () => {
    expect(urls.validate({ endpoint: "ftp://h/secret" }, new Set(["other"])).get("endpoint")?.errors).toEqual([
      "Invalid value ftp://h/secret for configuration endpoint: Not http",
    ]);
  });
});

// secretp4-b P3-3: whether a declared key came through a provider is decided on the key as written.
describe("isProvided", () => {
  const urls = new AliasedConfigDef(defineConfig({ endpoint: key.string({ doc: "Endpoint", default: null }) }), [
    "flink.",
  ]);

  test.each([
    [{ endpoint: "x" }, ["endpoint"], true],
    [{ "flink.endpoint": "x" }, ["flink.endpoint"], true],
    [{ "flink.endpoint": "x" }, ["endpoint"], false],
    // The declared spelling wins: the alias given through a provider is not the value used.
    [{ endpoint: "x", "flink.endpoint": "y" }, ["flink.endpoint"], false],
    [{ endpoint: "x" }, [], false],
  ])("%p with %p given through a provider: %p", (raw, keys, expected) => {
    expect(urls.isProvided(raw, "endpoint", new Set(keys))).toBe(expected);
  });

  test("no provided keys known: not provided", () => {
    expect(urls.isProvided({ endpoint: "x" }, "endpoint", undefined)).toBe(false);
  });
});
