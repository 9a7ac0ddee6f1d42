/**
 * Coverage of scripts/patch-dependencies.mjs's main-module check: it patches node_modules when it is
 * run (npm's postinstall and scripts/lib.sh with node, or bun) and only exports its patches when
 * imported, however a checkout reaches it (through a symlinked file or directory too). A copy of the
 * script in a directory without node_modules shows a run by its first complaint (a patched file is
 * missing).
 */
import { describe, expect, test } from "bun:test";
import { cpSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { processResult } from "./support/command.ts";
import { REPO } from "./support/kafka.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";

const RUN = /^patch-dependencies: node_modules\/\S+ is missing\n$/;

/** A copy of the script under `real/scripts/`, reached also as `linked` (the directory) and `bin/patch.mjs` (the file). */
async function scriptCopy(): Promise<TempDir> {
  const dir = await tempDir("patch-main-");
  cpSync(join(REPO, "scripts", "patch-dependencies.mjs"), dir.file("real/scripts/patch-dependencies.mjs"));
  cpSync(join(REPO, "scripts", "patches"), dir.file("real/scripts/patches"), { recursive: true });
  symlinkSync(dir.file("real"), dir.file("linked"));
  mkdirSync(dir.file("bin"));
  symlinkSync("../real/scripts/patch-dependencies.mjs", dir.file("bin/patch.mjs"));
  return dir;
}

const paths = ["real/scripts/patch-dependencies.mjs", "linked/scripts/patch-dependencies.mjs", "bin/patch.mjs"];
const runtimes: [string, string[]][] = [
  ["node", ["node"]],
  ["bun", [process.execPath]],
];
const cases = [
  ...runtimes.flatMap(([name, cmd]) => paths.map((path) => [name, path, cmd] as const)),
  // Node then keeps the symlinked path as the module's (its relative imports resolve from the link: a directory's only).
  ["node --preserve-symlinks-main", paths[1]!, ["node", "--preserve-symlinks-main"]] as const,
];

async function run(cwd: string, cmd: readonly string[]) {
  return processResult(Bun.spawn([...cmd], { cwd, stdout: "pipe", stderr: "pipe" }));
}

describe("scripts/patch-dependencies.mjs", () => {
  test.each(cases)("run by %s as %s, it patches", async (_name, path, cmd) => {
    await using dir = await scriptCopy();
    const { code, out, err } = await run(dir.path, [...cmd, path]);
    expect({ code, out }).toEqual({ code: 1, out: "" });
    expect(err).toMatch(RUN);
  });

  test.each(runtimes)("imported by %s through a symlink, it only exports its patches", async (_name, cmd) => {
    await using dir = await scriptCopy();
    const url = pathToFileURL(dir.file("bin/patch.mjs")).href;
    const script = `const { patches } = await import(${JSON.stringify(url)}); console.log(patches.length > 0);`;
    const file = dir.file("importer.mjs");
    await Bun.write(file, script);
    expect(await run(dir.path, [...cmd, file])).toEqual({ code: 0, out: "true\n", err: "" });
  });
});
