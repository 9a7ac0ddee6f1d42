import { describe, expect, test } from "bun:test";
import { parseCommandLine, USAGE } from "./cli.ts";

const exists = (files: string[]) => (path: string) => files.includes(path);

describe("parseCommandLine", () => {
  test("--help lists every subcommand and option", () => {
    expect(parseCommandLine(["--help"])).toEqual({ kind: "help" });
    expect(parseCommandLine(["-h"])).toEqual({ kind: "help" });
    for (const word of [
      "healthcheck",
      "hash-password",
      "--bcrypt",
      "delete-connector [worker.properties] [--] <name>",
      "--help",
      "-h",
      "--version",
      "-v",
    ]) {
      expect(USAGE).toContain(word);
    }
  });

  test.each([
    [["--version"], { kind: "version" }],
    [["healthcheck"], { kind: "healthcheck", url: "http://127.0.0.1:8083" }],
    [["healthcheck", "https://h:8443"], { kind: "healthcheck", url: "https://h:8443" }],
    [["hash-password"], { kind: "hash-password", algorithm: "argon2id" }],
    [["hash-password", "--bcrypt"], { kind: "hash-password", algorithm: "bcrypt" }],
    [["delete-connector", "a/b"], { kind: "delete-connector", workerFile: undefined, name: "a/b" }],
    [
      ["delete-connector", "w.properties", "a/b"],
      { kind: "delete-connector", workerFile: "w.properties", name: "a/b" },
    ],
    [["delete-connector", "--", "-a"], { kind: "delete-connector", workerFile: undefined, name: "-a" }],
    [
      ["delete-connector", "w.properties", "--", "-a"],
      { kind: "delete-connector", workerFile: "w.properties", name: "-a" },
    ],
    [
      ["delete-connector", "connector.json"],
      { kind: "delete-connector", workerFile: undefined, name: "connector.json" },
    ],
    [[], { kind: "run", workerFile: undefined, connectorFiles: [] }],
    [["w.properties", "c.json"], { kind: "run", workerFile: "w.properties", connectorFiles: ["c.json"] }],
    [["c.json"], { kind: "run", workerFile: undefined, connectorFiles: ["c.json"] }],
    [["worker"], { kind: "run", workerFile: "worker", connectorFiles: [] }],
  ])("%p → %p", (argv, command) => {
    expect(parseCommandLine(argv, {}, exists(["worker"]))).toEqual(command as never);
  });

  test.each([
    [["--verbose"], "unknown option --verbose"],
    [["w.properties", "--debug"], "unknown option --debug"],
    [["healtcheck"], "unknown subcommand healtcheck"],
    [["hash-password", "--sha1"], "unknown option --sha1 for hash-password"],
    [["healthcheck", "--timeout=1"], "unknown option --timeout=1 for healthcheck"],
    [["healthcheck", "a", "b"], "healthcheck takes one url"],
    [["delete-connector"], "delete-connector takes [worker.properties] <name>"],
    [["delete-connector", "w.properties", "a", "b"], "delete-connector takes [worker.properties] <name>"],
    [["delete-connector", "--force", "a/b"], "unknown option --force for delete-connector"],
    [["delete-connector", "w.properties", "-a"], "unknown option -a for delete-connector"],
    [["delete-connector", "w.properties", ""], "delete-connector needs a connector name"],
    [["delete-connecter", "a/b"], "unknown subcommand delete-connecter"],
  ])("%p is an error, never a file name", (argv, message) => {
    const command = parseCommandLine(argv, {}, exists([]));
    expect(command.kind).toBe("error");
    expect((command as { message: string }).message).toStartWith(message);
  });

  test.each([
    ["https://:8443", "https://127.0.0.1:8443"],
    ["http://0.0.0.0:9083, https://:8443", "http://127.0.0.1:9083"],
    ["http://[::]:9083", "http://127.0.0.1:9083"],
    ["http://[0:0:0:0:0:0:0:0]:9083", "http://127.0.0.1:9083"],
    ["http://[::1]:9083", "http://[::1]:9083"],
    ["http://[fe80::1]:9083", "http://[fe80::1]:9083"],
    ["http://gw.local:9083", "http://gw.local:9083"],
    ["http://127.0.0.1:0", "http://127.0.0.1:8083"],
    ["not a listener", "http://127.0.0.1:8083"],
    ["", "http://127.0.0.1:8083"],
  ])("healthcheck without GATEWAY_HEALTH_URL asks CONNECT_LISTENERS=%p at %p", (listeners, url) => {
    expect(parseCommandLine(["healthcheck"], { CONNECT_LISTENERS: listeners })).toEqual({ kind: "healthcheck", url });
  });

  test("healthcheck's GATEWAY_HEALTH_URL wins over CONNECT_LISTENERS", () => {
    expect(
      parseCommandLine(["healthcheck"], { GATEWAY_HEALTH_URL: "http://x:1", CONNECT_LISTENERS: "http://:9083" }),
    ).toEqual({ kind: "healthcheck", url: "http://x:1" });
  });

  test("healthcheck falls back to GATEWAY_HEALTH_URL", () => {
    expect(parseCommandLine(["healthcheck"], { GATEWAY_HEALTH_URL: "http://x:1" })).toEqual({
      kind: "healthcheck",
      url: "http://x:1",
    });
  });
});
