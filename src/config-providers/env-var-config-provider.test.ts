import { describe, expect, test } from "bun:test";
import { ConfigError, ConnectError } from "../errors.ts";
import { EnvVarConfigProvider } from "./env-var-config-provider.ts";
import { expectThrows, testContext } from "./test-support.ts";

const ENV = { APP_TOKEN: "t0k3n", APP_USER: "app", XAPP_TOKEN: "x", HOME: "/home/app", UNSET: undefined };

function provider(params: Record<string, string> = {}) {
  const context = testContext(ENV);
  const env = new EnvVarConfigProvider(context.env, context.logger);
  env.configure(params);
  return { env, lines: context.lines };
}

describe("EnvVarConfigProvider", () => {
  test("yields the requested variables that are set", () => {
    expect(provider().env.get("", new Set(["APP_TOKEN", "HOME", "UNSET", "MISSING"]))).toEqual(
      new Map([
        ["APP_TOKEN", "t0k3n"],
        ["HOME", "/home/app"],
      ]),
    );
  });

  test("exposes every variable and logs Apache's notice without allowlist.pattern", () => {
    const { env, lines } = provider();
    expect(env.get("")).toEqual(
      new Map([
        ["APP_TOKEN", "t0k3n"],
        ["APP_USER", "app"],
        ["XAPP_TOKEN", "x"],
        ["HOME", "/home/app"],
      ]),
    );
    expect(lines).toEqual([
      expect.stringContaining("INFO No pattern for environment variables provided. Using default pattern '(.*)'."),
    ]);
  });

  test.each<[string, string[]]>([
    ["APP_.*", ["APP_TOKEN", "APP_USER"]],
    ["APP", []],
    ["(?i)app_token", ["APP_TOKEN"]],
    ["APP_TOKEN|HOME", ["APP_TOKEN", "HOME"]],
    ["", []],
  ])("with allowlist.pattern %p exposes only whole-name matches %p", (pattern, visible) => {
    const { env } = provider({ "allowlist.pattern": pattern });
    expect([...env.get("", new Set(Object.keys(ENV))).keys()]).toEqual(visible);
  });

  test("rejects an invalid allowlist.pattern", () => {
    expectThrows(
      () => provider({ "allowlist.pattern": "(" }),
      ConfigError,
      // java.util.regex's PatternSyntaxException message, as Apache's provider reports it.
      "Invalid value ( for configuration allowlist.pattern: Unclosed group near index 1\n(",
    );
  });

  test("rejects a path, with Apache's message", () => {
    expectThrows(
      () => provider().env.get("some/path", new Set(["APP_TOKEN"])),
      ConfigError,
      "Path is not supported for EnvVarConfigProvider, invalid value 'some/path'",
    );
  });

  test("reads the environment once, when created", () => {
    const env: Record<string, string> = { A: "before" };
    const p = new EnvVarConfigProvider(env, testContext().logger);
    env.A = "after";
    p.configure({});
    expect(p.get("", new Set(["A"]))).toEqual(new Map([["A", "before"]]));
  });

  test("refuses to be read before it is configured", () => {
    const p = new EnvVarConfigProvider(ENV, testContext().logger);
    expectThrows(() => p.get("", new Set(["HOME"])), ConnectError, "The provider has not been configured yet.");
  });
});
