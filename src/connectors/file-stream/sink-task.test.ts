import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SinkTaskContext } from "../../api/connector.ts";
import { sinkRecord } from "../../transforms/util/test-support.ts";
import { LogManager } from "../../util/logger.ts";
import { ManualClock } from "../../util/manual-clock.ts";
import { FileStreamSinkTask } from "./sink-task.ts";

function sinkTask(): FileStreamSinkTask {
  const task = new FileStreamSinkTask();
  const logs = new LogManager({ rootLevel: "INFO", sink: () => undefined });
  task.initialize({
    config: {},
    logger: logs.get("org.apache.kafka.connect.file.FileStreamSinkTask"),
    clock: new ManualClock(0),
  } as unknown as SinkTaskContext);
  return task;
}

describe("FileStreamSinkTask", () => {
  test("writes each record to the file as it is put, before any flush (issue 8 point 4)", () => {
    const dir = mkdtempSync(join(tmpdir(), "file-sink-"));
    try {
      const file = join(dir, "out.txt");
      const task = sinkTask();
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
        const task = sinkTask();
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
