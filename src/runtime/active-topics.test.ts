import { describe, expect, test } from "bun:test";
import { ActiveTopicRegistry } from "./active-topics.ts";

describe("ActiveTopicRegistry", () => {
  const registry = () => {
    const stored: string[] = [];
    return { stored, topics: new ActiveTopicRegistry((c, t) => stored.push(`${c}/${t}`) > 0) };
  };

  test("the tasks of a connector store a topic once, and again after a reset", () => {
    const { stored, topics } = registry();
    const [a, b] = [topics.of("c"), topics.of("c")];
    for (let i = 0; i < 3; i++) for (const task of [a, b]) task.record("t");
    topics.reset("c");
    b.record("t");
    expect(stored).toEqual(["c/t", "c/t"]);
  });

  test("a topic whose store failed is stored again with its next record (Connect's status store knows only what it wrote)", () => {
    const stored: string[] = [];
    let full = true;
    const topics = new ActiveTopicRegistry((c, t) => !full && stored.push(`${c}/${t}`) > 0);
    const task = topics.of("c");
    task.record("t");
    task.record("t");
    full = false;
    task.record("t");
    task.record("t");
    expect(stored).toEqual(["c/t"]);
  });

  test("a connector deleted and created again starts empty, whatever a task of the deleted one recorded late", () => {
    const { stored, topics } = registry();
    const abandoned = topics.of("c");
    topics.remove("c");
    // A task abandoned past its graceful stop records after the delete (not stored: no config).
    abandoned.record("t");
    topics.of("c").record("t");
    expect(stored).toEqual(["c/t", "c/t"]);
  });
});
