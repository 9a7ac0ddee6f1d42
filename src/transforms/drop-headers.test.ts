import { describe, expect, test } from "bun:test";
import { Headers } from "../api/data/headers.ts";
import { Schemas } from "../api/data/schema.ts";
import { ConfigError } from "../errors.ts";
import { DropHeaders } from "./drop-headers.ts";
import { expectError, srcRecord } from "./util/test-support.ts";

function headers(...entries: [string, string][]): Headers {
  return Headers.of(entries.map(([key, value]) => ({ key, value, schema: Schemas.STRING })));
}

describe("DropHeaders", () => {
  test.each<[string, Headers, Headers]>([
    ["dropped", headers(["keep", "a"], ["dropped", "b"]), headers(["keep", "a"])],
    ["dropped", headers(["dropped", "b"], ["keep", "a"], ["dropped", "c"]), headers(["keep", "a"])],
    ["missing", headers(["keep", "a"]), headers(["keep", "a"])],
    ["a,b", headers(["a", "1"], ["b", "2"], ["c", "3"]), headers(["c", "3"])],
  ])("drops %p", (names, input, expected) => {
    const xform = new DropHeaders();
    xform.configure({ headers: names });
    const record = srcRecord({ sourceOffset: { o: 1 }, key: "k", value: "v", headers: input });
    expect(xform.apply(record)).toEqual({ ...record, headers: expected });
  });

  test.each([
    [{ headers: "" }, "Configuration 'headers' must not be empty. Valid values include: any non-empty value"],
    [{}, 'Missing required configuration "headers" which has no default value.'],
  ])("rejects the config %p", (configs, message) => {
    expectError(() => new DropHeaders().configure(configs), ConfigError, message);
  });
});
