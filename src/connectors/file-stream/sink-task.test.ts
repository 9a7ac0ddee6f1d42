import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SinkTaskContext } from "../../api/connector.ts";
import { sinkRecord } from "../../transforms/util/test-support.ts";
import { LogManager } from "../../util/logger.ts";
import { ManualClock } from "../../util/manual-clock.ts";
import { FileStreamSinkTask } from "./sink-task.ts";

/**
 * Puts a line that fits and then a batch that does not into `file`, in a child process whose
 * files may grow to 8 KiB (bash's `ulimit -f 8`, SIGXFSZ ignored): the batch's write is taken in
 * part (a short write, as on a disk that fills mid-batch) and then refused (EFBIG). Needs no root.
 */
function putPastFileLimit(file: string): { error?: { name: string; message: string } } {
  const code = `
    const { FileStreamSinkTask } = await import(${JSON.stringify(join(import.meta.dir, "sink-task.ts"))});
    const task = new FileStreamSinkTask();
    task.initialize({ config: {}, logger: { isEnabled: () => false } });
    task.start({ file: ${JSON.stringify(file)} });
    task.put([{ value: "a".repeat(999) }]);
    let error;
    try {
      task.put(Array.from({ length: 20 }, (_, i) => ({ value: String(i % 10).repeat(999) })));
    } catch (e) {
      error = { name: e.name, message: e.message };
    }
    task.stop();
    console.log(JSON.stringify({ error }));`;
  const child = Bun.spawnSync(["bash", "-c", `trap '' XFSZ; ulimit -f 8; exec "$0" -e "$1"`, process.execPath, code], {
    stderr: "pipe",
  });
  if (child.exitCode !== 0) throw new Error(`child failed: ${child.stderr.toString()}`);
  return JSON.parse(child.stdout.toString());
}

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
      task.put([]); // an idle task's empty put (before each commit) writes nothing
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

  test("a batch the file takes only in part (short write, then a write error) throws a RetriableError and leaves the file as before the batch", () => {
    const dir = mkdtempSync(join(tmpdir(), "file-sink-"));
    try {
      const file = join(dir, "out.txt");
      const result = putPastFileLimit(file);
      expect(result.error?.name).toBe("RetriableError");
      expect(result.error?.message).toStartWith(`Could not write 20 records to '${file}' (`);
      expect(readFileSync(file, "utf8")).toBe(`${"a".repeat(999)}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
