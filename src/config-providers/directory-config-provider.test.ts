import { describe, expect, test } from "bun:test";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { tempDir } from "../../test/support/temp-dir.ts";
import { ConfigError, ConnectError } from "../errors.ts";
import { DirectoryConfigProvider } from "./directory-config-provider.ts";
import { expectRejects, expectThrows, testContext } from "./test-support.ts";

function provider(params: Record<string, string> = {}) {
  const context = testContext();
  const dir = new DirectoryConfigProvider(context.logger);
  dir.configure(params);
  return { provider: dir, lines: context.lines };
}

async function secretsDir(path: string): Promise<void> {
  await writeFile(`${path}/username`, "app");
  await writeFile(`${path}/password`, "s3cr3t\n");
  await mkdir(`${path}/nested`);
  await writeFile(`${path}/nested/inner`, "not read");
  await writeFile(`${path}/../elsewhere`, "target");
  await symlink(`${path}/../elsewhere`, `${path}/linked`);
}

describe("DirectoryConfigProvider", () => {
  test("yields the content of each requested regular file, untrimmed", async () => {
    await using dir = await tempDir();
    await mkdir(dir.file("secrets"));
    await secretsDir(dir.file("secrets"));
    const values = await provider().provider.get(dir.file("secrets"), new Set(["password", "username", "nested"]));
    expect(values).toEqual(
      new Map([
        ["password", "s3cr3t\n"],
        ["username", "app"],
      ]),
    );
  });

  test("yields every regular file directly in the directory when no keys are given, symlinks included", async () => {
    await using dir = await tempDir();
    await mkdir(dir.file("secrets"));
    await secretsDir(dir.file("secrets"));
    expect(await provider().provider.get(dir.file("secrets"))).toEqual(
      new Map([
        ["linked", "target"],
        ["password", "s3cr3t\n"],
        ["username", "app"],
      ]),
    );
  });

  test("matches keys against file names, so a key cannot walk out of the directory", async () => {
    await using dir = await tempDir();
    await mkdir(dir.file("secrets"));
    await secretsDir(dir.file("secrets"));
    expect(await provider().provider.get(dir.file("secrets"), new Set(["../elsewhere", "nested/inner"]))).toEqual(
      new Map(),
    );
  });

  test.each([["missing"], ["file"]])("yields nothing and warns when the path is %p, not a directory", async (name) => {
    await using dir = await tempDir();
    await writeFile(dir.file("file"), "x");
    const { provider: p, lines } = provider();
    expect(await p.get(dir.file(name), new Set(["x"]))).toEqual(new Map());
    expect(lines).toEqual([expect.stringContaining(`WARN The path ${dir.file(name)} is not a directory`)]);
  });

  test("a file that is not UTF-8 cannot be read, as Connect's Files.readString finds it malformed", async () => {
    // Regression: a Latin-1 "p\xe4ss" was read as "p\ufffdss", a wrong secret used without a word.
    await using dir = await tempDir();
    await mkdir(dir.file("secrets"));
    await writeFile(
      dir.file("secrets/password"),
      Buffer.concat([Buffer.from("p"), Buffer.from([0xe4]), Buffer.from("ss")]),
    );
    await writeFile(dir.file("secrets/user"), "\ufeffapp");
    const file = dir.file("secrets/password");
    await expectRejects(
      provider().provider.get(dir.file("secrets"), new Set(["password"])),
      ConfigError,
      `Could not read file ${file} for property password`,
    );
    expect(await provider().provider.get(dir.file("secrets"), new Set(["user"]))).toEqual(
      new Map([["user", "\ufeffapp"]]),
    );
  });

  test("yields nothing for an empty path", async () => {
    expect(await provider().provider.get("", new Set(["k"]))).toEqual(new Map());
  });

  test("refuses to be read before it is configured", async () => {
    const p = new DirectoryConfigProvider(testContext().logger);
    await expectRejects(p.get("/x"), ConnectError, "The provider has not been configured yet.");
  });

  describe("with allowed.paths", () => {
    test("reads directories beneath an allowed path and ignores others with a warning", async () => {
      await using dir = await tempDir();
      await mkdir(dir.file("allowed/secrets"), { recursive: true });
      await mkdir(dir.file("other"));
      await writeFile(dir.file("allowed/secrets/token"), "t0k3n");
      await writeFile(dir.file("other/token"), "other");
      const { provider: p, lines } = provider({ "allowed.paths": dir.file("allowed") });
      expect(await p.get(dir.file("allowed/secrets"), new Set(["token"]))).toEqual(new Map([["token", "t0k3n"]]));
      expect(await p.get(dir.file("allowed/../other"), new Set(["token"]))).toEqual(new Map());
      expect(lines).toEqual([
        expect.stringContaining(`WARN The path ${dir.file("allowed/../other")} is not allowed to be accessed`),
      ]);
    });

    test("follows symlinks: neither the directory nor a file in it may lead outside (issue 13)", async () => {
      await using dir = await tempDir();
      await mkdir(dir.file("allowed/secrets"), { recursive: true });
      await mkdir(dir.file("other"));
      await writeFile(dir.file("other/token"), "other");
      await writeFile(dir.file("allowed/secrets/token"), "t0k3n");
      await symlink(dir.file("other/token"), dir.file("allowed/secrets/escape"));
      await symlink(dir.file("allowed/secrets/token"), dir.file("allowed/secrets/alias"));
      await symlink(dir.file("other"), dir.file("allowed/other-link"));
      const { provider: p, lines } = provider({ "allowed.paths": dir.file("allowed") });
      expect(await p.get(dir.file("allowed/secrets"))).toEqual(
        new Map([
          ["alias", "t0k3n"],
          ["token", "t0k3n"],
        ]),
      );
      expect(await p.get(dir.file("allowed/other-link"), new Set(["token"]))).toEqual(new Map());
      expect(lines).toEqual([
        expect.stringContaining(`WARN The path ${dir.file("allowed/secrets/escape")} is not allowed to be accessed`),
        expect.stringContaining(`WARN The path ${dir.file("allowed/other-link")} is not allowed to be accessed`),
      ]);
    });

    test("must name existing paths", () => {
      expectThrows(
        () => provider({ "allowed.paths": "/no/such/dir" }),
        ConfigError,
        "Invalid value [/no/such/dir] for configuration allowed.paths: Path /no/such/dir does not exist",
      );
    });
  });
});
