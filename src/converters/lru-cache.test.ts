import { expect, test } from "bun:test";
import { LruCache } from "./lru-cache.ts";

test("LruCache evicts the least recently used entry", () => {
  const cache = new LruCache<string, number>(2);
  cache.set("a", 1);
  cache.set("b", 2);
  expect(cache.get("a")).toBe(1);
  cache.set("c", 3);
  expect([cache.get("a"), cache.get("b"), cache.get("c"), cache.size]).toEqual([1, undefined, 3, 2]);
});

test("LruCache with no capacity keeps nothing", () => {
  const cache = new LruCache<string, number>(0);
  cache.set("a", 1);
  expect(cache.get("a")).toBeUndefined();
});
