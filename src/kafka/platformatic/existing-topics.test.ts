import { describe, expect, test } from "bun:test";
import type { ClusterMetadata } from "@platformatic/kafka";
import { existingTopicsMetadata } from "./existing-topics.ts";
import { metadataOf } from "./metadata-test-support.ts";

const counts = (md: ClusterMetadata) => Object.fromEntries([...md.topics].map(([t, m]) => [t, m.partitionsCount]));

describe("existingTopicsMetadata", () => {
  test("every topic known: one Metadata call", async () => {
    const { consumer, calls } = metadataOf({ a: 1, b: 2 });
    expect(counts(await existingTopicsMetadata(consumer, { topics: ["a", "b"] }))).toEqual({ a: 1, b: 2 });
    expect(calls).toEqual([["a", "b"]]);
  });

  test("one unknown (deleted): the others asked one by one, the unknown one left out", async () => {
    const { consumer, calls } = metadataOf({ b: 2 });
    expect(counts(await existingTopicsMetadata(consumer, { topics: ["a", "b"] }))).toEqual({ b: 2 });
    expect(calls).toEqual([["a", "b"], ["a"], ["b"]]);
  });

  test.each([
    ["none of several known", ["a", "b"]],
    ["the only topic unknown", ["a"]],
  ])("%s: an unknown-topic error", async (_, topics) => {
    const { consumer } = metadataOf({});
    await expect(existingTopicsMetadata(consumer, { topics })).rejects.toThrow(/^Unknown topic /);
  });

  test("another failure is thrown as it is, not asked topic by topic", async () => {
    const { consumer, calls } = metadataOf({ a: 1 }, new Error("Connection closed"));
    await expect(existingTopicsMetadata(consumer, { topics: ["a", "b"] })).rejects.toThrow("Connection closed");
    expect(calls).toEqual([["a", "b"]]);
  });
});
