import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readBoundedFile } from "./bounded-file.ts";

const dir = mkdtempSync(join(tmpdir(), "bounded-file-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("readBoundedFile", () => {
  test("reads a regular file up to the cap, exactly at the cap too", () => {
    const path = join(dir, "fits");
    writeFileSync(path, "x".repeat(1024));
    expect(readBoundedFile(path, 1024).toString()).toBe("x".repeat(1024));
    writeFileSync(path, "");
    expect(readBoundedFile(path, 1024).length).toBe(0);
  });

  test("a FIFO is refused at once as not a regular file (no writer: a blocking read would never return)", () => {
    const path = join(dir, "fifo");
    expect(spawnSync("mkfifo", [path]).status).toBe(0);
    expect(() => readBoundedFile(path, 1024)).toThrow("not a regular file");
  });

  test("a device such as /dev/zero is refused, never read", () => {
    expect(() => readBoundedFile("/dev/zero", 1024)).toThrow("not a regular file");
  });

  test("a directory is refused", () => {
    expect(() => readBoundedFile(dir, 1024)).toThrow(/not a regular file|EISDIR/);
  });

  test("a file over the cap is refused naming the cap", () => {
    const path = join(dir, "big");
    writeFileSync(path, Buffer.alloc(1024 * 1024 + 1));
    expect(() => readBoundedFile(path, 1024 * 1024)).toThrow("larger than 1 MiB");
    expect(() => readBoundedFile(path, 1000)).toThrow("larger than 1000 bytes");
  });

  test("a missing file gives the system's reason", () => {
    expect(() => readBoundedFile(join(dir, "missing"), 1024)).toThrow(/ENOENT/);
  });
});
