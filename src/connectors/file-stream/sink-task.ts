/**
 * FileStreamSinkTask: writes each record's value as a line (Java's String.valueOf rendering) to
 * the file, appending, as it is put (like Apache's, whose PrintStream passes every line on: a
 * reader sees it at once, without waiting for an offset flush). `flush` fsyncs, so offsets are
 * committed only for lines that are on disk.
 *
 * A `put` writes all of its lines or none: a write the file takes only in part (a disk that fills
 * mid-batch gives a short write, then ENOSPC) is written on to the end, and a failed one cuts the
 * file back to its size before the batch and throws a RetriableError, so the worker delivers the
 * same batch again with its backoff (up to 10 s apart, until the disk has room) and commits no
 * offset for it.
 * Apache's PrintStream swallows the error: its lines are lost and their offsets committed.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, writeSync } from "node:fs";
import type { Config, SinkTask, SinkTaskContext } from "../../api/connector.ts";
import { javaToString } from "../../api/data/java-text.ts";
import type { SinkRecord } from "../../api/record.ts";
import { ConnectError, messageOf, RetriableError } from "../../errors.ts";
import { javaUtf8Text } from "../../util/java-utf8.ts";
import { fileSinkConfig } from "./config.ts";

export class FileStreamSinkTask implements SinkTask {
  private fd: number | undefined;

  private context!: SinkTaskContext;
  private file: string | undefined;

  initialize(context: SinkTaskContext): void {
    this.context = context;
  }

  start(config: Config): void {
    const file = fileSinkConfig.parse(config).file;
    this.file = file || undefined;
    try {
      this.fd = file ? openSync(file, "a") : undefined;
    } catch (error) {
      throw new ConnectError(`Couldn't find or create file '${file}' for FileStreamSinkTask`, { cause: error });
    }
  }

  /** One write for the records of one `put`: they reach the file (the OS) before `put` returns. */
  put(records: ReadonlyArray<SinkRecord>): void {
    if (records.length === 0) return;
    if (this.context.logger.isEnabled("TRACE")) {
      this.context.logger.trace(`Writing ${records.length} lines to ${this.file ?? "stdout"}`);
    }
    let text = "";
    for (const r of records)
      text += `${typeof r.value === "string" ? r.value : javaToString(r.value, r.valueSchema)}\n`;
    // Apache's PrintStream encodes a lone surrogate as `?`, not as U+FFFD.
    text = javaUtf8Text(text);
    if (this.fd === undefined) process.stdout.write(text);
    else this.writeAll(this.fd, records.length, Buffer.from(text));
  }

  /** Writes `bytes` to the end of the file, all of them; on failure the file is cut back and the batch retried. */
  private writeAll(fd: number, count: number, bytes: Buffer): void {
    const before = fstatSync(fd).size;
    try {
      for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done);
    } catch (error) {
      try {
        ftruncateSync(fd, before);
      } catch {
        // The cut failing too leaves part of the batch in the file; its records are written again after it.
      }
      throw new RetriableError(
        `Could not write ${count} records to '${this.file}' (${messageOf(error)}); the file is left as it was before them and the worker delivers them again`,
        { cause: error },
      );
    }
  }

  flush(): void {
    if (this.fd !== undefined) fsyncSync(this.fd);
  }

  stop(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
