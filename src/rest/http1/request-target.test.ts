import { describe, expect, test } from "bun:test";
import {
  CONNECTION_CLOSE_CASES,
  recordedConnectionClose,
} from "../../../test/fixtures/connect-rest/connection-close.ts";
import { checkOriginTarget, pathQuery, type TargetCheck, targetScheme } from "./request-target.ts";

const CONNECTION_CLOSE = await recordedConnectionClose();

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

describe("targetScheme", () => {
  test.each([
    ["connectors", undefined],
    ["1connectors", undefined],
    ["_a", undefined],
    [".a", undefined],
    [".a:b", undefined],
    ["%61:b", undefined],
    ["a/b:c", undefined],
    ["a?b", undefined],
    ["a;b:c", undefined],
    ["a%3a:b", undefined],
    ["a:b", "a"],
    ["localhost:1", "localhost"],
    ["a1+.-:b", "a1+.-"],
    ["a:", "a"],
    ["HTTP:/x", "HTTP"],
    ["mailto:x@y", "mailto"],
    ["127.0.0.1:1", null],
    ["1a:b", null],
    ["a_b:c", null],
    ["a@b:c", null],
    [":a", null],
    ["*a", null],
    ["*", undefined],
  ])("%s: %p", (target, scheme) => {
    expect(targetScheme(target)).toBe(scheme as string | null | undefined);
  });

  // Each recorded target: a relative path's page shows `http:` and the target, a scheme's page the
  // target (scheme lower-cased) and its log the path after it, a refused scheme is a bad message.
  const TARGETS = CONNECTION_CLOSE_CASES.flatMap((c, i) => {
    const [method, target = ""] = c.head.split(" ");
    const recorded = CONNECTION_CLOSE[i]!;
    const page = /<th>URI:<\/th><td>([^<]*)</.exec(recorded.body)?.[1];
    const relative = !target.startsWith("/") && !/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(target) && target !== "*";
    return relative && method === "GET" ? [[c.id, target, recorded.log, page] as const] : [];
  });

  test("the recording has targets of each kind", () => {
    expect(TARGETS.length).toBeGreaterThan(15);
  });

  test.each(TARGETS)("%s (%s) as Connect 4.3.1 reads it (connection-close.json)", (_, target, log, page) => {
    const scheme = targetScheme(target);
    const logged = / "GET (.*) HTTP\/1\.[01]" /.exec(log)?.[1];
    const expected =
      scheme === null
        ? { page: "/badMessage", logged: "/badMessage" }
        : {
            page: scheme === undefined ? `http:${target}` : `${scheme.toLowerCase()}${target.slice(scheme.length)}`,
            logged: pathQuery(target),
          };
    expect({ page, logged }).toEqual(expected);
  });
});
