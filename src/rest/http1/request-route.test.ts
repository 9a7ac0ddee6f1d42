import { describe, expect, test } from "bun:test";
import {
  CONNECTION_CLOSE_CASES,
  recordedConnectionClose,
} from "../../../test/fixtures/connect-rest/connection-close.ts";
import { recordedUserInfo, USER_INFO_CASES } from "../../../test/fixtures/connect-rest/user-info.ts";
import { parseRequestHead, type RequestHead } from "./request-head.ts";
import { headErrorResponse, headRefusal, type Refusal, type Route, routeOf } from "./request-route.ts";

const CONNECTION_CLOSE = await recordedConnectionClose();
const USER_INFO = await recordedUserInfo();

function head(method: string, target: string, host = "127.0.0.1:8083"): RequestHead {
  return {
    method,
    target,
    version: "HTTP/1.1",
    headers: [["Host", host]],
    contentLength: null,
    chunked: false,
    keepAlive: true,
    expectContinue: false,
    host,
    size: 0,
  };
}

/** A refusal as status, and the reason in Jetty's page (or "" without one). */
async function refusal(answer: object): Promise<[number, string]> {
  expect(answer).toHaveProperty("response");
  const response = (answer as Refusal).response;
  const page = await response.text();
  return [response.status, /<h2>HTTP ERROR \d+ ([^<]*)<\/h2>/.exec(page)?.[1] ?? ""];
}

describe("routeOf", () => {
  test.each([
    ["GET", "/connectors?expand=status", { ok: true, path: "/connectors", query: "expand=status" }],
    ["GET", "http://127.0.0.1:8083/connectors", { ok: true, path: "/connectors", query: "" }],
    ["GET", "http://127.0.0.1:8083", { ok: true, path: "/", query: "" }],
    ["CONNECT", "127.0.0.1:8083", { ok: true, path: "/", query: "" }],
    // Jetty's CONNECT is upper case only (connection-close.json: connect-lower-case-origin-form, a 405).
    ["connect", "/connectors", { ok: true, path: "/connectors", query: "" }],
  ])("%s %s routes to its origin-form path", (method, target, route) => {
    expect(routeOf(head(method, target), "http")).toEqual(route);
  });

  test("an absolute form's authority is compared with the Host only when one was sent (HTTP/1.0)", () => {
    // connection-close.json: absolute-other-http10-no-host.
    const route = routeOf({ ...head("GET", "http://elsewhere:80/connectors"), host: "", version: "HTTP/1.0" }, "http");
    expect(route).toEqual({ ok: true, path: "/connectors", query: "" } as Route);
  });

  test.each([
    ["GET", "http://elsewhere:80/connectors", 400, "Authority!=Host"],
    // Jetty checks the URI before its authority (HttpConnection.headerComplete).
    ["GET", "http://elsewhere:80/a%2Fb", 400, "Ambiguous URI path separator"],
    ["GET", "*", 400, "Bad URI path"],
    ["GET", "connectors", 400, "Bad Request"],
    ["CONNECT", "/connectors", 400, "Bad Request"],
    // Not CONNECT, so HttpURI reads a scheme (connection-close.json: target-*, connect-lower-case).
    ["GET", "a:b", 400, "Authority!=Host"],
    ["GET", "HTTP:/x", 400, "Authority!=Host"],
    ["GET", "127.0.0.1:1", 400, "Bad Request"],
    ["connect", "127.0.0.1:8083", 400, "Bad Request"],
    ["GET", "*a", 400, "Bad Request"],
    ["GET", "HTTP://elsewhere:80/connectors", 400, "Authority!=Host"],
  ])("%s %s is refused as Connect refuses it", async (method, target, status, reason) => {
    expect(await refusal(routeOf(head(method, target), "http"))).toEqual([status, reason]);
  });

  // test/fixtures/connect-rest/connection-close.json: options-star, get-star.
  test("OPTIONS * is an empty 404 with Jetty's Cache-Control, after which the connection is kept as asked", async () => {
    const { response, after } = routeOf(head("OPTIONS", "*"), "http") as Refusal;
    expect([response.status, [...response.headers], await response.text(), after]).toEqual([
      404,
      [
        ["cache-control", "must-revalidate,no-cache,no-store"],
        ["content-length", "0"],
      ],
      "",
      "as-asked",
    ]);
  });

  test("another method's * closes the connection without saying so; other refusals close it saying so", () => {
    expect((routeOf(head("GET", "*"), "http") as Refusal).after).toBe("unsaid-close");
    expect((routeOf(head("GET", "/a%2Fb"), "http") as Refusal).after).toBeUndefined();
  });
});

