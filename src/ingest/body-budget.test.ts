import { describe, expect, test } from "bun:test";
import { BodyBudget } from "./body-budget.ts";

const request = (headers: Record<string, string>) =>
  new Request("http://gateway/ingest/t", { method: "POST", headers, body: "x" });
const sized = (n: number) => request({ "Content-Length": String(n) });

describe("BodyBudget", () => {
  test("reserves the declared length, or the route's limit for a chunked body or an unreadable length", () => {
    const budget = new BodyBudget(100);
    expect(budget.reserve(sized(10), 50, 5)).toBe(10);
    expect(budget.reserve(request({ "Transfer-Encoding": "chunked" }), 50, 5)).toBe(50);
    expect(budget.reserved).toBe(60);
    expect(() => budget.reserve(sized(41), 50, 5)).toThrow(
      expect.objectContaining({ status: 503, options: { retryAfterSeconds: 5 } }),
    );
    expect(budget.reserve(sized(40), 50, 5)).toBe(40);
    budget.release(50);
    budget.release(40);
    expect(budget.reserve(request({ "Content-Length": "1, 2" }), 50, 5)).toBe(50);
    budget.release(50);
    expect(budget.reserve(sized(500), 50, 5)).toBe(50); // over the route's limit: refused by the read, reserved as the limit
    expect(budget.reserved).toBe(60);
  });

  test("a body is taken whatever its size when none is being received; 0 is no limit", () => {
    const budget = new BodyBudget(10);
    expect(budget.reserve(sized(20), 50, 5)).toBe(20);
    budget.release(20);
    expect(budget.reserved).toBe(0);
    const unlimited = new BodyBudget(0);
    expect(unlimited.reserve(sized(1e9), 2e9, 5)).toBe(0);
    expect(unlimited.reserved).toBe(0);
  });
});
