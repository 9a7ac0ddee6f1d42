import { describe, expect, test } from "bun:test";
import {
  JavaHashMapOrder,
  javaHashMap,
  javaHashOrder,
  javaHashOrderBy,
  topicPartitionHash,
} from "./java-hash-order.ts";

describe("javaHashOrder", () => {
  test("orders as Java's HashSet does (answers recorded from Connect 4.3.1)", () => {
    expect(javaHashOrder(["GET", "POST", "HEAD", "OPTIONS"])).toEqual(["HEAD", "POST", "GET", "OPTIONS"]);
    expect(javaHashOrder(["GET", "DELETE", "HEAD", "OPTIONS"])).toEqual(["HEAD", "DELETE", "GET", "OPTIONS"]);
    expect(
      Object.keys(javaHashMap({ "connector.class": "", file: "", topics: "", name: "", a: "", b: "", c: "" })),
    ).toEqual(["connector.class", "a", "b", "file", "c", "topics", "name"]);
  });

  // Copies checked with java.util.HashMap on Java 25 (Java 17 sizes a copy of 3 keys 8, not 4: name, topics.regex, topics).
  test("a copied map's table is sized for its contents (Connect's 'Connector config {…}' message)", () => {
    expect(javaHashOrder(["topic", "file", "errors.tolerance", "name"], true)).toEqual([
      "name",
      "topic",
      "errors.tolerance",
      "file",
    ]);
    expect(javaHashOrder(["topics", "topics.regex", "name"], true)).toEqual(["topics.regex", "name", "topics"]);
  });

  test("grows the table past 12 keys like HashMap.resize", () => {
    const keys = Array.from({ length: 13 }, (_, i) => `k${i}`);
    expect(javaHashOrder(keys)).toHaveLength(13);
    expect(new Set(javaHashOrder(keys))).toEqual(new Set(keys));
  });
});

describe("javaHashOrderBy", () => {
  test("TopicPartitions as a sink's offsets list them (GET …/offsets of Connect 4.3.1)", () => {
    expect(topicPartitionHash("t", 0)).toBe(1077); // new TopicPartition("t", 0).hashCode()
    const t = "oracle-hr-rmx7e14uc";
    const committed = [
      { topic: "oracle-active-a", partition: 0 },
      { topic: t, partition: 0 },
      { topic: t, partition: 1 },
      { topic: t, partition: 2 },
    ];
    const order = javaHashOrderBy(committed, (o) => topicPartitionHash(o.topic, o.partition));
    expect(order.map((o) => `${o.topic}-${o.partition}`)).toEqual([`${t}-1`, `${t}-0`, "oracle-active-a-0", `${t}-2`]);
  });
});

describe("JavaHashMapOrder", () => {
  // "Aa" and "BB" have the same String.hashCode; "a" and "q" share a bucket of a 16-table, not of a 32-table.
  test("put appends to its bucket, computeIfAbsent puts the new key at the bucket's head", () => {
    expect(new JavaHashMapOrder().put("Aa").put("BB").keys()).toEqual(["Aa", "BB"]);
    expect(new JavaHashMapOrder().computeIfAbsent("Aa").computeIfAbsent("BB").keys()).toEqual(["BB", "Aa"]);
    expect(new JavaHashMapOrder().put("Aa").computeIfAbsent("BB").computeIfAbsent("Aa").keys()).toEqual(["BB", "Aa"]);
  });

  test("computeIfAbsent grows the table before an insert once it is past 3/4 full", () => {
    const order = (fillers: number) => {
      const map = new JavaHashMapOrder();
      for (let i = 0; i < fillers; i++) map.put(`filler${i}`);
      return map
        .computeIfAbsent("a")
        .computeIfAbsent("q")
        .keys()
        .filter((k) => k === "a" || k === "q");
    };
    expect(order(11)).toEqual(["q", "a"]); // 12 keys before "q": still a 16-table
    expect(order(12)).toEqual(["a", "q"]); // 13 keys before "q": grown to 32 first
  });

  test("copyOf sizes the table for the source's keys, as new HashMap<>(map) does", () => {
    // 4 keys: an 8-table (Connect's PATCH …/config answer, ConnectUtils.patchConfig's copy).
    expect(JavaHashMapOrder.copyOf(["connector.class", "file", "name", "topic"]).keys()).toEqual([
      "connector.class",
      "name",
      "topic",
      "file",
    ]);
    // 12 keys: a 16-table on Java 19+ (Java 17: 32), where "a" and "q" share a bucket in the source's order.
    const fillers = Array.from({ length: 10 }, (_, i) => `filler${i}`);
    const copy = JavaHashMapOrder.copyOf(["q", "a", ...fillers]);
    expect(copy.keys().filter((k) => k === "a" || k === "q")).toEqual(["q", "a"]);
  });

  test("remove takes the key out of its bucket and never shrinks the table", () => {
    // 13 keys: a 32-table, where "a" and "q" do not share a bucket; 2 keys left keep it.
    const fillers = Array.from({ length: 11 }, (_, i) => `filler${i}`);
    const copy = JavaHashMapOrder.copyOf(["q", "a", ...fillers]);
    for (const f of fillers) copy.remove(f);
    expect(copy.remove("absent").keys()).toEqual(["a", "q"]);
    expect(new JavaHashMapOrder().put("q").put("a").put("b").remove("a").keys()).toEqual(["q", "b"]);
  });
});
