import { describe, expect, test } from "bun:test";
import { likelyKeys } from "./likely-key.ts";

const likely = likelyKeys(["sink.error.code", "sink.retry.max.attempts", "behavior.on.error", "a.b.cd", "a.b.ce"]);

describe("likelyKeys", () => {
  test.each([
    ["sink.retry.max-attempts", "sink.retry.max.attempts"],
    ["Sink.Error_Code", "sink.error.code"],
    ["sink.error.codes", "sink.error.code"],
    ["sink.eror.codes", "sink.error.code"],
    ["behaviour.on.error", "behavior.on.error"],
  ])("%s names %s (separators ignored, a typo of up to two letters)", (name, meant) => {
    expect(likely(name)).toBe(meant);
  });

  test.each([
    ["sink.no.such.option", "nothing near"],
    ["sink.erorr.codess", "three letters away"],
    ["a.b.cf", "two keys as near"],
  ])("%s names no key (%s)", (name) => {
    expect(likely(name)).toBeUndefined();
  });
});
