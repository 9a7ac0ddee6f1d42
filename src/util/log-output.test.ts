import { describe, expect, test } from "bun:test";
import { boundedStreamSink, LogFileOutput, sinkAfterStdoutError } from "./log-output.ts";

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

// opshunt: with stdout's reader not reading, every line waited in memory (160 MB in 15 s of REST requests).
describe("boundedStreamSink", () => {
  /** A stream that takes every write and says it is written when the test lets its reader read. */
  function stream(maxBytes: number) {
    const written: string[] = [];
    const unread: (() => void)[] = [];
    const s = {
      write(chunk: Uint8Array, done: () => void) {
        written.push(Buffer.from(chunk).toString());
        unread.push(done);
      },
    };
    const bounded = boundedStreamSink(s, (message) => sink(`WARN ${message}`), maxBytes);
    const sink = bounded.sink;
    const read = (n = unread.length) => {
      for (const done of unread.splice(0, n)) done();
    };
    return { sink, written, read, flushed: bounded.flushed };
  }
  /** Line `n`, 100 bytes with its newline. */
  const line = (n: number) => `line ${n} ${"x".repeat(92)}`;

  test("past its bound lines are dropped and counted; once it was read a WARN says how many, then the log goes on", () => {
    const o = stream(400);
    for (const n of [1, 2, 3, 4, 5]) o.sink(line(n)); // the 5th finds 400 bytes waiting
    expect(o.written).toEqual([1, 2, 3, 4].map((n) => `${line(n)}\n`));
    o.read();
    o.sink(line(6));
    expect(o.written.slice(4)).toEqual([
      "WARN 1 log line(s) could not be written and are lost (standard output is not keeping up (not being read): 400 bytes of log lines wait for its reader); the log is written again\n",
      `${line(6)}\n`,
    ]);
  });

  test("once dropping, lines stay dropped until the backlog is down to half the bound", () => {
    const o = stream(300);
    for (const n of [1, 2, 3, 4]) o.sink(line(n)); // the 4th: dropped
    o.read(1);
    o.sink(line(5)); // 200 waiting, above half: dropped
    o.read(1);
    o.sink(line(6)); // 100 waiting
    expect(o.written.slice(3)).toEqual([
      "WARN 2 log line(s) could not be written and are lost (standard output is not keeping up (not being read): 300 bytes of log lines wait for its reader); the log is written again\n",
      `${line(6)}\n`,
    ]);
  });

  test("flushed resolves once the stream took every line, at once when nothing waits", async () => {
    const o = stream(1000);
    await o.flushed(60_000);
    o.sink(line(1));
    o.sink(line(2));
    let done = false;
    const flushed = o.flushed(60_000).then(() => (done = true));
    o.read(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    o.read(1);
    await flushed;
  });

  test("flushed gives up after its time limit when the reader never reads", async () => {
    const o = stream(1000);
    o.sink(line(1));
    await o.flushed(1);
    expect(o.written).toEqual([`${line(1)}\n`]);
  });
});
