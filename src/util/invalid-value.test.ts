import { describe, expect, test } from "bun:test";
import { ConfigError } from "../errors.ts";
import { invalidValue, invalidValueError } from "./invalid-value.ts";

describe("invalidValue", () => {
  test("writes Connect's ConfigException text, null as null", () => {
    expect(invalidValue("tasks.max", "x", "Not a number of type INT")).toBe(
      "Invalid value x for configuration tasks.max: Not a number of type INT",
    );
    expect(invalidValue("k", null, "must not be null")).toBe(
      "Invalid value null for configuration k: must not be null",
    );
  });

  test("hides a URL's credentials wherever the message quotes them", () => {
    const text = invalidValue(
      "a.class",
      "https://u:s3cret@h/x?token=t0k",
      "Class https://u:s3cret@h/x?token=t0k could not be found.",
    );
    expect(text).not.toContain("s3cret");
    expect(text).not.toContain("t0k");
    expect(text).toBe(
      "Invalid value https://***@h/x?token=*** for configuration a.class: Class https://***@h/x?token=*** could not be found.",
    );
  });

  test("the error is listed under the configured key, the message names the shown one", () => {
    const error = invalidValueError(
      "replication.factor",
      "0",
      "too small",
      "topic.creation.default.replication.factor",
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe("Invalid value 0 for configuration replication.factor: too small");
    expect([...error.errors]).toEqual([["topic.creation.default.replication.factor", [error.message]]]);
  });
});
