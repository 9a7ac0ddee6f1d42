/**
 * DataFileWatch: keeps checking that an SQLite file's path still names the file the gateway has
 * open: `gateway.db` (app.ts, once the store is open) and `spool.db` (the spool worker, once it
 * opened it); each calls `writeBack` just before its database closes.
 *
 * Why: SQLite goes on writing to an open file that was deleted (`rm -rf data`, a cleaner of /tmp)
 * or replaced (a backup copied over it while the gateway runs), and the gateway answered every REST
 * write as usual: each connector created and each source offset committed since was gone at the next
 * start (opshunt), and each record acknowledged to a device and not yet in Kafka was gone with the
 * spool file. Once the path no longer names the open file, `onLost` gets one message (main.ts
 * logs it and stops the gateway gracefully, exit code 1, so a supervisor starts it again), and
 * `writeBack` writes what the open database holds, the stop's commits included, as one consistent
 * copy (`VACUUM INTO`, schema version kept) to the path when the file was deleted (its directory
 * made again when that went too), or beside it when another file took its place, which is left as
 * it is (the next start uses it). The copy is created 0600 and synced, as the store's own file.
 * The open file's write-ahead log (`<path>-wal`) is unlinked as soon as the change is seen (SQLite
 * keeps using it through its descriptor): left beside the path, a crash would leave it to be
 * replayed into whatever file is there next, corrupting it.
 */
import type { Database } from "bun:sqlite";
import { closeSync, constants, fsyncSync, mkdirSync, openSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import type { SetTimer } from "../util/timer.ts";

/** How often the path is checked: a stat, nothing read. */
export const DATA_FILE_CHECK_INTERVAL_MS = 1000;

export type DataFileChange = "deleted" | "replaced";

export interface DataFileWatchOptions {
  readonly db: Database;
  /** The open database's path (absolute). */
  readonly path: string;
  /** What the file is called in messages ("data file") and what it holds ("connector configs, …"). */
  readonly name: string;
  readonly holds: string;
  /** Called once, the first time a check finds the path no longer naming the open file. */
  readonly onLost: (message: string) => void;
  readonly log: { info(message: string): void; error(message: string): void };
  readonly setTimer: SetTimer;
  /** Names the copy written beside a replaced file (default: the time now). */
  readonly now?: () => number;
}

interface FileId {
  readonly dev: number;
  readonly ino: number;
}

function fileId(path: string): FileId | undefined {
  try {
    const { dev, ino } = statSync(path);
    return { dev, ino };
  } catch {
    return undefined;
  }
}

export class DataFileWatch {
  private readonly opened: FileId | undefined;
  /** The log's id, taken again at a check while it had none (a file not written yet). */
  private openedWal: FileId | undefined;
  private timer: { cancel(): void } | undefined;
  private stopped = false;
  /** Where `writeBack` writes, fixed when the change is first seen so that the message names it. */
  private target: string | undefined;

  constructor(private readonly o: DataFileWatchOptions) {
    this.opened = fileId(o.path);
    this.openedWal = fileId(`${o.path}-wal`);
  }

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  /** How the path differs from the open file, or undefined while it names it. */
  check(): DataFileChange | undefined {
    if (this.opened === undefined) return undefined;
    const now = fileId(this.o.path);
    if (now === undefined) return "deleted";
    return now.dev === this.opened.dev && now.ino === this.opened.ino ? undefined : "replaced";
  }

  /**
   * Writes the open database to the path (deleted) or beside it (replaced) and logs where; nothing
   * while the path names the open file. Call it last before the database closes.
   */
  writeBack(): void {
    const change = this.check();
    if (change === undefined) return;
    this.releaseWal();
    const target = this.targetFor(change);
    try {
      mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
      closeSync(openSync(target, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600));
      this.o.db.run("VACUUM INTO ?", [target]);
      const fd = openSync(target, "r+");
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      this.o.log.error(
        `Could not write the open ${this.o.name} to ${target} (${error instanceof Error ? error.message : String(error)}): what it held since ${this.o.path} was ${change} is lost when the gateway exits`,
      );
      return;
    }
    this.o.log.info(
      change === "deleted"
        ? `Wrote the open ${this.o.name} back to ${target}, which had been deleted`
        : `Wrote the open ${this.o.name} to ${target}; ${this.o.path} is the file that replaced it, which the next start uses: move ${target} to ${this.o.path} (the gateway stopped) to keep what it holds instead`,
    );
  }

  /** Unlinks `<path>-wal` when it is still the open database's own log. */
  private releaseWal(): void {
    const wal = fileId(`${this.o.path}-wal`);
    if (wal === undefined || this.openedWal === undefined) return;
    if (wal.dev === this.openedWal.dev && wal.ino === this.openedWal.ino) rmSync(`${this.o.path}-wal`, { force: true });
  }

  private targetFor(change: DataFileChange): string {
    this.target ??= change === "deleted" ? this.o.path : `${this.o.path}.replaced-${(this.o.now ?? Date.now)()}`;
    return this.target;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.o.setTimer(() => {
      const change = this.check();
      if (change === undefined) {
        this.openedWal ??= fileId(`${this.o.path}-wal`);
        this.schedule();
        return;
      }
      this.stopped = true;
      this.releaseWal();
      const { name, path, holds } = this.o;
      this.o.onLost(
        change === "deleted"
          ? `The ${name} ${path} was deleted while the gateway runs: what it holds (${holds}) is now only in the open file. Stopping the gateway, which writes it back to ${path} as it stops`
          : `The ${name} ${path} was replaced by another file while the gateway runs. Stopping the gateway, which writes what the open file holds (${holds}) to ${this.targetFor(change)} as it stops and leaves ${path} as it is`,
      );
    }, DATA_FILE_CHECK_INTERVAL_MS);
  }
}
