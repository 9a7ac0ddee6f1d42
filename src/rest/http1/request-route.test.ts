import { describe, expect, test } from "bun:test";
import type { RequestHead } from "./request-head.ts";
import { headErrorResponse, type Refusal, routeOf } from "./request-route.ts";

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
  ])("%s %s routes to its origin-form path", (method, target, route) => {
    expect(routeOf(head(method, target), "http")).toEqual(route);
  });

  test.each([
    ["GET", "http://elsewhere:80/connectors", 400, "Authority!=Host"],
    // Jetty checks the URI before its authority (HttpConnection.headerComplete).
    ["GET", "http://elsewhere:80/a%2Fb", 400, "Ambiguous URI path separator"],
    ["GET", "*", 400, "Bad URI path"],
    ["GET", "connectors", 400, "Bad Request"],
    ["CONNECT", "/connectors", 400, "Bad Request"],
  ])("%s %s is refused as Connect refuses it", async (method, target, status, reason) => {
    expect(await refusal(routeOf(head(method, target), "http"))).toEqual([status, reason]);
  });

  test("OPTIONS * is an empty 404", async () => {
    const answer = (routeOf(head("OPTIONS", "*"), "http") as Refusal).response;
    expect([answer.status, await answer.text()]).toEqual([404, ""]);
  });
});

describe("headErrorResponse", () => {
  test("shows the full URL for checks made once the head is known, with the listener's scheme", async () => {
    const answer = headErrorResponse(
      {
        status: 400,
        reason: "Bad Request",
        uri: { kind: "url", method: "GET", host: "gw:8443", target: "/x" },
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
