/**
 * FileStreamSinkTask: writes each record's value as a line (Java's String.valueOf rendering) to
 * the file, appending, as it is put (like Apache's, whose PrintStream passes every line on: a
 * reader sees it at once, without waiting for an offset flush). `flush` fsyncs, so offsets are
 * committed only for lines that are on disk.
 */
import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
import type { Config, SinkTask, SinkTaskContext } from "../../api/connector.ts";
import { displayValue } from "../../api/data/struct.ts";
import type { SinkRecord } from "../../api/record.ts";
import { ConnectError } from "../../errors.ts";
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
    for (const r of records) text += `${typeof r.value === "string" ? r.value : displayValue(r.value)}\n`;
    if (this.fd === undefined) process.stdout.write(text);
    else writeSync(this.fd, text);
  }

  flush(): void {
    if (this.fd !== undefined) fsyncSync(this.fd);
  }

  stop(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
