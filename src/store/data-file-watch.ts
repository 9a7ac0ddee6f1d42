/**
 * DataFileWatch: keeps checking that an SQLite file's path still names the file the gateway has
 * open: `gateway.db` (app.ts, once the store is open) and `spool.db` (the spool worker, once it
 * opened it); each calls `writeBack` just before its database closes.
 *
 * Why: SQLite goes on writing to an open file that was deleted (`rm -rf data`, a cleaner of /tmp)
 * or replaced (a backup moved over it, a rename, while the gateway runs), and the gateway answered every REST
 * write as usual: each connector created and each source offset committed since was gone at the next
 * start (opshunt), and each record acknowledged to a device and not yet in Kafka was gone with the
 * spool file. Once the path no longer names the open file, `onLost` gets one message (main.ts
 * logs it and stops the gateway gracefully, exit code 1, so a supervisor starts it again), and
 * `writeBack` writes what the open database holds, the stop's commits included, as one consistent
 * copy (`VACUUM INTO`, schema version kept) to the path when the file was deleted (its directory
 * made again when that went too), or beside it when another file took its place, which is left as
 * it is (the next start uses it). The copy is created 0600 and synced (its directory too), as the
 * store's own file; a directory whose fsync fails (EINVAL on some FUSE or CIFS mounts) gets a WARN,
 * as SQLite ignores its own directory fsync failures: the copy itself is complete and synced.
 * The open file's write-ahead log (`<path>-wal`) is unlinked as soon as the change is seen (SQLite
 * keeps using it through its descriptor): left beside the path, a crash would leave it to be
 * replayed into whatever file is there next, corrupting it.
 * A file overwritten in place (`cp backup.db gateway.db`) keeps its inode: that is not detected.
 * A path that cannot be looked at (data.dir made unreadable: EACCES) is no change: one WARN per error
 * code names the error and checks that fail so are skipped (SQLite goes on writing through its open
 * descriptors). Once a change was reported, a write-back that cannot look at the path says with an
 * ERROR that what the open file holds is not written.
 * The log deleted alone (a clean-up of "stale" `-wal` files) held everything written since the last
 * checkpoint, which a crash then lost (the schema too, on a young file): the watch copies it into the
 * file at once (a checkpoint) and stops the gateway the same way; the close copies the rest.
 */
import type { Database } from "bun:sqlite";
import { closeSync, constants, fsyncSync, mkdirSync, openSync, readdirSync, statSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import type { SetTimer } from "../util/timer.ts";

/** How often the path is checked: a stat, nothing read. */
export const DATA_FILE_CHECK_INTERVAL_MS = 1000;

/** The file deleted, another file at its path, or its write-ahead log deleted (or another file at its path). */
export type DataFileChange = "deleted" | "replaced" | "log deleted";

export interface DataFileWatchOptions {
  readonly db: Database;
  /** The open database's path (absolute). */
  readonly path: string;
  /** What the file is called in messages ("data file") and what it holds ("connector configs, …"). */
  readonly name: string;
  readonly holds: string;
  /** Called once, the first time a check finds the path no longer naming the open file. */
  readonly onLost: (message: string) => void;
  readonly log: { info(message: string): void; warn(message: string): void; error(message: string): void };
  readonly setTimer: SetTimer;
  /** Names the copy written beside a replaced file (default: the time now). */
  readonly now?: () => number;
  /** Deletes a file (default: unlinkSync). */
  readonly unlink?: (path: string) => void;
  /** Looks at a path, throwing when it cannot (default: statSync). */
  readonly stat?: (path: string) => FileId;
  /** Fsyncs a directory (default: opens and fsyncs it). */
  readonly syncDir?: (path: string) => void;
}

export interface FileId {
  readonly dev: number;
  readonly ino: number;
}

function sameFile(a: FileId | undefined, b: FileId): boolean {
  return a !== undefined && a.dev === b.dev && a.ino === b.ino;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The id of the file at `path`, undefined when there is none; any other error (EACCES) is thrown. */
function fileId(path: string, stat: (path: string) => FileId): FileId | undefined {
  try {
    const { dev, ino } = stat(path);
    return { dev, ino };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw error;
  }
}

/** Fsyncs a file or directory. */
function sync(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * The names of the copies `writeBack` set aside in `dir` (`gateway.db.replaced-<ms>`,
 * `spool.db.replaced-<ms>`), which no start reads: startApp warns about them.
 */
export function setAsideFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => /\.replaced-\d+$/.test(name))
      .sort();
  } catch {
    return [];
  }
}

