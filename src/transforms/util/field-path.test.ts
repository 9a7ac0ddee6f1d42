import { describe, expect, test } from "bun:test";
import { SchemaBuilder, Schemas } from "../../api/data/schema.ts";
import { Struct } from "../../api/data/struct.ts";
import { ConfigError, DataError } from "../../errors.ts";
import { fieldSyntaxVersionOf, SingleFieldPath } from "./field-path.ts";
import { expectError } from "./test-support.ts";

describe("SingleFieldPath", () => {
  describe("when the syntax is V1", () => {
    test.each(["foo.bar.baz", "foo`bar`", "foo.`bar.baz`"])("keeps %p as one step", (path) => {
      expect(new SingleFieldPath(path, "V1").steps).toEqual([path]);
    });
  });

  describe("when the syntax is V2", () => {
    test.each<[string, string[]]>([
      ["..", ["", "", ""]],
      ["foo..", ["foo", "", ""]],
      [".bar.", ["", "bar", ""]],
      ["..baz", ["", "", "baz"]],
      ["", []],
      ["foobarbaz", ["foobarbaz"]],
      ["foo.bar.baz", ["foo", "bar", "baz"]],
      ["foo`bar`baz", ["foo`bar`baz"]],
      ["`foo.bar.baz`", ["foo.bar.baz"]],
      ["foo.`bar.baz`", ["foo", "bar.baz"]],
      ["`foo.bar`.baz", ["foo.bar", "baz"]],
      ["foo.`bar`.baz", ["foo", "bar", "baz"]],
      ["foo.``bar.baz`", ["foo", "`bar.baz"]],
      ["foo.`bar.baz``", ["foo", "bar.baz`"]],
      ["foo.`ba`r.baz`", ["foo", "ba`r.baz"]],
      ["foo.ba`r.baz", ["foo", "ba`r", "baz"]],
      ["foo.``bar``.baz", ["foo", "`bar`", "baz"]],
      ["``foo.bar.baz``", ["`foo.bar.baz`"]],
      ["foo.`bar\\`.baz`", ["foo", "bar`.baz"]],
      ["foo.`bar.`baz`", ["foo", "bar.`baz"]],
      ["foo.`bar\\`.`baz`", ["foo", "bar`.`baz"]],
      ["foo.`bar\\\\`.\\`baz`", ["foo", "bar\\`.\\`baz"]],
    ])("splits %p into %p", (path, steps) => {
      expect(new SingleFieldPath(path, "V2").steps).toEqual(steps);
    });

    test.each([
      ["`foo.bar.baz", 0],
      ["foo.`bar.baz", 4],
      ["foo.bar.`baz", 8],
      ["foo.bar.`baz\\`", 8],
    ])("rejects the unclosed backtick in %p", (path, at) => {
      expectError(
        () => new SingleFieldPath(path, "V2"),
        ConfigError,
        `Incomplete backtick pair in path: [${path}], consider adding a backslash before backtick at position ${at} to escape it`,
      );
    });
  });

  const inner = SchemaBuilder.struct().field("baz", Schemas.OPTIONAL_INT32).build();
  const schema = SchemaBuilder.struct()
    .field("foo", SchemaBuilder.struct().field("bar", inner).build())
    .field("foo.bar", Schemas.STRING)
    .build();
  const struct = new Struct(schema)
    .put("foo", new Struct(schema.field("foo")!.schema).put("bar", new Struct(inner).put("baz", 42)))
    .put("foo.bar", "dotted");
  const map = { foo: { bar: { baz: 42 } }, "foo.bar": "dotted" };

  test.each<[string, unknown]>([
    ["foo.bar.baz", 42],
    ["`foo.bar`", "dotted"],
    ["foo.missing.baz", null],
    ["missing", null],
  ])("finds %p in a struct and in a map", (path, expected) => {
    const p = new SingleFieldPath(path, "V2");
    expect(p.valueFromStruct(struct)).toEqual(expected);
    expect(p.valueFromMap(map)).toEqual(expected);
  });

  test("finds the field schema at a nested path", () => {
    expect(new SingleFieldPath("foo.bar.baz", "V2").fieldFrom(schema)?.schema).toBe(Schemas.OPTIONAL_INT32);
    expect(new SingleFieldPath("foo.nope", "V2").fieldFrom(schema)).toBeUndefined();
  });

  test("rejects a non-map step in schemaless data", () => {
    expectError(
      () => new SingleFieldPath("foo.bar", "V2").valueFromMap({ foo: "text" }),
      DataError,
      "Only Map objects supported in absence of schema for [nested field access], found: java.lang.String",
    );
  });

  test.each([
    ["v1", "V1"],
    ["V2", "V2"],
  ])("reads the syntax version %p case-insensitively", (text, version) => {
    expect(fieldSyntaxVersionOf(text)).toBe(version as "V1" | "V2");
  });
});