describe("headErrorResponse", () => {
  test("shows the full URL for checks made once the head is known, with the listener's scheme", async () => {
    const answer = headErrorResponse(
      {
        status: 400,
        reason: "Bad Request",
        uri: { kind: "url", method: "GET", host: "gw:8443", target: "/x", headers: [] },
      },
      "https",
    );
    expect(answer.status).toBe(400);
    expect(await answer.text()).toContain("<tr><th>URI:</th><td>https://gw:8443/x</td></tr>");
  });

  // HttpConnection.badMessage makes its stand-in request with /badURI for a target with URI violations.
  test("shows /badURI for a head refused by the parser whose target has URI violations", async () => {
    const answer = headErrorResponse(
      { status: 400, reason: "No Host", uri: { kind: "target", method: "GET", target: "/a%2Fb", version: "HTTP/1.1" } },
      "http",
    );
    expect(await answer.text()).toContain("<tr><th>URI:</th><td>/badURI</td></tr>");
  });
});

// Recorded from Connect 4.3.1 (test/fixtures/connect-rest/record-user-info.sh): Jetty 12.0.12+
// refuses user info in the target as "Deprecated User Info" (before Authority!=Host) and a Host
// HostPort does not parse as "Bad HostPort"; an @ in the path or query is routed.
describe("user info in the target or the Host field, as Connect 4.3.1 answers it (user-info.json)", () => {
  const HOST = "127.0.0.1:8083";
  test("every case has its recording", () => {
    expect(USER_INFO.map((r) => r.id)).toEqual(USER_INFO_CASES.map((c) => c.id));
  });

  test.each(USER_INFO_CASES.map((c, i) => [c.id, c.head, USER_INFO[i]!] as const))("%s", async (_, raw, recorded) => {
    const parsed = parseRequestHead(Buffer.from(raw.replaceAll("{{host}}", HOST), "latin1"));
    if (parsed.kind === "incomplete") throw new Error("incomplete head");
    const answer = parsed.kind === "error" ? headRefusal(parsed.error, "http") : routeOf(parsed.head, "http");
    const refused = recorded.headers.some(([name]) => name === "Cache-Control");
    if (!("response" in answer)) {
      expect({ routed: true, refused }).toEqual({ routed: true, refused: false });
      return;
    }
    const { response } = answer;
    const header = (name: string) => recorded.headers.find(([n]) => n === name)?.[1] ?? null;
    expect({
      status: response.status,
      cacheControl: response.headers.get("Cache-Control"),
      contentType: response.headers.get("Content-Type"),
      body: await response.text(),
    }).toEqual({
      status: Number(recorded.statusLine.split(" ")[1]),
      cacheControl: header("Cache-Control"),
      contentType: header("Content-Type"),
      body: recorded.body.replaceAll("{{host}}", HOST),
    });
  });
});

// Recorded from Connect 4.3.1 (connection-close.json): a target in neither origin nor absolute form
// is a relative path (400, page `http:` and the target), a scheme Jetty's HttpURI reads (the Host
// check fails; "Bad Request" without a Host) or one it refuses (a bad message, `/badMessage`); an
// absolute form's authority is compared with the Host only when one was sent.
describe("targets in neither origin nor absolute form, as Connect 4.3.1 answers them (connection-close.json)", () => {
  const HOST = "127.0.0.1:8083";
  const CASES = CONNECTION_CLOSE_CASES.map((c, i) => [c.id, c.head, CONNECTION_CLOSE[i]!] as const).filter(
    ([id]) => id.startsWith("target-") || id.startsWith("absolute-") || id === "connect-lower-case",
  );

  test("every case has its recording", () => {
    expect(CONNECTION_CLOSE.map((r) => r.id)).toEqual(CONNECTION_CLOSE_CASES.map((c) => c.id));
    expect(CASES.length).toBeGreaterThan(20);
  });

  test.each(CASES)("%s", async (_, raw, recorded) => {
    const parsed = parseRequestHead(Buffer.from(raw.replaceAll("{{host}}", HOST), "latin1"));
    if (parsed.kind !== "head") throw new Error(`head not parsed: ${parsed.kind}`);
    const answer = routeOf(parsed.head, "http");
    if (!("response" in answer)) {
      expect({ routed: true, status: recorded.statusLine }).toEqual({ routed: true, status: "HTTP/1.1 200 OK" });
      return;
    }
    const header = (name: string) => recorded.headers.find(([n]) => n === name)?.[1] ?? null;
    expect({
      status: answer.response.status,
      cacheControl: answer.response.headers.get("Cache-Control"),
      body: await answer.response.text(),
      after: answer.after ?? "close",
    }).toEqual({
      status: Number(recorded.statusLine.split(" ")[1]),
      cacheControl: header("Cache-Control"),
      body: recorded.body.replaceAll("{{host}}", HOST),
      after: "close",
    });
    expect(recorded.after).toBe("closed");
  });
});
