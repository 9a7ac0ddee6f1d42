import { describe, expect, test } from "bun:test";
import { appendFileSync, rmSync, writeFileSync } from "node:fs";
import { tempDir } from "../../../test/support/temp-dir.ts";
import { waitFor } from "../../../test/support/wait-for.ts";
import type { SourceTaskContext } from "../../api/connector.ts";
import type { SourceRecord } from "../../api/record.ts";
import { LogManager } from "../../util/logger.ts";
import { ManualClock } from "../../util/manual-clock.ts";
import { FILE_SOURCE_TASK } from "./config.ts";
import { FileStreamSourceTask } from "./source-task.ts";

/** A task context as the runtime builds it: a `[c|task-0]` logger named for the task class, a clock. */
function context(clock: ManualClock) {
  const lines: string[] = [];
  const logs = new LogManager({ rootLevel: "DEBUG", sink: (l) => lines.push(l) });
  const ctx: SourceTaskContext = {
    config: {},
    offsetStorageReader: { offset: async () => null },
    logger: logs.get(FILE_SOURCE_TASK).withContext("[c|task-0]"),
    clock,
    connectorName: "c",
  };
  return { ctx, lines };
}

/** One poll of `task`, `clock` advanced to each of its sleeps (after `beforeAdvance`) until the poll returns. */
async function pollOnClock(
  task: FileStreamSourceTask,
  clock: ManualClock,
  beforeAdvance = () => {},
): Promise<SourceRecord[] | null> {
  let result: SourceRecord[] | null | "pending" = "pending";
  const polled = task.poll(new AbortController().signal).then((r) => {
    result = r;
  });
  while (result === "pending") {
    beforeAdvance();
    clock.advanceToNext();
    await new Promise((resolve) => setImmediate(resolve));
  }
  await polled;
  return result;
}

