import { describe, expect, test } from "bun:test";
import { checkOriginTarget, type TargetCheck } from "./request-target.ts";

describe("checkOriginTarget", () => {
  test.each([
    ["/connectors/..", "/connectors/..", ""],
    ["/connectors/./x", "/connectors/./x", ""],
    ["/connectors/x/../..", "/connectors/x/../..", ""],
    ["/connectors/", "/connectors/", ""],
    ["/connectors;a=b", "/connectors;a=b", ""],
    ["/connectors/;a", "/connectors/;a", ""],
    ["/%63onnectors", "/%63onnectors", ""],
    ["/connectors/x%20y", "/connectors/x%20y", ""],
    ["/connectors/a%2eb", "/connectors/a%2eb", ""],
    ["/connectors/caf%c3%a9", "/connectors/caf%c3%a9", ""],
    ["/connectors?expand=status&x=%zz", "/connectors", "expand=status&x=%zz"],
    ["/connectors#frag", "/connectors", ""],
  ])("%s is routed literally", (target, path, query) => {
    expect(checkOriginTarget(target)).toEqual({ ok: true, path, query });
  });

  test.each([
    ["/connectors/a|b", "Illegal Path Character", "badURI"],
    ['/connectors/a"b', "Illegal Path Character", "badURI"],
    ["/connectors/caf\xc3\xa9", "Illegal Path Character", "badURI"],
    ["/connectors/a\\b", "Suspicious Path Character, Illegal Path Character", "badURI"],
    ["//..", "Ambiguous URI empty segment", "badURI"],
    ["//..;x", "Ambiguous URI empty segment, Ambiguous URI path parameter", "badURI"],
    ["/connectors//%2e%2e/x", "Ambiguous URI path segment, Ambiguous URI empty segment", "badURI"],
    ["/%2e%2e/", "Bad Request", "badMessage"],
    ["/connectors/%2e%2e", "Ambiguous URI path segment", "badURI"],
    ["/connectors/.%2E", "Ambiguous URI path segment", "badURI"],
    ["/connectors/%2e/x", "Ambiguous URI path segment", "badURI"],
    ["/connectors/a%2fb", "Ambiguous URI path separator", "badURI"],
    ["/connectors/a%25b", "Ambiguous URI path encoding", "badURI"],
    ["/connectors//x", "Ambiguous URI empty segment", "badURI"],
    ["//connectors", "Ambiguous URI empty segment", "badURI"],
    ["/connectors/..;a=b", "Ambiguous URI path parameter", "badURI"],
    ["/connectors/.;a=b", "Ambiguous URI path parameter", "badURI"],
    ["/connectors/a%5cb", "Suspicious Path Character", "badURI"],
    ["/connectors/a%01b", "Suspicious Path Character", "badURI"],
    ["/connectors/a%7fb", "Suspicious Path Character", "badURI"],
    ["/connectors/a%ffb", "Bad UTF-8 encoding", "badURI"],
    ["/connectors/a%00b", "Bad Request", "badMessage"],
    ["/connectors/%zz", "Bad Request", "badMessage"],
    ["/connectors/a%2", "Bad Request", "badMessage"],
    ["/..", "Bad Request", "badMessage"],
    ["/../connectors", "Bad Request", "badMessage"],
    ["/connectors/../..", "Bad Request", "badMessage"],
  ])("%s is refused: %s", (target, reason, uri) => {
    expect(checkOriginTarget(target)).toEqual({ ok: false, reason, uri } as TargetCheck);
  });
});
