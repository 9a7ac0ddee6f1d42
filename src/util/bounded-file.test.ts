import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readBoundedFile, readBoundedFileAsync } from "./bounded-file.ts";

const dir = mkdtempSync(join(tmpdir(), "bounded-file-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The same rules on and off the event loop (the async reader: config providers, whose reads are bounded in time).
describe.each([
  ["readBoundedFile", async (path: string, max: number) => readBoundedFile(path, max)],
  ["readBoundedFileAsync", readBoundedFileAsync],
] as const)("%s", (_name, read) => {
  test("reads a regular file up to the cap, exactly at the cap too", async () => {
    const path = join(dir, `fits-${_name}`);
    writeFileSync(path, "x".repeat(1024));
    expect((await read(path, 1024)).toString()).toBe("x".repeat(1024));
    writeFileSync(path, "");
    expect((await read(path, 1024)).length).toBe(0);
  });

  test("a file larger than its first buffer is read whole (the buffer grows up to the cap)", async () => {
    const path = join(dir, `grown-${_name}`);
    const text = "0123456789".repeat(100_000);
    writeFileSync(path, text);
    expect((await read(path, 2 * 1024 * 1024)).toString()).toBe(text);
  });

  test("a FIFO is refused at once as not a regular file (no writer: a blocking read would never return)", async () => {
    const path = join(dir, `fifo-${_name}`);
    expect(spawnSync("mkfifo", [path]).status).toBe(0);
    await expect(read(path, 1024)).rejects.toThrow("not a regular file");
  });

  test("a device such as /dev/zero is refused, never read", async () => {
    await expect(read("/dev/zero", 1024)).rejects.toThrow("not a regular file");
  });

  test("a directory is refused", async () => {
    await expect(read(dir, 1024)).rejects.toThrow(/not a regular file|EISDIR/);
  });

  test("a file over the cap is refused naming the cap", async () => {
    const path = join(dir, `big-${_name}`);
    writeFileSync(path, Buffer.alloc(1024 * 1024 + 1));
    await expect(read(path, 1024 * 1024)).rejects.toThrow("larger than 1 MiB");
    await expect(read(path, 1000)).rejects.toThrow("larger than 1000 bytes");
  });

  test("a missing file gives the system's reason", async () => {
    await expect(read(join(dir, "missing"), 1024)).rejects.toThrow(/ENOENT/);
  });
});
