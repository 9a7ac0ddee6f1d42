import { describe, expect, test } from "bun:test";
import { LogFileOutput, sinkAfterStdoutError } from "./log-output.ts";

const enospc = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });

/** A LogFileOutput over a file that takes writes while `room` is true; `warn` logs through the same sink. */
function output() {
  const written: string[] = [];
  const state = { room: true };
  const out: LogFileOutput = new LogFileOutput(
    (text) => {
      if (!state.room) throw enospc;
      written.push(text);
    },
    (message) => out.sink(`WARN ${message}`),
  );
  return { written, state, sink: out.sink };
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
    o.state.room = false;
    o.sink("lost 1");
    o.sink("lost 2");
    o.sink("lost 3");
    o.state.room = true;
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
    o.state.room = false;
    o.sink("lost 1");
    o.sink("lost 2");
    o.state.room = true;
    o.sink("back");
    expect(o.written[0]).toStartWith("WARN 2 log line(s) could not be written");
    expect(o.written.slice(1)).toEqual(["back\n"]);
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
