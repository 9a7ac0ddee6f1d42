import { describe, expect, test } from "bun:test";
import { mkdir, symlink, truncate, writeFile } from "node:fs/promises";
import { tempDir } from "../../test/support/temp-dir.ts";
import { ConfigError, ConnectError } from "../errors.ts";
import { FileConfigProvider } from "./file-config-provider.ts";
import { expectRejects, expectThrows, testContext } from "./test-support.ts";

const PROPERTIES = ["# database", "db.user=app", "db.password = s3cr3t-pw", "url: jdbc:pg://h/db", ""].join("\n");

function provider(params: Record<string, string> = {}) {
  const context = testContext();
  const file = new FileConfigProvider(context.logger);
  file.configure(params);
  return { file, lines: context.lines };
}

describe("FileConfigProvider", () => {
  test("reads the requested keys of a Java properties file", async () => {
    await using dir = await tempDir();
    await writeFile(dir.file("app.properties"), PROPERTIES);
    const { file } = provider();
    expect(await file.get(dir.file("app.properties"), new Set(["db.password", "url", "missing"]))).toEqual(
      new Map([
        ["db.password", "s3cr3t-pw"],
        ["url", "jdbc:pg://h/db"],
      ]),
    );
  });

  test("reads every key when no keys are given", async () => {
    await using dir = await tempDir();
    await writeFile(dir.file("app.properties"), PROPERTIES);
    expect(await provider().file.get(dir.file("app.properties"))).toEqual(
      new Map([
        ["db.user", "app"],
        ["db.password", "s3cr3t-pw"],
        ["url", "jdbc:pg://h/db"],
      ]),
    );
  });

  test("yields nothing for an empty path", async () => {
    expect(await provider().file.get("", new Set(["k"]))).toEqual(new Map());
  });

  test("fails with the path, not the content, when the file cannot be read", async () => {
    await using dir = await tempDir();
    const path = dir.file("missing.properties");
    const error = await expectRejects(
      provider().file.get(path, new Set(["k"])),
      ConfigError,
      `Could not read properties from file ${path}`,
    );
    expect(error.cause).toBeInstanceOf(Error);
  });

  // A connector config sent through REST names the path: a FIFO blocked a thread until a writer came, /dev/zero
  // grew memory without limit, as a file far larger than any properties file of secrets would.
  test.each([
    ["a FIFO", "fifo", "not a regular file"],
    ["/dev/zero", "/dev/zero", "not a regular file"],
    ["a file over 16 MiB", "huge", "larger than 16 MiB"],
  ])("%s is refused at once, its reason given, nothing read", async (_what, name, reason) => {
    await using dir = await tempDir();
    const path = name.startsWith("/") ? name : dir.file(name);
    if (name === "fifo") expect(Bun.spawnSync(["mkfifo", path]).exitCode).toBe(0);
    if (name === "huge") await writeFile(path, "").then(() => truncate(path, 16 * 1024 * 1024 + 1));
    const error = await expectRejects(
      provider().file.get(path, new Set(["k"])),
      ConfigError,
      `Could not read properties from file ${path}`,
    );
    expect((error.cause as Error).message).toBe(reason);
  });

  test("a file that is not UTF-8 cannot be read, as Connect's UTF-8 reader finds it malformed; a byte order mark stays", async () => {
    // Regression: a Latin-1 "p\xe4ss" was read as "p\ufffdss", a wrong secret used without a word.
    await using dir = await tempDir();
    const path = dir.file("latin1.properties");
    await writeFile(path, Buffer.concat([Buffer.from("db.password=p"), Buffer.from([0xe4]), Buffer.from("ss\n")]));
    await expectRejects(
      provider().file.get(path, new Set(["db.password"])),
      ConfigError,
      `Could not read properties from file ${path}`,
    );
    await writeFile(path, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("k=v\nb=p\u00e4ss\n")]));
    expect(await provider().file.get(path)).toEqual(
      new Map([
        ["\ufeffk", "v"],
        ["b", "p\u00e4ss"],
      ]),
    );
  });

  test("refuses to be read before it is configured", async () => {
    const file = new FileConfigProvider(testContext().logger);
    await expectRejects(file.get("/x", new Set(["k"])), ConnectError, "The provider has not been configured yet.");
  });

  describe("with allowed.paths", () => {
    test("reads files beneath an allowed path", async () => {
      await using dir = await tempDir();
      await mkdir(dir.file("allowed"));
      await writeFile(dir.file("allowed/app.properties"), PROPERTIES);
      const { file } = provider({ "allowed.paths": dir.file("allowed") });
      expect(await file.get(dir.file("allowed/./app.properties"), new Set(["db.user"]))).toEqual(
        new Map([["db.user", "app"]]),
      );
    });

    test.each([["outside.properties"], ["allowed/../outside.properties"], ["allowed-not/app.properties"]])(
      "yields nothing for %p and warns, as Apache does",
      async (relative) => {
        await using dir = await tempDir();
        await mkdir(dir.file("allowed"));
        await mkdir(dir.file("allowed-not"));
        await writeFile(dir.file("outside.properties"), PROPERTIES);
        await writeFile(dir.file("allowed-not/app.properties"), PROPERTIES);
        const { file, lines } = provider({ "allowed.paths": dir.file("allowed") });
        expect(await file.get(dir.file(relative), new Set(["db.user"]))).toEqual(new Map());
        expect(lines).toEqual([
          expect.stringContaining(`WARN The path ${dir.file(relative)} is not allowed to be accessed`),
        ]);
      },
    );

    test("follows symlinks: a link inside an allowed path may not reach outside it (issue 13)", async () => {
      await using dir = await tempDir();
      await mkdir(dir.file("allowed/sub"), { recursive: true });
      await writeFile(dir.file("outside.properties"), PROPERTIES);
      await writeFile(dir.file("allowed/real.properties"), PROPERTIES);
      await symlink(dir.file("outside.properties"), dir.file("allowed/escape.properties"));
      await symlink(dir.path, dir.file("allowed/sub/up"));
      await symlink(dir.file("allowed/real.properties"), dir.file("allowed/sub/inside.properties"));
      const { file, lines } = provider({ "allowed.paths": dir.file("allowed") });
      for (const link of ["allowed/escape.properties", "allowed/sub/up/outside.properties"]) {
        expect(await file.get(dir.file(link), new Set(["db.user"]))).toEqual(new Map());
      }
      expect(lines).toEqual([
        expect.stringContaining(`WARN The path ${dir.file("allowed/escape.properties")} is not allowed to be accessed`),
        expect.stringContaining(
          `WARN The path ${dir.file("allowed/sub/up/outside.properties")} is not allowed to be accessed`,
        ),
      ]);
      // Links that stay inside (Kubernetes' ..data links) still work.
      expect(await file.get(dir.file("allowed/sub/inside.properties"), new Set(["db.user"]))).toEqual(
        new Map([["db.user", "app"]]),
      );
    });

    test("must name absolute, existing paths", () => {
      expectThrows(
        () => provider({ "allowed.paths": "relative" }),
        ConfigError,
        "Invalid value [relative] for configuration allowed.paths: Path relative is not absolute",
      );
    });
  });
});
