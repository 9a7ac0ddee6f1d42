/**
 * Volumes for the gateway's disk failures, real ones (not `PRAGMA max_page_count`): a small tmpfs a
 * test fills up and frees again (ENOSPC; smallVolume), and an ext4 image that fails and goes
 * read-only (EROFS; failingVolume). Both mount, so they need root (CI runs the suite as root);
 * `await using` unmounts, and so does the end of the test that mounted it when the test failed or
 * timed out (bun leaves a timed-out test's body, and its `await using` disposals, unfinished): a
 * volume is made inside a test, never in a hook.
 */
import { onTestFinished } from "bun:test";
import { closeSync, mkdirSync, openSync, rmdirSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";

export interface SmallVolume extends AsyncDisposable {
  readonly path: string;
  /** Writes the filler until a write fails with ENOSPC. */
  fill(): void;
  /** Removes the filler: the volume has its room again. */
  free(): void;
}

function run(command: string[]): void {
  const result = Bun.spawnSync(command, { stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`${command.join(" ")} failed: ${result.stderr.toString().trim()}`);
}

/**
 * `cleanup` once: on dispose, or when the current test ends without having disposed (a timeout, or
 * a throw before `await using` took it), so no mount outlives its test.
 */
function unmountOnce(cleanup: () => void): () => void {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    cleanup();
  };
  onTestFinished(once);
  return once;
}

export function smallVolume(path: string, sizeBytes: number): SmallVolume {
  if (process.getuid?.() !== 0) {
    throw new Error(
      "This test mounts a small tmpfs to fill its disk (real ENOSPC), which needs root: run it as root (CI does)",
    );
  }
  mkdirSync(path, { recursive: true });
  run(["mount", "-t", "tmpfs", "-o", `size=${sizeBytes},mode=0700`, "tmpfs", path]);
  const unmount = unmountOnce(() => {
    run(["umount", "-l", path]);
    rmdirSync(path);
  });
  const filler = join(path, "filler");
  return {
    path,
    fill() {
      const fd = openSync(filler, "a");
      try {
        for (const chunk of [1 << 20, 1 << 16, 1 << 12, 1 << 9, 1]) {
          const bytes = Buffer.alloc(chunk, 0x78);
          for (;;) {
            try {
              writeSync(fd, bytes);
            } catch (error) {
              if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
              break;
            }
          }
        }
      } finally {
        closeSync(fd);
      }
    },
    free() {
      rmSync(filler, { force: true });
    },
    async [Symbol.asyncDispose]() {
      unmount();
    },
  };
}

export interface FailingVolume extends AsyncDisposable {
  readonly path: string;
  /** An ext4 error as a failing disk causes: with errors=remount-ro every write fails from then on (EROFS). */
  fail(): void;
  /** Unmounts (the processes using it stopped), checks the file system (e2fsck) and mounts it again, writable. */
  repair(): void;
}

/**
 * An ext4 file system in an image file under `dir`, loop-mounted on `dir/volume` with
 * `errors=remount-ro`: `fail()` raises an ext4 error (sysfs `trigger_fs_error`), after which the
 * kernel refuses every write, as on a disk that went read-only under the gateway. Needs root.
 */
export function failingVolume(dir: string, sizeBytes: number): FailingVolume {
  if (process.getuid?.() !== 0) {
    throw new Error("This test loop-mounts an ext4 image to make it fail, which needs root: run it as root (CI does)");
  }
  const image = join(dir, "volume.img");
  const path = join(dir, "volume");
  mkdirSync(path, { recursive: true });
  run(["truncate", "-s", String(sizeBytes), image]);
  run(["mkfs.ext4", "-q", image]);
  const mount = () => run(["mount", "-o", "loop,errors=remount-ro", image, path]);
  mount();
  let mounted = true;
  const unmount = unmountOnce(() => {
    if (mounted) run(["umount", "-l", path]);
    rmdirSync(path);
  });
  const device = () => {
    const result = Bun.spawnSync(["findmnt", "-n", "-o", "SOURCE", path]);
    return result.stdout.toString().trim().split("/").pop()!;
  };
  return {
    path,
    fail() {
      writeFileSync(`/sys/fs/ext4/${device()}/trigger_fs_error`, "1");
    },
    repair() {
      run(["umount", path]);
      mounted = false;
      // e2fsck exits 1 when it corrected the file system (the error flag), which is what it is for.
      const check = Bun.spawnSync(["e2fsck", "-fy", image], { stdout: "pipe", stderr: "pipe" });
      if (check.exitCode !== 0 && check.exitCode !== 1)
        throw new Error(`e2fsck failed: ${check.stdout}${check.stderr}`);
      mount();
      mounted = true;
    },
    async [Symbol.asyncDispose]() {
      unmount();
    },
  };
}
