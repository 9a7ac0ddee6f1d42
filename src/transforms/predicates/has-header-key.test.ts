import { describe, expect, test } from "bun:test";
import { Headers } from "../../api/data/headers.ts";
import { ConfigError } from "../../errors.ts";
import { expectError, srcRecord } from "../util/test-support.ts";
import { HasHeaderKey, hasHeaderKey } from "./has-header-key.ts";

function headers(...keys: string[]): Headers {
  return Headers.of(keys.map((key) => ({ key, value: null, schema: null })));
}

describe("HasHeaderKey", () => {
  test.each<[Headers, boolean]>([
    [headers("foo"), true],
    [headers("foo", "bar"), true],
    [headers("bar", "foo", "bar", "foo"), true],
    [headers("bar"), false],
    [headers("bar", "bar"), false],
    [headers(), false],
  ])("tests %p", (input, expected) => {
    const predicate = new HasHeaderKey();
    predicate.configure({ name: "foo" });
    expect(predicate.test(srcRecord({ headers: input }))).toBe(expected);
    expect(String(predicate)).toBe("HasHeaderKey{name='foo'}");
  });

  test.each([
    [{}, 'Missing required configuration "name" which has no default value.'],
    [{ name: "" }, "Invalid value  for configuration name: String must be non-empty"],
  ])("rejects the config %p", (configs, message) => {
    expectError(() => new HasHeaderKey().configure(configs), ConfigError, message);
    expect(hasHeaderKey.config.validate(configs).get("name")?.errors).toEqual([message]);
  });
});
