/**
 * test/support/small-volume.ts unmounts a volume when the test that mounted it ends, also when that
 * test never reached its `await using` disposal (bun leaves a timed-out test's body unfinished, and
 * a failing mount-based test then left its tmpfs or loop mount behind for the rest of the suite).
 * The first test mounts and does not dispose, as a timed-out test does; the second checks that
 * nothing is left mounted. Needs root, as the tests that use these volumes.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { failingVolume, smallVolume } from "./support/small-volume.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";

const mounted = (path: string) =>
  readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .some((line) => line.split(" ")[1] === path);

describe("mount-based test volumes", () => {
  let dir: TempDir;
  const paths: string[] = [];

  test("a test that ends without disposing its volumes (as one that timed out)", async () => {
    dir = await tempDir("small-volume-cleanup-");
    paths.push(smallVolume(dir.file("small"), 1024 * 1024).path);
    paths.push(failingVolume(dir.file("failing"), 16 * 1024 * 1024).path);
    for (const path of paths) expect(mounted(path)).toBe(true);
  });

  test("leaves nothing mounted", async () => {
    try {
      expect(paths).toHaveLength(2);
      for (const path of paths) {
        expect(mounted(path)).toBe(false);
        expect(existsSync(path)).toBe(false);
      }
    } finally {
      await dir[Symbol.asyncDispose]();
    }
  });
});
