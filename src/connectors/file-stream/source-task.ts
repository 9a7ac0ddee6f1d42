/**
 * FileStreamSourceTask: reads complete lines from a file, starting at the last committed byte
 * position, and emits each as a STRING value with source partition `{"filename"}` and offset
 * `{"position"}` (the byte just after the line). A line ends at `\n`, `\r\n` or a lone `\r`, as
 * Apache's task splits them (a `\r` that is the last byte read waits for the next one, which may be
 * the `\n` of a `\r\n`); a partial last line waits for its line end. A missing file is waited for;
 * one that opens but does not read (a directory) reads nothing, the task RUNNING as Apache's. With
 * no `file`, lines come from standard input (offsets untracked).
 * Positions are bytes, also for multi-byte text (Apache counts characters on read but skips bytes
 * on restart; bytes are the consistent choice).
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { Config, SourceTask, SourceTaskContext } from "../../api/connector.ts";
import { Schemas } from "../../api/data/schema.ts";
import { type SourceRecord, sourceRecord } from "../../api/record.ts";
import { ABORTED, abortable } from "../../util/async.ts";
import { monotonicNow } from "../../util/clock.ts";
import { FILENAME_FIELD, fileSourceConfig, POSITION_FIELD } from "./config.ts";

const READ_CHUNK = 64 * 1024;
/** Most bytes one read takes before the event loop gets a turn (a line of hundreds of MB is read over several). */
const READ_TURN_BYTES = 16 * 1024 * 1024;
const IDLE_WAIT_MS = 1000;
const IDLE_CHECK_MS = 50;

const LF = 10;
const CR = 13;

/**
 * Line ends in `bytes` (a `\r\n` counts once), to size a read to batch.size lines. A `\r` that is
 * the last byte is not counted: it ends no line yet (a pending `x\r` counted as one kept a task with
 * batch.size 1 from ever reading on), and the `\n` of a `\r\n` read apart counts in the next read.
 */
function countLineEnds(bytes: Buffer): number {
  let n = 0;
  for (let i = bytes.indexOf(LF); i >= 0; i = bytes.indexOf(LF, i + 1)) n++;
  for (let i = bytes.indexOf(CR); i >= 0 && i < bytes.length - 1; i = bytes.indexOf(CR, i + 1))
    if (bytes[i + 1] !== LF) n++;
  return n;
}

const noLineEnd = (bytes: Buffer) => bytes.indexOf(LF) === -1 && bytes.indexOf(CR) === -1;

/**
 * The first line end at or after `from`: where the line stops and the next starts; null if none
 * yet. `cr` caches the position of the next `\r` (-1: none left), so a batch scans its bytes once.
 */
function lineEnd(bytes: Buffer, from: number, cr: { at: number }): { end: number; next: number } | null {
  if (cr.at !== -1 && cr.at < from) cr.at = bytes.indexOf(CR, from);
  const lf = bytes.indexOf(LF, from);
  if (cr.at === -1 || (lf !== -1 && lf < cr.at)) return lf === -1 ? null : { end: lf, next: lf + 1 };
  if (cr.at + 1 >= bytes.length) return null;
  return { end: cr.at, next: bytes[cr.at + 1] === LF ? cr.at + 2 : cr.at + 1 };
}

export class FileStreamSourceTask implements SourceTask {
  private context!: SourceTaskContext;
  private file: string | null = null;
  private topic = "";
  private batchSize = 2000;
  private fd: number | undefined;
  private position = 0;
  private pending = Buffer.alloc(0);
  private stdin: AsyncIterator<Uint8Array> | undefined;
  private stdinRead: Promise<IteratorResult<Uint8Array>> | undefined;
  private stdinEnded = false;
  private warnedMissing = false;
  /** The last read failed: its failure was logged, those that follow until a read succeeds are not. */
  private readFailing = false;
  /** The last read stopped at READ_TURN_BYTES with more of the file to read. */
  private readOn = false;
  /**
   * Bytes read after `pending` while neither holds a line end (a line of hundreds of MB): kept as read
   * and joined only once a line end arrives, so the long line is neither copied nor scanned again per read.
   */
  private held: Buffer[] = [];
  private heldBytes = 0;

  /** `input`: where a task without `file` reads (the process's standard input). */
  constructor(
    private readonly input: () => AsyncIterator<Uint8Array> = () => Bun.stdin.stream()[Symbol.asyncIterator](),
  ) {}

  initialize(context: SourceTaskContext): void {
    this.context = context;
  }

  start(config: Config): void {
    const parsed = fileSourceConfig.parse(config);
    this.file = parsed.file && parsed.file !== "" ? parsed.file : null;
    this.topic = parsed.topic;
    this.batchSize = parsed["batch.size"];
  }

  private async open(): Promise<boolean> {
    if (this.fd !== undefined) return true;
    try {
      this.fd = openSync(this.file!, "r");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      if (!this.warnedMissing)
        this.context.logger.warn(
          `Couldn't find file ${this.file} for FileStreamSourceTask, sleeping to wait for it to be created`,
        );
      this.warnedMissing = true;
      return false;
    }
    const offset = await this.context.offsetStorageReader.offset({ [FILENAME_FIELD]: this.file });
    const recorded = offset?.[POSITION_FIELD];
    this.position = typeof recorded === "number" || typeof recorded === "bigint" ? Number(recorded) : 0;
    this.context.logger.debug(`Opened ${this.file} for reading at position ${this.position}`);
    return true;
  }