describe("FileStreamSourceTask", () => {
  describe("uses its context's logger and clock", () => {
    test("records carry the context clock's time; log lines carry [connector|task-N]", async () => {
      await using dir = await tempDir();
      const file = dir.file("in.txt");
      writeFileSync(file, "a\nb\n");
      const clock = new ManualClock(1_700_000_000_000);
      const { ctx, lines } = context(clock);
      const task = new FileStreamSourceTask();
      task.initialize(ctx);
      task.start({ file, topic: "t" });
      const records = await task.poll(new AbortController().signal);
      expect(records?.map((r) => [r.value, r.timestamp])).toEqual([
        ["a", 1_700_000_000_000],
        ["b", 1_700_000_000_000],
      ]);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`DEBUG [c|task-0] Opened ${file} for reading at position 0 (${FILE_SOURCE_TASK})`);
      task.stop();
    });

    test("waiting for a missing file sleeps on the context clock and warns once", async () => {
      await using dir = await tempDir();
      const clock = new ManualClock();
      const { ctx, lines } = context(clock);
      const task = new FileStreamSourceTask();
      task.initialize(ctx);
      task.start({ file: dir.file("missing.txt"), topic: "t" });
      const result = await pollOnClock(task, clock);
      expect(result).toBeNull();
      expect(clock.now()).toBe(1000);
      expect(clock.sleeps.every((ms) => ms === 50)).toBe(true);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain("WARN [c|task-0] Couldn't find file");
      task.stop();
    });

    test("a file that opens but does not read (a directory) reads nothing, as Apache's task: no failure, no records; the failure is logged once, not on every 50 ms check", async () => {
      await using dir = await tempDir();
      const clock = new ManualClock();
      const { ctx, lines } = context(clock);
      const task = new FileStreamSourceTask();
      task.initialize(ctx);
      task.start({ file: dir.path, topic: "t" });
      expect(await pollOnClock(task, clock)).toBeNull();
      expect(clock.now()).toBe(1000);
      expect(await pollOnClock(task, clock)).toBeNull();
      expect(clock.sleeps.length).toBeGreaterThan(2);
      expect(lines.filter((l) => l.includes("Couldn't read"))).toEqual([
        expect.stringContaining(`DEBUG [c|task-0] Couldn't read ${dir.path}, nothing read: EISDIR`),
      ]);
      task.stop();
    });

    test.each([
      ["back", -3_600_000],
      ["forward", 3_600_000],
    ])("a poll waits its 1 s on the monotonic clock when the wall clock steps %s an hour", async (_, step) => {
      await using dir = await tempDir();
      const clock = new ManualClock(1_700_000_000_000);
      const { ctx } = context(clock);
      const task = new FileStreamSourceTask();
      task.initialize(ctx);
      task.start({ file: dir.file("missing.txt"), topic: "t" });
      let stepped = false;
      const result = await pollOnClock(task, clock, () => {
        if (!stepped && clock.sleeps.length > 0) {
          clock.stepWallClock(step);
          stepped = true;
        }
      });
      expect(result).toBeNull();
      expect(clock.monotonic() - 1_700_000_000_000).toBe(1000);
      task.stop();
    });
  });

  describe("fills batch.size per poll, as Apache's task does", () => {
    test("reads past 64 KiB until batch.size lines are complete, keeps the rest for the next poll", async () => {
      await using dir = await tempDir();
      const file = dir.file("in.txt");
      const line = (i: number) => `${String(i).padStart(6, "0")}${"x".repeat(193)}\n`; // 200 bytes
      writeFileSync(file, Array.from({ length: 2500 }, (_, i) => line(i)).join(""));
      const { ctx } = context(new ManualClock());
      const task = new FileStreamSourceTask();
      task.initialize(ctx);
      task.start({ file, topic: "t", "batch.size": "2000" });
      const signal = new AbortController().signal;
      const first = await task.poll(signal);
      expect(first).toHaveLength(2000); // 400,000 bytes: several 64 KiB reads
      expect(first?.at(-1)?.sourceOffset).toEqual({ position: 2000 * 200 });
      const second = await task.poll(signal);
      expect(second?.map((r) => r.value)).toEqual(Array.from({ length: 500 }, (_, i) => line(2000 + i).trimEnd()));
      expect(second?.at(-1)?.sourceOffset).toEqual({ position: 2500 * 200 });
      task.stop();
    });
  });

  describe("reads a file deleted while it is read to its end, as Apache's open stream", () => {
    test("the lines held past batch.size and the file's unread rest are delivered after the delete", async () => {
      await using dir = await tempDir();
      const file = dir.file("in.txt");
      const line = (i: number) => `${String(i).padStart(6, "0")}${"x".repeat(193)}\n`; // 200 bytes
      writeFileSync(file, Array.from({ length: 2500 }, (_, i) => line(i)).join(""));
      const clock = new ManualClock();
      const { ctx, lines } = context(clock);
      const task = new FileStreamSourceTask();
      task.initialize(ctx);
      task.start({ file, topic: "t", "batch.size": "1000" });
      const values: unknown[] = [];
      const first = await pollOnClock(task, clock);
      values.push(...(first ?? []).map((r) => r.value));
      expect(values).toHaveLength(1000);
      rmSync(file);
      while (values.length < 2500) {
        const records = await pollOnClock(task, clock);
        expect(records).not.toBeNull();
        values.push(...(records ?? []).map((r) => r.value));
      }
      expect(values).toEqual(Array.from({ length: 2500 }, (_, i) => line(i).trimEnd()));
      expect(lines.filter((l) => l.includes("Couldn't read"))).toEqual([]);
      task.stop();
    });
  });

  describe("reads standard input when no file is given", () => {
    test("a line arriving over many reads, and lines ended by \\r\\n split across reads, come out whole and in order", async () => {
      const long = "x".repeat(64 * 1024);
      const chunks = [
        ...Array.from({ length: 64 }, () => long),
        "\r",
        "\nsecond",
        " line",
        "\r",
        "third\n",
        "fourth",
        "\n\nsix",
      ];
      async function* input() {
        for (const chunk of chunks) yield new TextEncoder().encode(chunk);
      }
      const { ctx } = context(new ManualClock());
      const task = new FileStreamSourceTask(() => input());
      task.initialize(ctx);
      task.start({ topic: "t" });
      const values: unknown[] = [];
      for (let polls = 0; polls < chunks.length + 10 && values.length < 5; polls++)
        for (const r of (await task.poll(new AbortController().signal)) ?? []) values.push(r.value);
      expect(values).toEqual([long.repeat(64), "second line", "third", "fourth", ""]);
      task.stop();
    });
  });

  describe("shares the event loop", () => {
    test("a line of 40 MB is read over several turns of the event loop: a timer fires before the poll returns it", async () => {
      await using dir = await tempDir();
      const file = dir.file("in.txt");
      writeFileSync(file, `${"a".repeat(40 * 1024 * 1024)}\r\nb\n`);
      const { ctx } = context(new ManualClock());
      const task = new FileStreamSourceTask();
      task.initialize(ctx);
      task.start({ file, topic: "t" });
      let fired = false;
      setTimeout(() => {
        fired = true;
      }, 0);
      const { records, firedBefore } = await task
        .poll(new AbortController().signal)
        .then((records) => ({ records, firedBefore: fired }));
      expect(firedBefore).toBe(true);
      expect(records?.map((r) => [String(r.value).length, r.sourceOffset])).toEqual([
        [40 * 1024 * 1024, { position: 40 * 1024 * 1024 + 2 }],
        [1, { position: 40 * 1024 * 1024 + 4 }],
      ]);
      task.stop();
    });

    test("a long line still without its line end is kept across polls and ends when its line end arrives", async () => {
      await using dir = await tempDir();
      const file = dir.file("in.txt");
      const MB = 1024 * 1024;
      writeFileSync(file, `x\n${"a".repeat(20 * MB)}`);
      const clock = new ManualClock();
      const { ctx } = context(clock);
      const task = new FileStreamSourceTask();
      task.initialize(ctx);
      task.start({ file, topic: "t" });
      const signal = new AbortController().signal;
      expect((await task.poll(signal))?.map((r) => r.value)).toEqual(["x"]);
      const poll = async () => {
        let polled: SourceRecord[] | null | undefined;
        const polling = task.poll(signal).then((r) => {
          polled = r;
        });
        while (polled === undefined) {
          await waitFor(() => polled !== undefined || clock.pending > 0, { what: "the poll returns or waits" });
          if (polled === undefined) clock.advance(1000);
        }
        await polling;
        return polled;
      };
      expect(await poll()).toBeNull(); // 20 MB read, no line end yet
      appendFileSync(file, `${"b".repeat(MB)}\rc\r`);
      const records = await poll();
      expect(records?.map((r) => [String(r.value).length, r.sourceOffset])).toEqual([
        [21 * MB, { position: 21 * MB + 3 }],
      ]);
      expect(String(records?.[0]?.value).slice(20 * MB - 1, 20 * MB + 1)).toBe("ab");
      appendFileSync(file, "\n");
      expect((await poll())?.map((r) => [r.value, r.sourceOffset])).toEqual([["c", { position: 21 * MB + 6 }]]);
      task.stop();
    });
  });

  describe("splits lines as Apache's task does (test/fixtures/runtime)", () => {
    test("with batch.size 1, a \\r that was the last byte read is followed by what the file got since", async () => {
      await using dir = await tempDir();
      const file = dir.file("in.txt");
      writeFileSync(file, "x\na\r");
      const clock = new ManualClock();
      const { ctx } = context(clock);
      const task = new FileStreamSourceTask();
      task.initialize(ctx);
      task.start({ file, topic: "t", "batch.size": "1" });
      const signal = new AbortController().signal;
      expect((await task.poll(signal))?.map((r) => r.value)).toEqual(["x"]);
      appendFileSync(file, "\nb\n");
      // The pending "a\r" alone counted as a complete line: nothing more was read, and no poll returned "a".
      let polled: SourceRecord[] | null | undefined;
      const poll = task.poll(signal).then((r) => {
        polled = r;
      });
      while (polled === undefined) {
        await waitFor(() => polled !== undefined || clock.pending > 0, { what: "the poll returns or waits" });
        if (polled === undefined) clock.advance(1000);
      }
      await poll;
      expect(polled?.map((r) => [r.value, r.sourceOffset])).toEqual([["a", { position: 5 }]]);
      task.stop();
    });

    test("a line ends at \\n, \\r\\n or a lone \\r; a \\r at the end of the file waits for the next byte", async () => {
      await using dir = await tempDir();
      const file = dir.file("in.txt");
      writeFileSync(file, "a\nb\r\n\r\nlone\rafter\n\rtail\r");
      const { ctx } = context(new ManualClock());
      const task = new FileStreamSourceTask();
      task.initialize(ctx);
      task.start({ file, topic: "t" });
      const records = await task.poll(new AbortController().signal);
      expect(records?.map((r) => [r.value, r.sourceOffset])).toEqual([
        ["a", { position: 2 }],
        ["b", { position: 5 }],
        ["", { position: 7 }],
        ["lone", { position: 12 }],
        ["after", { position: 18 }],
        ["", { position: 19 }],
      ]);
      task.stop();
    });
  });
});
