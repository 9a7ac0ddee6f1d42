import { describe, expect, test } from "bun:test";
import { Hono } from "hono";
import fixtures from "../../test/fixtures/response-http-headers/fixtures.json";
import { ConfigError, messageOf } from "../errors.ts";
import {
  applyResponseHeaderRules,
  listenerRules,
  type ResponseHeaderRule,
  responseHeaderRules,
  responseHttpHeadersMiddleware,
} from "./response-http-headers.ts";

function outcome(input: string): ResponseHeaderRule[] | string {
  try {
    return responseHeaderRules(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return messageOf(error);
  }
}

// Values Connect 4.3.1 accepts that Jetty's HeaderFilter does not apply as it should, refused here
// at start with a message of their own: a tab after the action and an offset that is no number
// (Jetty fails the REST server's start on both), a name HTTP does not allow (Jetty sends it as it is).
const REFUSED_HERE: Record<string, string> = {
  "set\tX-A:b": "Invalid format of header config 'set\tX-A:b'. Expected a space after the action 'set'",
  "setDate Expires:soon":
    "Invalid setDate offset 'soon' for header 'Expires'. Expected milliseconds from now, at most 4320000000000000 either way",
  "set X(A):b": "Invalid header name 'X(A)'. It must be an HTTP token",
};

describe("responseHeaderRules (response.http.headers.config)", () => {
  const refused = fixtures.filter((f) => f.error !== null);
  const applied = fixtures.filter((f) => f.error === null && !(f.input in REFUSED_HERE));

  test.each(refused.map((f) => [f.input, f.error] as const))("refuses %j with Connect's message", (input, error) => {
    expect(outcome(input)).toBe(error!);
  });

  test.each(applied.map((f) => [f.input, f.rules ?? []] as const))(
    "reads %j as Jetty's HeaderFilter does",
    (input, rules) => {
      expect(outcome(input)).toEqual(rules as ResponseHeaderRule[]);
    },
  );

  test.each(Object.entries(REFUSED_HERE))("refuses %j, which Connect's validator lets through", (input, error) => {
    expect(fixtures.find((f) => f.input === input)?.error).toBeNull();
    expect(outcome(input)).toBe(error);
  });

  test("takes a tab after the action's space, as Jetty's filter does", () => {
    expect(outcome("set \tX-A:b")).toEqual([{ name: "X-A", value: "b", add: false, date: false }]);
  });

  test.each([
    ["setDate Expires:4320000000000000", [{ name: "Expires", value: "4320000000000000", add: false, date: true }]],
    [
      "setDate Expires:4320000000000001",
      "Invalid setDate offset '4320000000000001' for header 'Expires'. Expected milliseconds from now, at most 4320000000000000 either way",
    ],
    [
      "addDate X-A:-9223372036854775808",
      "Invalid addDate offset '-9223372036854775808' for header 'X-A'. Expected milliseconds from now, at most 4320000000000000 either way",
    ],
  ])(
    "%j: a date offset is at most half a JavaScript Date's range (about 137,000 years) either way",
    (input, expected) => {
      expect(outcome(input)).toEqual(expected as ResponseHeaderRule[] | string);
    },
  );

  // Each would have failed every answer with a 500 (p3e-b: fetch's Headers refuse them).
  test.each([
    ['"set X-A:b\nc"', "its character 2, U+000A"],
    ["set X-A:b\rc", "its character 2, U+000D"],
    ["set X-A:b\0c", "its character 2, U+0000"],
    ["add X-A:caf\u00e9 \u2014 ok", "its character 6, U+2014"],
    ["set X-A:\u{1F600}", "its character 1, U+1F600"],
  ])("refuses %j, a value no HTTP header can carry, naming the character", (input, which) => {
    expect(outcome(input)).toBe(
      `Invalid value for header 'X-A': an HTTP header cannot carry it (${which}). NUL, CR, LF and characters above U+00FF are not allowed`,
    );
  });

  test("takes characters up to U+00FF and tabs, which fetch's Headers take", () => {
    const rules = outcome("set X-A:caf\u00e9\tn");
    expect(rules).toEqual([{ name: "X-A", value: "caf\u00e9\tn", add: false, date: false }]);
    const headers = new Headers();
    applyResponseHeaderRules(headers, rules as ResponseHeaderRule[], 0);
    expect(headers.get("X-A")).toBe("caf\u00e9\tn");
  });
});

describe("listenerRules", () => {
  test("drops the rules of headers the listener writes itself, with one WARN naming them", () => {
    const rules = responseHeaderRules(
      "set Content-Length:5, set X-A:b, add transfer-encoding:chunked, setDate DATE:0, set Connection:close, set Keep-Alive:timeout=5, add content-length:6",
    );
    expect(listenerRules(rules)).toEqual({
      rules: [{ name: "X-A", value: "b", add: false, date: false }],
      warnings: [
        "response.http.headers.config: ignoring its rules for Content-Length, Transfer-Encoding, Date, Connection, Keep-Alive, which the REST listeners write themselves",
      ],
    });
  });

  test("keeps every other rule, without a warning", () => {
    const rules = responseHeaderRules("set X-A:b, set Set-Cookie:a=b, set Content-Type:text/plain");
    expect(listenerRules(rules)).toEqual({ rules, warnings: [] });
  });
});

describe("applyResponseHeaderRules", () => {
  const NOW = Date.UTC(2026, 11, 6, 9, 0, 0);

  test("sets, adds and writes dates (a millisecond offset from now) as HTTP dates, in order", () => {
    const headers = new Headers({ "Content-Type": "application/json" });
    applyResponseHeaderRules(
      headers,
      responseHeaderRules(
        "set X-Frame-Options:DENY, add X-A:1, add X-A:2, set X-B:old, set X-B:new, setDate Expires:3600000, addDate X-Seen:-1000",
      ),
      NOW,
    );
    expect(Object.fromEntries(headers)).toEqual({
      "content-type": "application/json",
      "x-frame-options": "DENY",
      "x-a": "1, 2",
      "x-b": "new",
      expires: "Sun, 06 Dec 2026 10:00:00 GMT",
      "x-seen": "Sun, 06 Dec 2026 08:59:59 GMT",
    });
  });

  test("leaves a header the answer sets itself as it is (Jersey replaces what the filter set)", () => {
    const headers = new Headers({ "Content-Type": "application/json" });
    applyResponseHeaderRules(headers, responseHeaderRules("set Content-Type:text/plain, add Content-Type:x/y"), NOW);
    expect(Object.fromEntries(headers)).toEqual({ "content-type": "application/json" });
  });
});

describe("responseHttpHeadersMiddleware", () => {
  test("gives routes, the 404 fallback and errors the headers", async () => {
    const app = new Hono();
    app.use("*", responseHttpHeadersMiddleware(responseHeaderRules("set X-Frame-Options:DENY")));
    app.get("/ok", (c) => c.json({}));
    app.get("/fails", () => {
      throw new Error("boom");
    });
    app.onError(() => new Response("{}", { status: 500 }));
    const seen = await Promise.all(
      ["/ok", "/missing", "/fails"].map(async (path) => {
        const res = await app.request(path);
        return [res.status, res.headers.get("X-Frame-Options")];
      }),
    );
    expect(seen).toEqual([
      [200, "DENY"],
      [404, "DENY"],
      [500, "DENY"],
    ]);
  });
});
