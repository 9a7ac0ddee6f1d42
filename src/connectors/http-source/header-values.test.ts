import { describe, expect, test } from "bun:test";
import { crossKeyErrors, parseHttpSourceConfig } from "./config-rules.ts";
import { parseHeaders } from "./headers.ts";

const base = { "http.url": "https://api.example.com/events", "kafka.topic": "t" };

describe("http.headers values a request cannot carry", () => {
  test.each([
    ["a value beyond U+00FF", "X-Name: 日本-secret-1"],
    ["a control character", "X-Name: a\u0001secret-1"],
    ["a DEL", "Authorization: Bearer a\u007fsecret-1"],
  ])("%s is refused by validation on http.headers, the value not shown", (_what, headers) => {
    const found = crossKeyErrors(parseHttpSourceConfig({ ...base, "http.headers": headers }));
    expect(found.map((p) => p.key)).toEqual(["http.headers"]);
    expect(found[0]!.message).toContain("Header 1 (");
    expect(JSON.stringify(found)).not.toContain("secret-1");
  });

  test("visible ASCII, tab, Latin-1 and ${offset} (encoded when sent) are accepted", () => {
    expect(parseHeaders("X-A: caf\u00e9\tb, X-Since: ${offset}")).toEqual([
      ["X-A", "caf\u00e9\tb"],
      ["X-Since", "${offset}"],
    ]);
  });
});
