import { describe, expect, test } from "bun:test";
import { BodyBudget, type BudgetRoute } from "./body-budget.ts";
import { passThroughStages } from "./request-context.ts";
import { IngestRouteTable, RouteRequests } from "./route-table.ts";
import { testSettings } from "./test-support.ts";

const request = (headers: Record<string, string>) =>
  new Request("http://gateway/ingest/t", { method: "POST", headers, body: "x" });
const sized = (n: number) => request({ "Content-Length": String(n) });
const route = (path: string, maxBodyBytes: number): BudgetRoute => ({
  settings: { path, limits: { maxBodyBytes, retryAfterSeconds: 5 } },
  requests: new RouteRequests(),
});

describe("BodyBudget", () => {
  test("reserves the declared length, or the route's limit for a chunked body or an unreadable length", () => {
    const budget = new BodyBudget(100);
    const r = route("/t", 50);
    expect(budget.reserve(sized(10), r)).toBe(10);
    expect(budget.reserve(request({ "Transfer-Encoding": "chunked" }), r)).toBe(50);
    expect(budget.reserved).toBe(60);
    expect(() => budget.reserve(sized(41), r)).toThrow(
      expect.objectContaining({ status: 503, options: { retryAfterSeconds: 5 } }),
    );
    expect(budget.reserve(sized(40), r)).toBe(40);
    budget.release(50, r);
    budget.release(40, r);
    expect(budget.reserve(request({ "Content-Length": "1, 2" }), r)).toBe(50);
    budget.release(50, r);
    expect(budget.reserve(sized(500), r)).toBe(50); // over the route's limit: refused by the read, reserved as the limit
    expect(budget.reserved).toBe(60);
    expect(r.requests.receiving).toBe(60);
  });

  test("a body is taken whatever its size when none is being received; 0 is no limit", () => {
    const budget = new BodyBudget(10);
    const r = route("/t", 50);
    expect(budget.reserve(sized(20), r)).toBe(20);
    budget.release(20, r);
    expect(budget.reserved).toBe(0);
    expect(r.requests.receiving).toBe(0);
    const unlimited = new BodyBudget(0);
    expect(unlimited.reserve(sized(1e9), route("/t", 2e9))).toBe(0);
    expect(unlimited.reserved).toBe(0);
  });

  test("with other routes served, a route holds at most half the budget (one body of its limit when larger), unless it holds nothing", () => {
    let routes = 2;
    const budget = new BodyBudget(100, () => routes);
    const a = route("/a", 30);
    const b = route("/b", 30);
    expect(budget.reserve(sized(30), a)).toBe(30);
    expect(budget.reserve(sized(20), a)).toBe(20);
    expect(() => budget.reserve(sized(1), a)).toThrow(
      expect.objectContaining({
        status: 503,
        message:
          "The ingest route /a is receiving 50 bytes of request bodies, its share of ingest.request.bodies.max.bytes=100 (half of it, or one body of ingest.max.body.bytes=30, while other routes are served); retry later",
        options: { retryAfterSeconds: 5 },
      }),
    );
    // The other half is the other routes'.
    expect(budget.reserve(sized(30), b)).toBe(30);
    expect(budget.reserve(sized(20), b)).toBe(20);
    expect(budget.reserved).toBe(100);
    budget.release(50, b);
    // A single route has the whole budget.
    routes = 1;
    expect(budget.reserve(sized(30), a)).toBe(30);
    expect(a.requests.receiving).toBe(80);
    budget.release(80, a);
    routes = 2;
    // A route whose one body passes half the budget may still take one of them; a route holding nothing always takes one.
    const large = route("/large", 70);
    expect(budget.reserve(request({ "Transfer-Encoding": "chunked" }), large)).toBe(70);
    expect(() => budget.reserve(sized(1), large)).toThrow(expect.objectContaining({ status: 503 }));
    expect(budget.reserve(sized(30), a)).toBe(30);
    expect(budget.reserved).toBe(100);
  });
});

describe("BodyBudget over a route table", () => {
  // review44: the share counted every route of the table, paused connectors' too, which take no
  // body (503 before it is read): a gateway with one device route and a paused connector held that
  // route to half of the bound with nobody to leave the other half to.
  test("a suspended route is not served: the only open route has the whole budget", () => {
    const table = new IngestRouteTable();
    const settings = (path: string) => testSettings({ "ingest.path": path, "ingest.max.body.bytes": "30" });
    const devices = table.open("devices", settings("/devices"), passThroughStages);
    table.open("paused", settings("/paused"), passThroughStages);
    table.attach("paused", { pending: 0, submit: async () => [], withdrawQueued: () => undefined });
    table.suspend("paused");
    const budget = new BodyBudget(100, () => table.openCount());
    for (let i = 0; i < 3; i++) expect(budget.reserve(sized(30), devices)).toBe(30);
    expect(devices.requests.receiving).toBe(90);
    budget.release(90, devices);
    // Resumed, it is served again: each route holds half.
    table.open("paused", settings("/paused"), passThroughStages);
    expect(budget.reserve(sized(30), devices)).toBe(30);
    expect(budget.reserve(sized(20), devices)).toBe(20);
    expect(() => budget.reserve(sized(1), devices)).toThrow(expect.objectContaining({ status: 503 }));
  });
});
