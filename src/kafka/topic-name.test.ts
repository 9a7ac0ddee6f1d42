import { describe, expect, test } from "bun:test";
import { topicNameProblem } from "./topic-name.ts";

describe("topicNameProblem", () => {
  test.each(["orders", "a", "a.b_c-D9", ".a", "..a", "x".repeat(249)])("%s is a valid topic name", (name) => {
    expect(topicNameProblem(name)).toBeUndefined();
  });

  // Kafka 4.3.1's Topic.validate messages, word for word (kafka-clients-4.3.1.jar).
  test.each([
    ["", "Topic name is invalid: the empty string is not allowed"],
    [".", "Topic name is invalid: '.' is not allowed"],
    ["..", "Topic name is invalid: '..' is not allowed"],
    [
      "x".repeat(250),
      `Topic name is invalid: the length of '${"x".repeat(250)}' is longer than the max allowed length 249`,
    ],
    [
      "bad topic!",
      "Topic name is invalid: 'bad topic!' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'",
    ],
    [
      "a:b",
      "Topic name is invalid: 'a:b' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'",
    ],
    [
      "café",
      "Topic name is invalid: 'café' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'",
    ],
  ])("%s is refused", (name, message) => {
    expect(topicNameProblem(name)).toBe(message);
  });
});
