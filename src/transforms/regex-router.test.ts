import { describe, expect, test } from "bun:test";
import { ConfigError, JavaException } from "../errors.ts";
import { RegexRouter } from "./regex-router.ts";
import { expectError, sinkRecord, srcRecord } from "./util/test-support.ts";

function route(regex: string, replacement: string, topic: string): string {
  const xform = new RegexRouter();
  xform.configure({ regex, replacement });
  return xform.apply(srcRecord({ topic })).topic;
}

describe("RegexRouter", () => {
  test.each([
    ["foo", "bar", "foo", "bar"],
    ["foo", "bar", "orig", "orig"],
    ["foo", "bar", "foobar", "foobar"],
    ["(.*)", "$1", "orig", "orig"],
    ["(.*)", "prefix-$1", "orig", "prefix-orig"],
    ["(.*)", "$1-suffix", "orig", "orig-suffix"],
    ["(.*)-(\\d\\d\\d\\d\\d\\d\\d\\d)", "$1", "index-20160117", "index"],
    ["(?<name>[a-z]+)\\.(?<env>[a-z]+)", "$" + "{env}-$" + "{name}", "orders.prod", "prod-orders"],
    ["a|ab", "X", "ab", "Xb"],
  ])("routes %p → %p on %p", (regex, replacement, topic, expected) => {
    expect(route(regex, replacement, topic)).toBe(expected);
  });

  test("keeps the sink record's own fields", () => {
    const xform = new RegexRouter();
    xform.configure({ regex: "(.*)", replacement: "new-$1" });
    const record = sinkRecord({ topic: "t", kafkaOffset: 3, originalTopic: "t" });
    expect(xform.apply(record)).toEqual({ ...record, topic: "new-t" });
  });

  test("fails on a bad group reference at apply time, like Matcher.replaceFirst", () => {
    const xform = new RegexRouter();
    xform.configure({ regex: "(.*)", replacement: "$2" });
    expectError(() => xform.apply(srcRecord({ topic: "t" })), JavaException, "No group 2");
  });

  test.each([
    [{ replacement: "x" }, 'Missing required configuration "regex" which has no default value.'],
    [{ regex: "x" }, 'Missing required configuration "replacement" which has no default value.'],
  ])("rejects the config %p", (configs, message) => {
    expectError(() => new RegexRouter().configure(configs), ConfigError, message);
  });

  test("rejects an invalid regex with RegexValidator's prefix", () => {
    let caught: unknown;
    try {
      new RegexRouter().configure({ regex: "(", replacement: "x" });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as Error).message).toStartWith("Invalid value ( for configuration regex: Invalid regex: ");
  });
});
