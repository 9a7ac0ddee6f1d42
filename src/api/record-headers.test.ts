import { describe, expect, test } from "bun:test";
import { RecordHeaders } from "./record-headers.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("RecordHeaders", () => {
  test("mutable headers update the list they wrap: add appends, remove drops every header of a key", () => {
    const list = [{ key: "a", value: bytes("1") }];
    const headers = RecordHeaders.mutable(list);
    headers.add("b", bytes("2")).add("a", null);
    expect(list.map((h) => h.key)).toEqual(["a", "b", "a"]);
    expect(headers.lastHeader("a")).toEqual({ key: "a", value: null });
    expect(headers.headers("a")).toHaveLength(2);
    headers.remove("a");
    expect([...headers]).toEqual([{ key: "b", value: bytes("2") }]);
    expect(headers.lastHeader("a")).toBeNull();
    expect(headers.size).toBe(1);
  });

  test("read-only headers can be read but not changed (Kafka's 'RecordHeaders has been closed.')", () => {
    const headers = RecordHeaders.readOnly([{ key: "a", value: bytes("1") }]);
    expect(headers.lastHeader("a")?.value).toEqual(bytes("1"));
    expect(() => headers.add("b", null)).toThrow("RecordHeaders has been closed.");
    expect(() => headers.remove("a")).toThrow("RecordHeaders has been closed.");
    expect(headers.toArray()).toEqual([{ key: "a", value: bytes("1") }]);
  });
});
