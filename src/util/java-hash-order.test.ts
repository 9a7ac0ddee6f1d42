import { describe, expect, test } from "bun:test";
import { javaHashMap, javaHashOrder } from "./java-hash-order.ts";

describe("javaHashOrder", () => {
  test("orders as Java's HashSet does (answers recorded from Connect 4.3.1)", () => {
    expect(javaHashOrder(["GET", "POST", "HEAD", "OPTIONS"])).toEqual(["HEAD", "POST", "GET", "OPTIONS"]);
    expect(javaHashOrder(["GET", "DELETE", "HEAD", "OPTIONS"])).toEqual(["HEAD", "DELETE", "GET", "OPTIONS"]);
    expect(
      Object.keys(javaHashMap({ "connector.class": "", file: "", topics: "", name: "", a: "", b: "", c: "" })),
    ).toEqual(["connector.class", "a", "b", "file", "c", "topics", "name"]);
  });

  test("a copied map's table is sized for its contents (Connect's 'Connector config {…}' message)", () => {
    expect(javaHashOrder(["topic", "file", "errors.tolerance", "name"], true)).toEqual([
      "name",
      "topic",
      "errors.tolerance",
      "file",
    ]);
    expect(javaHashOrder(["topics", "topics.regex", "name"], true)).toEqual(["name", "topics.regex", "topics"]);
  });

  test("grows the table past 12 keys like HashMap.resize", () => {
    const keys = Array.from({ length: 13 }, (_, i) => `k${i}`);
    expect(javaHashOrder(keys)).toHaveLength(13);
    expect(new Set(javaHashOrder(keys))).toEqual(new Set(keys));
  });
});