export class DataFileWatch {
  private readonly opened: FileId | undefined;
  /** The log's id, taken again at a check while it had none (a file not written yet). */
  private openedWal: FileId | undefined;
  private timer: { cancel(): void } | undefined;
  private stopped = false;
  /** Where `writeBack` puts the state beside a replaced file, fixed when first named in a message. */
  private aside: string | undefined;
  /** The error codes a failed check was logged for (one WARN each). */
  private readonly warned = new Set<string>();
  /** The change `onLost` was told of. */
  private reported: DataFileChange | undefined;

  constructor(private readonly o: DataFileWatchOptions) {
    this.opened = this.unlessUnreadable(() => this.fileId(o.path));
    this.openedWal = this.unlessUnreadable(() => this.fileId(`${o.path}-wal`));
  }

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  /** How the path (or its log's) differs from the open file, or undefined while it names it. */
  check(): DataFileChange | undefined {
    return this.unlessUnreadable(() => this.changeNow());
  }

  /** As `check`, throwing when the path cannot be looked at. */
  private changeNow(): DataFileChange | undefined {
    const opened = this.opened;
    if (opened === undefined) return undefined;
    const now = this.fileId(this.o.path);
    if (now === undefined) return "deleted";
    if (!sameFile(now, opened)) return "replaced";
    if (this.openedWal !== undefined && !sameFile(this.fileId(`${this.o.path}-wal`), this.openedWal))
      return "log deleted";
    return undefined;
  }

  private fileId(path: string): FileId | undefined {
    return fileId(path, this.o.stat ?? statSync);
  }

  /**
   * Writes the open database to the path (deleted) or beside it (replaced) and logs where; nothing
   * while the path names the open file. Call it last before the database closes.
   */
  writeBack(): void {
    const change = this.changeAtClose();
    // A deleted log needs nothing here: closing the database copies the open log into the file.
    if (change === undefined || change === "log deleted") return;
    this.releaseWal();
    // Checked now: a file that replaced it and was removed since leaves the path to write back to.
    const target = this.targetFor(change);
    let made: string | undefined;
    try {
      made = mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
      closeSync(openSync(target, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600));
      this.o.db.run("VACUUM INTO ?", [target]);
      sync(target);
    } catch (error) {
      this.o.log.error(
        `Could not write the open ${this.o.name} to ${target} (${errorText(error)}): what it held since ${this.o.path} was ${change} is lost when the gateway exits`,
      );
      return;
    }
    this.syncDirs(target, made);
    this.o.log.info(
      change === "deleted"
        ? `Wrote the open ${this.o.name} back to ${target}, which had been deleted`
        : `Wrote the open ${this.o.name} to ${target}; ${this.o.path} is the file that replaced it, which the next start uses: move ${target} to ${this.o.path} (the gateway stopped) to keep what it holds instead`,
    );
  }

  /**
   * The path's change at the close. One that cannot be looked at is no change, but once a change was
   * reported (and a write-back promised) an ERROR says that what the open file holds is not written.
   */
  private changeAtClose(): DataFileChange | undefined {
    try {
      return this.changeNow();
    } catch (error) {
      const reported = this.reported;
      if (reported === "deleted" || reported === "replaced") {
        const { name, path, holds } = this.o;
        this.o.log.error(
          `Cannot check ${path} to write the open ${name} to ${this.targetFor(reported)} (${errorText(error)}): what it holds (${holds}) since ${path} was ${reported} is not written and is lost when the gateway exits`,
        );
      } else this.warnUnreadable(error);
      return undefined;
    }
  }

