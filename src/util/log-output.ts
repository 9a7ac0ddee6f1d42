/**
 * Where the process's log lines go once a write to stdout failed (main.ts listens for the error of
 * `process.stdout`, after which that stream takes no more writes).
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

/** Errors after which stdout cannot take a write again. */
const GONE = new Set(["EPIPE", "EIO"]);

/** The sink for the log lines after `error` on stdout (fd 1). `warn` logs a line (through the same sink). */
export function sinkAfterStdoutError(error: unknown, warn: (message: string) => void): Sink {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && GONE.has(code)) return () => {};
  return new LogFileOutput((text) => writeAll(1, text), warn).sink;
}

/** Writes all of `text`, going on after a short write; throws the write's error. */
function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done);
}

/** Log lines written one by one; lines that fail are counted and reported once writes work again. */
export class LogFileOutput {
  private lost = 0;
  private reason = "";
  private reporting = false;

  constructor(
    private readonly write: (text: string) => void,
    private readonly warn: (message: string) => void,
  ) {}

  readonly sink: Sink = (line) => {
    if (this.lost > 0 && !this.reporting) {
      this.reporting = true;
      try {
        this.warn(
          `${this.lost} log line(s) could not be written and are lost (${this.reason}); the log is written again`,
        );
      } finally {
        this.reporting = false;
      }
      if (this.lost > 0) {
        this.lost++;
        return;
      }
    }
    try {
      this.write(`${line}\n`);
      if (this.reporting) this.lost = 0;
    } catch (error) {
      if (this.reporting) return;
      if (this.lost === 0) this.reason = messageOf(error);
      this.lost++;
    }
  };
}
