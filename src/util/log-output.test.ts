import { describe, expect, test } from "bun:test";
import { LogFileOutput, sinkAfterStdoutError } from "./log-output.ts";

const enospc = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });

/** A LogFileOutput over a file that takes writes while `room` is true; `warn` logs through the same sink. */
function output() {
  const written: string[] = [];
  /** Bytes the file takes before it is full (Infinity: room enough). */
  const state = { room: Number.POSITIVE_INFINITY };
  const out: LogFileOutput = new LogFileOutput(
    (bytes, from) => {
      if (state.room <= 0) throw enospc;
      const n = Math.min(bytes.length - from, state.room);
      state.room -= n;
      written.push(bytes.subarray(from, from + n).toString());
      return n;
    },
    (message) => out.sink(`WARN ${message}`),
  );
  return { written, state, sink: out.sink, text: () => written.join("") };
}

describe("LogFileOutput", () => {
  test("writes each line with its newline", () => {
    const o = output();
    o.sink("a");
    o.sink("b");
    expect(o.written).toEqual(["a\n", "b\n"]);
  });

  test("when the disk is full, lines are lost and counted; once there is room a WARN says how many, then the log goes on", () => {
    const o = output();
    o.sink("before");
    o.state.room = 0;
    o.sink("lost 1");
    o.sink("lost 2");
    o.sink("lost 3");
    o.state.room = Number.POSITIVE_INFINITY;
    o.sink("after");
    o.sink("later");
    expect(o.written).toEqual([
      "before\n",
      "WARN 3 log line(s) could not be written and are lost (ENOSPC: no space left on device, write); the log is written again\n",
      "after\n",
      "later\n",
    ]);
  });

  test("a line that comes while the disk is still full is counted too (the WARN is not written either)", () => {
    const o = output();
    o.state.room = 0;
    o.sink("lost 1");
    o.sink("lost 2");
    o.state.room = Number.POSITIVE_INFINITY;
    o.sink("back");
    expect(o.written[0]).toStartWith("WARN 2 log line(s) could not be written");
    expect(o.written.slice(1)).toEqual(["back\n"]);
  });
});

describe("LogFileOutput when WARN is not logged", () => {
  test("a WARN the log level filters out (log.level=ERROR) does not keep every later line lost", () => {
    const written: string[] = [];
    let room = true;
    const out = new LogFileOutput(
      (bytes, from) => {
        if (!room) throw enospc;
        written.push(bytes.subarray(from).toString());
        return bytes.length - from;
      },
      () => {}, // the logger's WARN is below its level: nothing reaches the sink
    );
    room = false;
    out.sink("lost");
    room = true;
    out.sink("ERROR after");
    out.sink("ERROR later");
    expect(written).toEqual(["ERROR after\n", "ERROR later\n"]);
  });
});

describe("LogFileOutput after a short write", () => {
  test("a line cut by a short write is ended before the next line, so that one starts on its own line", () => {
    const o = output();
    o.state.room = 8;
    o.sink("first line, cut");
    o.state.room = Number.POSITIVE_INFINITY;
    o.sink("next");
    expect(o.text()).toBe(
      "first li\nWARN 1 log line(s) could not be written and are lost (ENOSPC: no space left on device, write); the log is written again\nnext\n",
    );
  });
});

describe("sinkAfterStdoutError", () => {
  test.each(["EPIPE", "EIO"])(
    "%s (nobody reads the output any more): every line is dropped without a write",
    (code) => {
      const warnings: string[] = [];
      const sink = sinkAfterStdoutError(Object.assign(new Error(code), { code }), (m) => warnings.push(m));
      sink("dropped");
      expect(warnings).toEqual([]);
    },
  );
});
