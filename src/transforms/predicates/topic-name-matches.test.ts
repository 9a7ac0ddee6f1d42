import { describe, expect, test } from "bun:test";
import { ConfigError } from "../../errors.ts";
import { expectError, srcRecord } from "../util/test-support.ts";
import { TopicNameMatches, topicNameMatches } from "./topic-name-matches.ts";

describe("TopicNameMatches", () => {
  test.each([
    ["my-prefix-.*", "my-prefix-", true],
    ["my-prefix-.*", "my-prefix-foo", true],
    ["my-prefix-.*", "x-my-prefix-", false],
    ["my-prefix-.*", "x-my-prefix-foo", false],
    ["my-prefix-.*", "your-prefix-", false],
    ["foo", "foobar", false],
    ["(?i)FOO", "foo", true],
    ["\\Qa.b\\E", "a.b", true],
  ])("pattern %p on topic %p is %p", (pattern, topic, expected) => {
    const predicate = new TopicNameMatches();
    predicate.configure({ pattern });
    expect(predicate.test(srcRecord({ topic }))).toBe(expected);
  });

  test.each([
    [{}, 'Missing required configuration "pattern" which has no default value.'],
    [{ pattern: "" }, "Invalid value  for configuration pattern: String must be non-empty"],
  ])("rejects the config %p", (configs, message) => {
    expectError(() => new TopicNameMatches().configure(configs), ConfigError, message);
  });

  test("rejects an invalid regex", () => {
    const errors = topicNameMatches.config.validate({ pattern: "[" }).get("pattern")?.errors ?? [];
    expect(errors).toHaveLength(1);
    expect(errors[0]).toStartWith("Invalid value [ for configuration pattern: Invalid regex: ");
  });

  test("describes itself", () => {
    const predicate = new TopicNameMatches();
    predicate.configure({ pattern: "a.*" });
    expect(String(predicate)).toBe("TopicNameMatches{pattern=a.*}");
  });
});
