import { describe, expect, test } from "bun:test";
import { ActiveTopicRegistry } from "./active-topics.ts";

describe("ActiveTopicRegistry", () => {
  const registry = () => {
    const stored: string[] = [];
    return { stored, topics: new ActiveTopicRegistry((c, t) => stored.push(`${c}/${t}`)) };
  };

  test("the tasks of a connector store a topic once, and again after a reset", () => {
    const { stored, topics } = registry();
    const [a, b] = [topics.of("c"), topics.of("c")];
    for (let i = 0; i < 3; i++) for (const task of [a, b]) task.record("t");
    topics.reset("c");
    b.record("t");
    expect(stored).toEqual(["c/t", "c/t"]);
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
