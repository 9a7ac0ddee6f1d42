/**
 * scripts/test-durations: its documented refresh, `scripts/test-durations .kafka/test-output-*.log >
 * test/durations.txt`, keeps the file's header (the shell empties the file before the script runs, so
 * the header cannot be read from it) and lists each test file's seconds, heaviest first: its whole time
 * (hooks included) from the `file seconds:` lines scripts/test appends, else the sum of its tests' times.
 */
import { expect, test } from "bun:test";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./support/temp-dir.ts";

const REPO = join(import.meta.dir, "..");

test("the documented refresh of test/durations.txt keeps its header and takes each file's whole seconds, else sums its test times", async () => {
  await using dir = await tempDir();
  mkdirSync(join(dir.path, "scripts"));
  mkdirSync(join(dir.path, "test"));
  copyFileSync(join(REPO, "scripts/test-durations"), join(dir.path, "scripts/test-durations"));
  const current = readFileSync(join(REPO, "test/durations.txt"), "utf8");
  writeFileSync(join(dir.path, "test/durations.txt"), current);
  const header = current.split("\n").filter((line) => line.startsWith("#"));
  writeFileSync(
    dir.file("run.log"),
    [
      "test/a.test.ts:",
      "(pass) a > one [1500.00ms]",
      "(fail) a > two [2.50s]",
      "src/b.test.ts:",
      "(pass) b > one [12.00ms]",
      "test/c.test.ts:",
      "(pass) c > one [10.00ms]",
      "",
      " 4 pass",
      "file seconds: 9.3 test/c.test.ts",
      "",
    ].join("\n"),
  );
  const run = Bun.spawnSync(["bash", "-c", "scripts/test-durations run.log > test/durations.txt"], { cwd: dir.path });
  expect(run.exitCode).toBe(0);
  expect(readFileSync(join(dir.path, "test/durations.txt"), "utf8")).toBe(
    [...header, "9.3 test/c.test.ts", "4.0 test/a.test.ts", "0.0 src/b.test.ts", ""].join("\n"),
  );
});
