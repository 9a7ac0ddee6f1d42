/**
 * Where the process's log lines go: to stdout with a bound on what waits for its reader
 * (`boundedStreamSink`), and once a write to stdout failed (main.ts listens for the error of
 * `process.stdout`, after which that stream takes no more writes):
 *
 * - A log reader gone (EPIPE) or a closed terminal (EIO): the output has nowhere to go, for good;
 *   lines are dropped, as a JVM's System.out swallows such errors.
 * - Anything else, such as a full disk (ENOSPC, EDQUOT) or a file size limit (EFBIG) when stdout is
 *   redirected to a file: the condition may pass (the disk gets room, the file is rotated), so the
 *   lines are written straight to the descriptor from then on (LogFileOutput). A line that cannot be
 *   written is dropped and counted, and once a write works again a WARN says how many were lost and
 *   why, so the log resumes with its gap marked instead of staying silent until a restart.
 */
import { writeSync } from "node:fs";
import { messageOf } from "../errors.ts";

type Sink = (line: string) => void;

/** Bytes of log lines stdout may hold unwritten (its reader not keeping up) before lines are dropped. */
const STDOUT_BACKLOG_MAX_BYTES = 8 * 1024 * 1024;

/**
 * The log's sink on a stream that buffers in memory what its reader does not take yet, without a
 * bound: process.stdout on a pipe, FIFO or socket (a stopped `| tee`, a Docker log pipe nobody
 * drains, a stuck journald socket) whose reader is slower than the log or stopped, where 36,000 REST
 * requests' lines grew the gateway by 160 MB in 15 s (opshunt; a JVM's console appender blocks
 * every thread instead). A terminal is not one: Bun's writes to it block (a paused terminal,
 * Ctrl-S, stalls the event loop, as a JVM's). Past `maxBytes` unwritten, lines are dropped and
 * counted (LogFileOutput) until the backlog is down to half of it; then a WARN says how many were
 * lost, before the line that found room.
 */
export function boundedStreamSink(
  stream: { write(chunk: Uint8Array, written: () => void): unknown },
  warn: (message: string) => void,
  maxBytes: number = STDOUT_BACKLOG_MAX_BYTES,
): BoundedSink {
  let waiting = 0;
  let dropping = false;
  const whenEmpty: (() => void)[] = [];
  const write = (bytes: Buffer, from: number): number => {
    dropping = waiting >= (dropping ? maxBytes / 2 : maxBytes);
    if (dropping)
      throw new Error(
        `standard output is not keeping up (not being read): ${waiting} bytes of log lines wait for its reader`,
      );
    const chunk = bytes.subarray(from);
    waiting += chunk.length;
    stream.write(chunk, () => {
      waiting -= chunk.length;
      if (waiting === 0) for (const resolve of whenEmpty.splice(0)) resolve();
    });
    return chunk.length;
  };
  return {
    sink: new LogFileOutput(write, warn).sink,
    flushed: (timeoutMs) =>
      waiting === 0
        ? Promise.resolve()
        : new Promise((resolve) => {
            const timer = setTimeout(resolve, timeoutMs);
            whenEmpty.push(() => {
              clearTimeout(timer);
              resolve();
            });
          }),
  };
}

export interface BoundedSink {
  readonly sink: Sink;
  /**
   * Resolves once the stream took every line written to it, or after `timeoutMs`. Bun's
   * process.exit discards what stdout still holds, the lines saying why the gateway exits among them.
   */
  flushed(timeoutMs: number): Promise<void>;
}

/** Errors after which stdout cannot take a write again. */
const GONE = new Set(["EPIPE", "EIO"]);

/** The sink for the log lines after `error` on stdout (fd 1). `warn` logs a line (through the same sink). */
export function sinkAfterStdoutError(error: unknown, warn: (message: string) => void): Sink {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && GONE.has(code)) return () => {};
  return new LogFileOutput((bytes, from) => writeSync(1, bytes, from), warn).sink;
}

/**
 * Log lines written one by one; lines that fail are counted and reported once writes work again. A
 * line the file took only in part (a short write, then the error) is ended before the next line.
 */
export class LogFileOutput {
  private lost = 0;
  private reason = "";
  private reporting = false;
  /** The WARN about lost lines reached the sink (false: its level filtered it out). */
  private reported = false;
  /** The last failed write left part of its line in the file. */
  private cut = false;

  /** `write`: writeSync's contract, the bytes of `bytes` from `from` on; returns how many it wrote. */
  constructor(
    private readonly write: (bytes: Buffer, from: number) => number,
    private readonly warn: (message: string) => void,
  ) {}

  /** Writes all of `text`, going on after a short write; throws the write's error. */
  private writeAll(text: string): void {
    const bytes = Buffer.from(this.cut ? `\n${text}` : text);
    let done = 0;
    try {
      while (done < bytes.length) done += this.write(bytes, done);
      this.cut = false;
    } catch (error) {
      if (done > 0) this.cut = true;
      throw error;
    }
  }

  readonly sink: Sink = (line) => {
    if (this.lost > 0 && !this.reporting) {
      this.reporting = true;
      this.reported = false;
      try {
        this.warn(
          `${this.lost} log line(s) could not be written and are lost (${this.reason}); the log is written again`,
        );
      } finally {
        this.reporting = false;
      }
      // The WARN never came here (its logger's level is above WARN): the gap goes unmarked, as
      // every WARN does at that level, and the log goes on.
      if (!this.reported) this.lost = 0;
      if (this.lost > 0) {
        this.lost++;
        return;
      }
    }
    if (this.reporting) this.reported = true;
    try {
      this.writeAll(`${line}\n`);
      if (this.reporting) this.lost = 0;
    } catch (error) {
      if (this.reporting) return;
      if (this.lost === 0) this.reason = messageOf(error);
      this.lost++;
    }
  };
}
