import { describe, expect, test } from "bun:test";
import { unsubscribedPartition } from "./assignment-subscription.ts";

const x1 = { topic: "x1", partition: 0 };
const x2 = { topic: "x2", partition: 1 };

describe("unsubscribedPartition", () => {
  test.each([
    ["a topic list that has every assigned topic", [x1, x2], ["x1", "x2"], undefined],
    ["a topic list without an assigned topic (staticsub: the old topics' cached assignment)", [x2, x1], ["x2"], x1],
    ["a pattern every assigned topic matches", [x1, x2], /x\d/, undefined],
    ["a pattern an assigned topic does not match", [x1, x2], /x2/, x1],
    ["no assignment", [], ["x1"], undefined],
  ] as const)("%s", (_, assigned, subscription, expected) => {
    expect(unsubscribedPartition(assigned, subscription)).toEqual(expected);
  });
});