  /**
   * Syncs the copy's directory entry, and that of each directory made again in its parent. A
   * directory whose fsync fails (EINVAL on some FUSE or CIFS mounts) is warned of and left, as
   * SQLite leaves its own: the copy's contents are synced.
   */
  private syncDirs(target: string, made: string | undefined): void {
    for (let dir = dirname(target); ; dir = dirname(dir)) {
      try {
        (this.o.syncDir ?? sync)(dir);
      } catch (error) {
        this.o.log.warn(
          `Could not sync the directory ${dir} (${errorText(error)}): ${target} is written and synced, but a crash of the host may still lose its name there`,
        );
        return;
      }
      if (made === undefined || dir === dirname(made)) return;
    }
  }

  /** Unlinks `<path>-wal` when it is still the open database's own log. */
  private releaseWal(): void {
    const path = `${this.o.path}-wal`;
    try {
      const wal = this.fileId(path);
      if (wal === undefined || this.openedWal === undefined) return;
      if (sameFile(wal, this.openedWal)) (this.o.unlink ?? unlinkSync)(path);
    } catch (error) {
      this.o.log.error(
        `Could not delete ${path}, the open ${this.o.name}'s write-ahead log (${errorText(error)}): if it is still there once the gateway stopped, delete it before the next start, or SQLite replays it into the file at ${this.o.path}`,
      );
    }
  }

  private targetFor(change: "deleted" | "replaced"): string {
    if (change === "deleted") return this.o.path;
    this.aside ??= `${this.o.path}.replaced-${(this.o.now ?? Date.now)()}`;
    return this.aside;
  }

  /** What `look` returns, or undefined when it throws (the path cannot be looked at): a WARN says so. */
  private unlessUnreadable<T>(look: () => T): T | undefined {
    try {
      return look();
    } catch (error) {
      this.warnUnreadable(error);
      return undefined;
    }
  }

  /** One WARN per error code (EACCES, then EIO or ESTALE, each said once). */
  private warnUnreadable(error: unknown): void {
    const code = (error as NodeJS.ErrnoException).code ?? errorText(error);
    if (this.warned.has(code)) return;
    this.warned.add(code);
    this.o.log.warn(
      `Cannot check that ${this.o.path} is still the open ${this.o.name} (${errorText(error)}): checks that fail so are skipped; the gateway goes on using the open file`,
    );
  }

  /** Unlinks the open log (a crash must not leave it to be replayed into another file) and says what happens. */
  private lost(change: "deleted" | "replaced"): string {
    this.releaseWal();
    const { name, path, holds } = this.o;
    return change === "deleted"
      ? `The ${name} ${path} was deleted while the gateway runs: what it holds (${holds}) is now only in the open file. Stopping the gateway, which writes it back to ${path} as it stops`
      : `The ${name} ${path} was replaced by another file while the gateway runs. Stopping the gateway, which writes what the open file holds (${holds}) to ${this.targetFor(change)} as it stops and leaves ${path} as it is`;
  }

  /**
   * Copies the open log into the file now (a checkpoint), so that a crash before the stop ends loses
   * none of it, and says what happens: the log the database writes to is now only in its descriptor.
   */
  private logDeleted(): string {
    const { name, path, holds } = this.o;
    let copied = `what it held (${holds} written since the last checkpoint) was copied into ${path}`;
    try {
      this.o.db.run("PRAGMA wal_checkpoint(TRUNCATE)");
    } catch (error) {
      copied = `what it holds (${holds} written since the last checkpoint) could not be copied into ${path} yet (${error instanceof Error ? error.message : String(error)})`;
    }
    return `The write-ahead log ${path}-wal of the ${name} was deleted while the gateway runs: ${copied}. Stopping the gateway, whose close copies the rest into ${path}`;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.o.setTimer(() => {
      const change = this.check();
      if (change === undefined) {
        this.openedWal ??= this.unlessUnreadable(() => this.fileId(`${this.o.path}-wal`));
        this.schedule();
        return;
      }
      this.stopped = true;
      this.reported = change;
      this.o.onLost(change === "log deleted" ? this.logDeleted() : this.lost(change));
    }, DATA_FILE_CHECK_INTERVAL_MS);
  }
}
