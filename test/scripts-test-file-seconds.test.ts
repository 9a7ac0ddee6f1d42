/**
 * scripts/test appends to each shard's log the whole time of each of its test files (bun's JUnit
 * report: loading, beforeAll/afterAll hooks and tests), and scripts/test-durations counts that time,
 * not only the tests' own times, so that a file whose time is in its hooks weighs what it takes when
 * the shards are dealt. Regression (suitetime): two files spent 180 s in beforeAll, counted 0 s, and
 * one shard ran 745 s, the other 561 s. Run in a scratch copy of the repository (scratchTestRepo),
 * with a fake bun, and once with the real one: the lines come from bun's own JUnit layout, which a
 * bun update may change (review-suitetime P2).
 */
import { expect, test } from "bun:test";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { scratchTestRepo, scriptsTest } from "./support/scratch-test-repo.ts";
import { tempDir } from "./support/temp-dir.ts";

const REPO = join(import.meta.dir, "..");

test("each shard's log ends with its files' whole seconds, which scripts/test-durations counts", async () => {
  await using dir = await tempDir("scripts-test-file-seconds-");
  scratchTestRepo(dir.path);
  copyFileSync(join(REPO, "scripts/test-durations"), dir.file("scripts/test-durations"));
  for (const name of ["a-hooks", "b-fine", "c-fine"]) writeFileSync(dir.file(`test/${name}.test.ts`), "");
  writeFileSync(dir.file("test/a-hooks.seconds"), "182.4");
  const { out, err, code } = await scriptsTest(dir.path, { TEST_SHARDS: "2" });
  expect([err, code]).toEqual(["", 0]);
  expect(out).toEndWith("3 passed, 0 failed\n");
  // Unlisted files weigh 1 s each and are dealt by name: a and c to shard 1, b to shard 2.
  const log = (shard: number) => readFileSync(dir.file(`.kafka/test-output-${shard}.log`), "utf8");
  expect(log(1)).toEndWith(
    "Ran 2 tests across 2 files.\nfile seconds: 182.4 test/a-hooks.test.ts\nfile seconds: 0.5 test/c-fine.test.ts\n",
  );
  expect(log(2)).toEndWith("Ran 1 tests across 1 files.\nfile seconds: 0.5 test/b-fine.test.ts\n");
  const durations = Bun.spawnSync(["bash", "-c", "scripts/test-durations .kafka/test-output-*.log"], {
    cwd: dir.path,
  });
  expect(durations.exitCode).toBe(0);
  expect(
    durations.stdout
      .toString()
      .split("\n")
      .filter((line) => line !== "" && !line.startsWith("#")),
  ).toEqual(["182.4 test/a-hooks.test.ts", "0.5 test/b-fine.test.ts", "0.5 test/c-fine.test.ts"]);
});

test("with the real bun, a file's line counts its hooks (bun's JUnit layout is as scripts/test reads it)", async () => {
  await using dir = await tempDir("scripts-test-file-seconds-");
  scratchTestRepo(dir.path, { realBun: true });
  // The hook's time is what is measured here: bun's per-file time must include it.
  writeFileSync(
    dir.file("test/x.test.ts"),
    'import { beforeAll, test } from "bun:test";\nbeforeAll(() => Bun.sleep(300));\ntest("fine", () => {});\n',
  );
  const { out, err, code } = await scriptsTest(dir.path, { TEST_SHARDS: "1" });
  expect([err, code]).toEqual(["", 0]);
  expect(out).toEndWith("1 passed, 0 failed\n");
  const last = readFileSync(dir.file(".kafka/test-output-1.log"), "utf8").split("\n").at(-2)!;
  expect(last).toMatch(/^file seconds: \d+\.\d test\/x\.test\.ts$/);
  expect(Number(last.split(" ")[2])).toBeGreaterThanOrEqual(0.3);
});

test("a shard with a failing test: the appended lines leave its counts and failure details as they were", async () => {
  await using dir = await tempDir("scripts-test-file-seconds-");
  scratchTestRepo(dir.path);
  for (const name of ["a-fail", "b-fine", "c-fine"]) writeFileSync(dir.file(`test/${name}.test.ts`), "");
  const { out, err, code } = await scriptsTest(dir.path, { TEST_SHARDS: "2" });
  expect([err, code]).toEqual(["", 1]);
  expect(out).toEndWith(
    "Failures in detail:\n--- (fail) broken [1.00ms]\nerror: expect(received).toBe(expected)\n2 passed, 1 failed\n",
  );
  expect(readFileSync(dir.file(".kafka/test-output-1.log"), "utf8")).toEndWith(
    "Ran 2 tests across 2 files.\nfile seconds: 0.5 test/a-fail.test.ts\nfile seconds: 0.5 test/c-fine.test.ts\n",
  );
});
