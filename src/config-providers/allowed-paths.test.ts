import { describe, expect, test } from "bun:test";
import { tempDir } from "../../test/support/temp-dir.ts";
import { ConfigError } from "../errors.ts";
import { defineConfig } from "../plugin/config-def.ts";
import { AllowedPaths, allowedPathsKey, isWithin, normalizePath } from "./allowed-paths.ts";
import { expectThrows } from "./test-support.ts";

describe("AllowedPaths", () => {
  test.each([
    ["/a/b/", "/a/b"],
    ["/a/./b/../c", "/a/c"],
    ["/../etc", "/etc"],
    ["/", "/"],
  ])("normalises %p to %p as Path.normalize does", (path, expected) => {
    expect(normalizePath(path)).toBe(expected);
  });

  test.each<[string, string, boolean]>([
    ["/etc/app", "/etc/app", true],
    ["/etc/app/db.properties", "/etc/app", true],
    ["/etc/application", "/etc/app", false],
    ["/etc", "/etc/app", false],
    ["/anything", "/", true],
    ["relative", "/", false],
  ])("%p within %p is %p (whole components)", (path, root, expected) => {
    expect(isWithin(path, root)).toBe(expected);
  });

  test.each<[string, string | undefined]>([
    ["/etc/app/db.properties", "/etc/app/db.properties"],
    ["/etc/app/./sub/../db.properties", "/etc/app/db.properties"],
    ["/etc/app/../shadow", undefined],
    ["/etc/application/x", undefined],
    ["/srv/other/x", "/srv/other/x"],
    ["etc/app/x", undefined],
  ])("with allowed paths /etc/app and /srv/other, %p opens %p", (path, expected) => {
    expect(new AllowedPaths(["/etc/app", "/srv/other/"]).parseUntrustedPath(path)).toBe(expected);
  });

  test.each([[null], [[]]])("allows every path, unchanged, when allowed.paths is %p", (paths) => {
    expect(new AllowedPaths(paths).parseUntrustedPath("relative/../x")).toBe("relative/../x");
  });

  describe("the allowed.paths key", () => {
    const def = defineConfig({ "allowed.paths": allowedPathsKey() });

    test("accepts absolute existing paths, trimmed, and defaults to null", async () => {
      await using dir = await tempDir();
      expect(def.parse({ "allowed.paths": ` ${dir.path} , /` })).toEqual({ "allowed.paths": [dir.path, "/"] });
      expect(def.parse({})).toEqual({ "allowed.paths": null });
    });

    test.each([
      [
        "relative/dir",
        "Invalid value [relative/dir] for configuration allowed.paths: Path relative/dir is not absolute",
      ],
      [
        "/no/such/dir",
        "Invalid value [/no/such/dir] for configuration allowed.paths: Path /no/such/dir does not exist",
      ],
      ["/,,/tmp", "Invalid value [/, , /tmp] for configuration allowed.paths: Path  is not absolute"],
    ])("rejects %p like Apache's AllowedPaths", (value, message) => {
      expectThrows(() => def.parse({ "allowed.paths": value }), ConfigError, message);
    });
  });
});
