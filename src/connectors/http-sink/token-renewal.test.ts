import { describe, expect, test } from "bun:test";
import { TokenRenewal } from "./token-renewal.ts";

describe("TokenRenewal", () => {
  test("a 401 renews once per request; a renewed token refused too is not renewed again for 30 s", () => {
    let now = 1_000_000;
    const renewal = new TokenRenewal(() => now);
    renewal.sending("t1", false);
    expect(renewal.renewOn401("t1", false)).toBe(true);
    renewal.sending("t2", true);
    // The fresh token is refused as well: no second renewal for this request, nor for the next ones.
    expect(renewal.renewOn401("t2", true)).toBe(false);
    renewal.sending("t2", false);
    expect(renewal.renewOn401("t2", false)).toBe(false);
    now += 29_999;
    expect(renewal.renewOn401("t2", false)).toBe(false);
    now += 1;
    expect(renewal.renewOn401("t2", false)).toBe(true);
  });

  test("a renewed token that was accepted is renewed again on a later 401", () => {
    const renewal = new TokenRenewal(() => 0);
    renewal.sending("t1", false);
    expect(renewal.renewOn401("t1", false)).toBe(true);
    renewal.sending("t2", true);
    renewal.accepted("t2");
    renewal.sending("t2", false);
    expect(renewal.renewOn401("t2", false)).toBe(true);
  });
});
