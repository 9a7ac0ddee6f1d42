/**
 * scripts/test bounds each shard (`bun test` process) by SHARD_TIMEOUT_S: a shard that hangs is
 * killed, its log shown and counted as a failure, and the run ends. Regression (leftovers22): a
 * hanging shard blocked `wait` forever and its log was never shown. Regression (review39): only bun
 * was killed, so what its tests started was left running, and the shard shown as it ran (piped to
 * tee) still hung while one of them held its output open. Run in a scratch copy of the repository
 * (scratchTestRepo): a test file named `hang` makes the fake bun start a child and hang (until
 * killed), any other passes.
 */
import { expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { scratchTestRepo, scriptsTest } from "./support/scratch-test-repo.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

/** Whether process `pid` runs (exists, and is not a zombie its new parent has yet to reap). */
function running(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  return existsSync(stat) && !/^\d+ \(.*\) Z/.test(readFileSync(stat, "utf8"));
}

// Files are dealt heaviest first (both unlisted: by name) to the shard with the least time: a → 1, b → 2.
test.each([
  ["a background shard", "test/a-fine.test.ts", "test/b-hang.test.ts", 2],
  ["the shard shown as it runs", "test/b-fine.test.ts", "test/a-hang.test.ts", 1],
])(
  "%s that hangs is killed after SHARD_TIMEOUT_S with what its tests started, its log shown and counted as failed",
  async (_, fine, hanging, shard) => {
    await using dir = await tempDir("scripts-test-timeout-");
    scratchTestRepo(dir.path);
    writeFileSync(join(dir.path, fine), "");
    writeFileSync(join(dir.path, hanging), "");
    const { out, err, code } = await scriptsTest(dir.path, { TEST_SHARDS: "2", SHARD_TIMEOUT_S: "1" });
    expect(err).toBe("");
    expect(code).toBe(1);
    expect(out).toContain(`(pass) before the hang`);
    expect(out).toContain(
      `bun test was killed after 1 s (SHARD_TIMEOUT_S): a test hangs (the last file with results: ./${hanging}); counted as a failure: see ${dir.path}/.kafka/test-output-${shard}.log`,
    );
    expect(out).toEndWith("1 passed, 1 failed\n");
    const child = Number(readFileSync(join(dir.path, hanging.replace(".test.ts", ".child")), "utf8"));
    await waitFor(() => !running(child), { what: `the hanging shard's child ${child} to end` });
  },
);

test("SHARD_TIMEOUT_S must be a positive number of seconds", async () => {
  await using dir = await tempDir("scripts-test-timeout-");
  scratchTestRepo(dir.path);
  const run = Bun.spawnSync(["scripts/test"], { cwd: dir.path, env: { ...process.env, SHARD_TIMEOUT_S: "40m" } });
  expect(run.exitCode).toBe(1);
  expect(run.stderr.toString()).toBe("test: SHARD_TIMEOUT_S must be a positive number of seconds, not '40m'\n");
});
