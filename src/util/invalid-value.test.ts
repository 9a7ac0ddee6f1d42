import { describe, expect, test } from "bun:test";
import { ConfigError } from "../errors.ts";
import { invalidValue, invalidValueError, throwInvalidKey } from "./invalid-value.ts";

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

  test("hides a credential holding a raw space in the value, wherever the message quotes it", () => {
    const url = "http://u:s3 cret@h:${offset}/x?my token=t0 k";
    expect(invalidValue("http.url", url, `cannot read ${url}`)).toBe(
      "Invalid value http://***@h:${offset}/x?my token=*** for configuration http.url: cannot read http://***@h:${offset}/x?my token=***",
    );
  });

  // Review rv25f: the value is read as one token, but a JSONPath filter's `@.api_key == 'x'` is a
  // comparison, not a parameter: the message still shows what was refused.
  test("shows a JSONPath filter with spaces whole", () => {
    const path = "$.items[?(@.api_key == 'x')].id";
    expect(invalidValue("http.response.list.pointer", path, `Invalid JSONPath expression: ${path}`)).toBe(
      `Invalid value ${path} for configuration http.response.list.pointer: Invalid JSONPath expression: ${path}`,
    );
  });

  // Review rv25f: read as one value, a list's first URL was hidden up to the next one's `@`.
  test("shows a list's URLs apart, hiding only the user info of the one that has it", () => {
    expect(invalidValue("listeners", "http://0.0.0.0:8083, https://u:s3 cret@h:8443", "bad")).toBe(
      "Invalid value http://0.0.0.0:8083, https://***@h:8443 for configuration listeners: bad",
    );
  });

  // Review rv25f: the hidden value was put in with String.replaceAll's replacement patterns, so a
  // `$&` or `$'` in it wrote the value as written, password and all, back into the message.
  test.each(["$&", "$'", "$`", "$$"])("hides the credential of a value holding %s", (pattern) => {
    const url = `http://u:s3 cret@h:\${offset}/x?q=${pattern}`;
    const shown = `http://***@h:\${offset}/x?q=${pattern}`;
    expect(invalidValue("http.url", url, `cannot read ${url}`)).toBe(
      `Invalid value ${shown} for configuration http.url: cannot read ${shown}`,
    );
  });

  test("hides a scheme-less user:password@host, not an e-mail address", () => {
    expect(invalidValue("proxy", "alice:s3cret@proxy:3128", "Unknown host alice:s3cret@proxy:3128")).toBe(
      "Invalid value ***@proxy:3128 for configuration proxy: Unknown host ***@proxy:3128",
    );
    expect(invalidValue("to", "a@b.c", "no such user a@b.c")).toBe(
      "Invalid value a@b.c for configuration to: no such user a@b.c",
    );
  });

  test("an `@` in a URL's query hides neither its host nor its path", () => {
    expect(invalidValue("http.url", "https://api.example/x?email=a@b.c", "bad")).toBe(
      "Invalid value https://api.example/x?email=a@b.c for configuration http.url: bad",
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

describe("throwInvalidKey", () => {
  test("throws a ConfigError naming the key, without the value, the reason listed under the key", () => {
    let thrown: unknown;
    try {
      throwInvalidKey("ssl.keystore.password", "wrong password for the JKS store");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const error = thrown as ConfigError;
    expect(error.message).toBe(
      "Invalid value for configuration ssl.keystore.password: wrong password for the JKS store",
    );
    expect(error.errors).toEqual(new Map([["ssl.keystore.password", ["wrong password for the JKS store"]]]));
    expect("cause" in error).toBe(false);
  });

  test("keeps the cause it is given", () => {
    const cause = new Error("ENOENT: no such file or directory");
    let thrown: unknown;
    try {
      throwInvalidKey("k", "cannot read /x", cause);
    } catch (error) {
      thrown = error;
    }
    expect((thrown as ConfigError).cause).toBe(cause);
  });
});