  async poll(signal: AbortSignal): Promise<SourceRecord[] | null> {
    if (this.file === null) return this.pollStdin(signal);
    const { clock } = this.context;
    // On the monotonic clock: a step of the host's clock neither holds a poll nor ends it early.
    const deadline = monotonicNow(clock) + IDLE_WAIT_MS;
    while (!signal.aborted) {
      if (await this.open()) {
        const records = this.readLinesOrNone();
        if (records.length > 0) return records;
        if (this.readOn) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          continue;
        }
      }
      if (monotonicNow(clock) >= deadline) return null;
      await clock.sleep(IDLE_CHECK_MS, signal);
    }
    return null;
  }

  /**
   * readLines, a read the system refuses (the file a directory, an I/O error) reading nothing: as
   * Apache's task, which fails only when the file cannot be opened and takes an IOException of a
   * read as no records yet, staying RUNNING and polling on. Logged once per run of failed reads
   * (a poll reads every 50 ms).
   */
  private readLinesOrNone(): SourceRecord[] {
    try {
      const records = this.readLines();
      this.readFailing = false;
      return records;
    } catch (error) {
      const { code, message } = error as NodeJS.ErrnoException;
      if (code === undefined) throw error;
      if (!this.readFailing) this.context.logger.debug(`Couldn't read ${this.file}, nothing read: ${message}`);
      this.readFailing = true;
      return [];
    }
  }

  /**
   * Reads until batch.size complete lines are pending (or the file ends), as Apache's task fills its
   * batch, but at most READ_TURN_BYTES at a time (`readOn`: the poll reads on after an event-loop turn).
   * The size is the open file's: a file deleted (or renamed) meanwhile is read to its end, as Apache's
   * open stream reads it.
   */
  private readLines(): SourceRecord[] {
    this.readOn = false;
    const fd = this.fd!;
    const size = fstatSync(fd).size;
    let end = this.position + this.pending.length + this.heldBytes;
    if (size <= end) return this.held.length > 0 ? [] : this.extract();
    const chunks: Buffer[] = [];
    let lines = this.held.length > 0 ? 0 : countLineEnds(this.pending);
    const bound = Math.min(size, end + READ_TURN_BYTES);
    while (lines < this.batchSize && end < bound) {
      const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK, size - end));
      const n = readSync(fd, chunk, 0, chunk.length, end);
      if (n <= 0) break;
      const read = chunk.subarray(0, n);
      chunks.push(read);
      lines += countLineEnds(read);
      end += n;
    }
    this.readOn = end === bound && end < size;
    if (chunks.every(noLineEnd) && (this.held.length > 0 || noLineEnd(this.pending))) {
      this.held.push(...chunks);
      this.heldBytes = end - this.position - this.pending.length;
      return [];
    }
    this.pending = Buffer.concat([this.pending, ...this.held, ...chunks]);
    this.held = [];
    this.heldBytes = 0;
    return this.extract();
  }

  /** Complete lines from the pending bytes, at most batch.size; the rest stays pending. */
  private extract(): SourceRecord[] {
    const records: SourceRecord[] = [];
    let start = 0;
    const cr = { at: this.pending.indexOf(CR) };
    while (records.length < this.batchSize) {
      const found = lineEnd(this.pending, start, cr);
      if (found === null) break;
      const line = this.pending.subarray(start, found.end).toString("utf8");
      const next = this.position + found.next;
      records.push(
        sourceRecord({
          sourcePartition: this.file === null ? null : { [FILENAME_FIELD]: this.file },
          sourceOffset: this.file === null ? null : { [POSITION_FIELD]: next },
          topic: this.topic,
          valueSchema: Schemas.STRING,
          value: line,
          timestamp: this.context.clock.now(),
        }),
      );
      start = found.next;
    }
    if (start > 0) {
      this.position += start;
      this.pending = this.pending.subarray(start);
    }
    return records;
  }

  private async pollStdin(signal: AbortSignal): Promise<SourceRecord[] | null> {
    const records = this.extract();
    if (records.length > 0) return records;
    if (this.stdinEnded) {
      await this.context.clock.sleep(IDLE_WAIT_MS, signal);
      return null;
    }
    this.stdin ??= this.input();
    // One read stays outstanding across polls, so a pause or stop does not wait for input.
    this.stdinRead ??= this.stdin.next();
    const next = await abortable(this.stdinRead, signal);
    if (next === ABORTED) return null;
    this.stdinRead = undefined;
    if (next.done) {
      this.stdinEnded = true;
      return null;
    }
    const read = Buffer.from(next.value);
    // As readLines holds a file's long line: joined once its line end arrives, not copied per read.
    if (noLineEnd(read) && (this.held.length > 0 || noLineEnd(this.pending))) {
      this.held.push(read);
      return null;
    }
    this.pending = Buffer.concat([this.pending, ...this.held, read]);
    this.held = [];
    return this.extract();
  }

  stop(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
