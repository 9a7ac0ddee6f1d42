import { describe, expect, test } from "bun:test";
import { mkdir, symlink, truncate, writeFile } from "node:fs/promises";
import { type TempDir, tempDir } from "../../test/support/temp-dir.ts";
import { ConfigError, ConnectError } from "../errors.ts";
import { SecretFilesConfigProvider } from "./secret-files-config-provider.ts";
import { expectRejects, expectThrows } from "./test-support.ts";

/** `<tmp>/secrets` with api/token, a properties file, a Kubernetes-style `..data` link and an escaping link. */
async function secrets(): Promise<TempDir & { readonly dir: string; readonly provider: SecretFilesConfigProvider }> {
  const tmp = await tempDir();
  const dir = tmp.file("secrets");
  await mkdir(`${dir}/api`, { recursive: true });
  await mkdir(`${dir}/..2026_01_01/`, { recursive: true });
  await writeFile(`${dir}/api/token`, "t0k3n-abc\n");
  await writeFile(`${dir}/crlf`, "windows\r\n");
  await writeFile(`${dir}/two-newlines`, "kept\n\n");
  await writeFile(`${dir}/db.properties`, "user=app\npassword=pw-123\n");
  await writeFile(`${dir}/..2026_01_01/k8s-key`, "from-k8s\n");
  await symlink("..2026_01_01", `${dir}/..data`);
  await symlink("..data/k8s-key", `${dir}/k8s-key`);
  await writeFile(tmp.file("outside"), "outside-secret");
  await symlink("../outside", `${dir}/escape`);
  const provider = new SecretFilesConfigProvider();
  provider.configure({ dir });
  return Object.assign(tmp, { dir, provider });
}

describe("SecretFilesConfigProvider", () => {
  test.each<[string, string]>([
    ["api/token", "t0k3n-abc"],
    ["./api//token", "t0k3n-abc"],
    ["crlf", "windows"],
    ["two-newlines", "kept\n"],
    ["k8s-key", "from-k8s"],
    ["db.properties", "user=app\npassword=pw-123"],
  ])("${secrets:%s} is the file's content without one trailing newline", async (name, expected) => {
    await using s = await secrets();
    expect(await s.provider.get("", new Set([name]))).toEqual(new Map([[name, expected]]));
  });

  test("${secrets:db.properties:password} reads a key of a properties file beneath dir", async () => {
    await using s = await secrets();
    expect(await s.provider.get("db.properties", new Set(["password"]))).toEqual(new Map([["password", "pw-123"]]));
    expect(await s.provider.get("db.properties")).toEqual(
      new Map([
        ["user", "app"],
        ["password", "pw-123"],
      ]),
    );
  });

  test("yields every regular file directly in dir when no keys are given", async () => {
    await using s = await secrets();
    expect([...(await s.provider.get("")).keys()]).toEqual(["crlf", "db.properties", "k8s-key", "two-newlines"]);
  });

  test.each<[string, string, (dir: string) => string]>([
    ["", "api/../../outside", () => "Secret api/../../outside must not contain '..'"],
    ["", "..", () => "Secret .. must not contain '..'"],
    ["", "/etc/passwd", (dir) => `Secret /etc/passwd must be a path relative to ${dir}`],
    ["", "", () => "Invalid secret name ''"],
    ["", "escape", (dir) => `Secret escape resolves to a file outside ${dir}`],
    ["", "api/missing", (dir) => `Secret api/missing not found in ${dir}`],
    ["", "api", (dir) => `Secret api in ${dir} is not a regular file`],
    ["../outside", "k", () => "Secret ../outside must not contain '..'"],
    ["escape", "k", (dir) => `Secret escape resolves to a file outside ${dir}`],
    ["db.properties", "missing", (dir) => `Secret file db.properties in ${dir} has no key missing`],
  ])("rejects path %p key %p", async (path, name, message) => {
    await using s = await secrets();
    const error = await expectRejects(s.provider.get(path, new Set([name])), ConfigError, message(s.dir));
    expect(error.message).not.toContain("outside-secret");
  });

  test("a secret file over 16 MiB is refused, not read into memory", async () => {
    await using s = await secrets();
    await writeFile(`${s.dir}/huge`, "");
    await truncate(`${s.dir}/huge`, 16 * 1024 * 1024 + 1);
    const error = await expectRejects(
      s.provider.get("", new Set(["huge"])),
      ConfigError,
      `Could not read secret huge in ${s.dir}`,
    );
    expect((error.cause as Error).message).toBe("larger than 16 MiB");
  });

  test("refuses to be read before it is configured", async () => {
    await expectRejects(
      new SecretFilesConfigProvider().get("", new Set(["api/token"])),
      ConnectError,
      "The provider has not been configured yet.",
    );
  });

  describe("configure", () => {
    test.each<[Record<string, string>, string]>([
      [{}, 'Missing required configuration "dir" which has no default value.'],
      [{ dir: "run/secrets" }, "Invalid value run/secrets for configuration dir: Path run/secrets is not absolute"],
      [{ dir: "/no/such/dir" }, "Invalid value /no/such/dir for configuration dir: Path /no/such/dir does not exist"],
    ])("rejects %p", (params, message) => {
      expectThrows(() => new SecretFilesConfigProvider().configure(params), ConfigError, message);
    });

    test("rejects a dir that is a file", async () => {
      await using tmp = await tempDir();
      await writeFile(tmp.file("file"), "x");
      expectThrows(
        () => new SecretFilesConfigProvider().configure({ dir: tmp.file("file") }),
        ConfigError,
        `Invalid value ${tmp.file("file")} for configuration dir: Path ${tmp.file("file")} is not a directory`,
      );
    });
  });
});
