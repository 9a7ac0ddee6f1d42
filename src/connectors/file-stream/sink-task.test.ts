import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sinkRecord } from "../../transforms/util/test-support.ts";
import { FileStreamSinkTask } from "./sink-task.ts";

describe("FileStreamSinkTask", () => {
  test("writes each record to the file as it is put, before any flush (issue 8 point 4)", () => {
    const dir = mkdtempSync(join(tmpdir(), "file-sink-"));
    try {
      const file = join(dir, "out.txt");
      const task = new FileStreamSinkTask();
      task.start({ file });
      task.put([sinkRecord({ value: "hello" })]);
      expect(readFileSync(file, "utf8")).toBe("hello\n");
      task.put([sinkRecord({ value: "world" }), sinkRecord({ value: 42 })]);
      expect(readFileSync(file, "utf8")).toBe("hello\nworld\n42\n");
      task.flush();
      task.stop();
      expect(readFileSync(file, "utf8")).toBe("hello\nworld\n42\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("appends to an existing file", () => {
    const dir = mkdtempSync(join(tmpdir(), "file-sink-"));
    try {
      const file = join(dir, "out.txt");
      for (const value of ["a", "b"]) {
        const task = new FileStreamSinkTask();
        task.start({ file });
        task.put([sinkRecord({ value })]);
        task.stop();
      }
      expect(readFileSync(file, "utf8")).toBe("a\nb\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
