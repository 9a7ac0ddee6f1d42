import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tempDir } from "../../test/support/temp-dir.ts";
import { DataFileWatch, type DataFileWatchOptions, setAsideFiles } from "./data-file-watch.ts";
import { DATABASE_FILE, openDatabase } from "./database.ts";

/** A watch on a real gateway.db whose timer the test fires by hand. */
function watched(dataDir: string, seams: Pick<DataFileWatchOptions, "unlink" | "stat" | "syncDir"> = {}) {
  const db = openDatabase(dataDir);
  db.run("CREATE TABLE kept (x)");
  db.run("INSERT INTO kept VALUES (1)");
  const lost: string[] = [];
  const lines: string[] = [];
  let fire: (() => void) | undefined;
  const watch = new DataFileWatch({
    db,
    path: `${dataDir}/${DATABASE_FILE}`,
    name: "data file",
    holds: "connector configs, offsets, statuses",
    onLost: (message) => lost.push(message),
    log: {
      info: (m) => lines.push(`INFO ${m}`),
      warn: (m) => lines.push(`WARN ${m}`),
      error: (m) => lines.push(`ERROR ${m}`),
    },
    setTimer: (run) => {
      fire = run;
      return { cancel: () => (fire = undefined) };
    },
    now: () => 1234,
    ...seams,
  });
  watch.start();
  // One-shot, as a real timer: a check that does not schedule the next leaves nothing to fire.
  const tick = () => {
    const run = fire;
    fire = undefined;
    run?.();
  };
  return { db, watch, lost, lines, tick };
}

const rows = (db: Database) => db.query("SELECT x FROM kept ORDER BY x").all();

describe("DataFileWatch", () => {
  test("while the path names the open file: no change, nothing written back, the checks go on", async () => {
    await using dir = await tempDir();
    const w = watched(dir.path);
    w.tick();
    w.tick();
    expect(w.lost).toEqual([]);
    w.watch.writeBack();
    expect(w.lines).toEqual([]);
    w.db.close();
  });

  test("deleted with its directory: reported once, the log unlinked at once, the state written back 0600 with what came after", async () => {
    await using dir = await tempDir();
    const dataDir = dir.file("data");
    const w = watched(dataDir);
    rmSync(dataDir, { recursive: true });
    w.db.run("INSERT INTO kept VALUES (2)");
    w.tick();
    w.tick();
    expect(w.lost).toEqual([
      `The data file ${dataDir}/gateway.db was deleted while the gateway runs: what it holds (connector configs, offsets, statuses) is now only in the open file. Stopping the gateway, which writes it back to ${dataDir}/gateway.db as it stops`,
    ]);
    w.db.run("INSERT INTO kept VALUES (3)"); // the stop's commits
    w.watch.stop();
    w.watch.writeBack();
    w.db.close();
    expect(w.lines).toEqual([`INFO Wrote the open data file back to ${dataDir}/gateway.db, which had been deleted`]);
    expect(statSync(`${dataDir}/gateway.db`).mode & 0o777).toBe(0o600);
    const back = new Database(`${dataDir}/gateway.db`, { readonly: true });
    expect(rows(back)).toEqual([{ x: 1 }, { x: 2 }, { x: 3 }]);
    back.close();
  });

  test("deleted without its log: the open database's log beside the path is unlinked before the copy", async () => {
    await using dir = await tempDir();
    const w = watched(dir.path);
    rmSync(`${dir.path}/gateway.db`);
    expect(existsSync(`${dir.path}/gateway.db-wal`)).toBe(true);
    w.tick();
    expect(existsSync(`${dir.path}/gateway.db-wal`)).toBe(false);
    w.watch.writeBack();
    w.db.close();
    const back = new Database(`${dir.path}/gateway.db`, { readonly: true });
    expect(rows(back)).toEqual([{ x: 1 }]);
    back.close();
  });

  test("replaced: the new file is left as it is and the state goes beside it", async () => {
    await using dir = await tempDir();
    const w = watched(dir.path);
    const path = `${dir.path}/gateway.db`;
    copyFileSync(path, dir.file("other.db"));
    renameSync(dir.file("other.db"), path);
    const other = readFileSync(path);
    w.tick();
    expect(w.lost).toEqual([
      `The data file ${path} was replaced by another file while the gateway runs. Stopping the gateway, which writes what the open file holds (connector configs, offsets, statuses) to ${path}.replaced-1234 as it stops and leaves ${path} as it is`,
    ]);
    w.watch.writeBack();
    w.db.close();
    expect(readFileSync(path).equals(other)).toBe(true);
    expect(existsSync(`${path}-wal`)).toBe(false);
    const aside = new Database(`${path}.replaced-1234`, { readonly: true });
    expect(rows(aside)).toEqual([{ x: 1 }]);
    aside.close();
  });

  // opshunt: any error of the check counted as "deleted": a chmod of data.dir (EACCES) stopped a healthy
  // gateway, said the file was deleted and that what it held was lost. ELOOP stands in for EACCES (tests run as root).
  test("a path that cannot be looked at is no change: one WARN naming the error, no stop, nothing written back", async () => {
    await using dir = await tempDir();
    const dataDir = dir.file("data");
    const w = watched(dataDir);
    renameSync(dataDir, dir.file("moved"));
    symlinkSync(dataDir, dataDir);
    w.tick();
    w.tick();
    w.watch.writeBack();
    expect(w.lost).toEqual([]);
    expect(w.lines).toEqual([
      `WARN Cannot check that ${dataDir}/gateway.db is still the open data file (ELOOP: too many symbolic links encountered, stat '${dataDir}/gateway.db'): checks that fail so are skipped; the gateway goes on using the open file`,
    ]);
    rmSync(dataDir);
    renameSync(dir.file("moved"), dataDir);
    w.tick();
    rmSync(`${dataDir}/gateway.db`);
    w.tick();
    expect(w.lost).toEqual([
      `The data file ${dataDir}/gateway.db was deleted while the gateway runs: what it holds (connector configs, offsets, statuses) is now only in the open file. Stopping the gateway, which writes it back to ${dataDir}/gateway.db as it stops`,
    ]);
    w.db.close();
  });

  // opshunt: the unlink of the open log threw out of the timer (an internal-error exit, no write-back).
  test("an open log that cannot be deleted (EPERM: an append-only directory) is logged, and the stop and the write-back go on", async () => {
    await using dir = await tempDir();
    const dataDir = dir.file("data");
    const unlinked: string[] = [];
    const w = watched(dataDir, {
      unlink: (path) => {
        unlinked.push(path);
        throw Object.assign(new Error(`EPERM: operation not permitted, unlink '${path}'`), { code: "EPERM" });
      },
    });
    const path = `${dataDir}/gateway.db`;
    copyFileSync(path, dir.file("other.db"));
    renameSync(dir.file("other.db"), path);
    w.tick();
    w.watch.writeBack();
    w.db.close();
    expect(unlinked).toEqual([`${path}-wal`, `${path}-wal`]);
    expect(w.lost).toEqual([
      `The data file ${path} was replaced by another file while the gateway runs. Stopping the gateway, which writes what the open file holds (connector configs, offsets, statuses) to ${path}.replaced-1234 as it stops and leaves ${path} as it is`,
    ]);
    const unlink = `ERROR Could not delete ${path}-wal, the open data file's write-ahead log (EPERM: operation not permitted, unlink '${path}-wal'): if it is still there once the gateway stopped, delete it before the next start, or SQLite replays it into the file at ${path}`;
    expect(w.lines).toEqual([
      unlink,
      unlink,
      `INFO Wrote the open data file to ${path}.replaced-1234; ${path} is the file that replaced it, which the next start uses: move ${path}.replaced-1234 to ${path} (the gateway stopped) to keep what it holds instead`,
    ]);
    const aside = new Database(`${path}.replaced-1234`, { readonly: true });
    expect(rows(aside)).toEqual([{ x: 1 }]);
    aside.close();
  });

  // opshunt: the state went to gateway.db.replaced-<ms>, and the log said it was written back to a path deleted.
  test("replaced, then the file that replaced it removed before the stop: the state is written back to the path", async () => {
    await using dir = await tempDir();
    const w = watched(dir.path);
    const path = `${dir.path}/gateway.db`;
    copyFileSync(path, dir.file("other.db"));
    renameSync(dir.file("other.db"), path);
    w.tick();
    rmSync(path);
    w.watch.writeBack();
    w.db.close();
    expect(w.lines).toEqual([`INFO Wrote the open data file back to ${path}, which had been deleted`]);
    expect(existsSync(`${path}.replaced-1234`)).toBe(false);
    const back = new Database(path, { readonly: true });
    expect(rows(back)).toEqual([{ x: 1 }]);
    back.close();
  });

  test("setAsideFiles names the copies set aside in a directory, none for a directory that is not there", async () => {
    await using dir = await tempDir();
    for (const name of ["spool.db.replaced-5", "gateway.db", "gateway.db.replaced-1234", "gateway.db.replaced-x"]) {
      writeFileSync(dir.file(name), "");
    }
    mkdirSync(dir.file("sub"));
    expect(setAsideFiles(dir.path)).toEqual(["gateway.db.replaced-1234", "spool.db.replaced-5"]);
    expect(setAsideFiles(dir.file("none"))).toEqual([]);
  });

  // opshunt: a failed fsync of the copy's directory (EINVAL on some FUSE or CIFS mounts) said the
  // complete, synced copy was lost.
  test("a directory that cannot be synced is a WARN: the copy is written and reported as such", async () => {
    await using dir = await tempDir();
    const dataDir = dir.file("data");
    const synced: string[] = [];
    const w = watched(dataDir, {
      syncDir: (path) => {
        synced.push(path);
        throw Object.assign(new Error(`EINVAL: invalid argument, fsync`), { code: "EINVAL" });
      },
    });
    rmSync(dataDir, { recursive: true });
    w.tick();
    w.watch.writeBack();
    w.db.close();
    expect(synced).toEqual([dataDir]);
    expect(w.lines).toEqual([
      `WARN Could not sync the directory ${dataDir} (EINVAL: invalid argument, fsync): ${dataDir}/gateway.db is written and synced, but a crash of the host may still lose its name there`,
      `INFO Wrote the open data file back to ${dataDir}/gateway.db, which had been deleted`,
    ]);
    const back = new Database(`${dataDir}/gateway.db`, { readonly: true });
    expect(rows(back)).toEqual([{ x: 1 }]);
    back.close();
  });

  // opshunt: a path that could not be looked at by the close wrote nothing back, without a word,
  // after the ERROR had said the stop writes it back.
  test("a change reported, then the path not looked at by the close: an ERROR says what is not written where", async () => {
    await using dir = await tempDir();
    const dataDir = dir.file("data");
    const w = watched(dataDir);
    const path = `${dataDir}/gateway.db`;
    copyFileSync(path, dir.file("other.db"));
    renameSync(dir.file("other.db"), path);
    w.tick();
    expect(w.lost).toHaveLength(1);
    renameSync(dataDir, dir.file("moved"));
    symlinkSync(dataDir, dataDir);
    w.watch.writeBack();
    w.db.close();
    expect(w.lines).toEqual([
      `ERROR Cannot check ${path} to write the open data file to ${path}.replaced-1234 (ELOOP: too many symbolic links encountered, stat '${path}'): what it holds (connector configs, offsets, statuses) since ${path} was replaced is not written and is lost when the gateway exits`,
    ]);
    expect(existsSync(`${dir.file("moved")}/gateway.db.replaced-1234`)).toBe(false);
  });

  test("checks that fail with another error code each get their WARN, a code seen before none", async () => {
    await using dir = await tempDir();
    const codes = ["EIO", "EIO", "ESTALE", "EIO"];
    let failing = false;
    const w = watched(dir.path, {
      stat: (path) => {
        const code = failing ? codes.shift() : undefined;
        if (code === undefined) return statSync(path);
        throw Object.assign(new Error(`${code}: stat '${path}'`), { code });
      },
    });
    failing = true;
    for (let i = 0; i < 5; i++) w.tick();
    expect(codes).toEqual([]);
    expect(w.lost).toEqual([]);
    const path = `${dir.path}/gateway.db`;
    expect(w.lines).toEqual([
      `WARN Cannot check that ${path} is still the open data file (EIO: stat '${path}'): checks that fail so are skipped; the gateway goes on using the open file`,
      `WARN Cannot check that ${path} is still the open data file (ESTALE: stat '${path}'): checks that fail so are skipped; the gateway goes on using the open file`,
    ]);
    w.db.close();
  });

  test("a write-back that fails says so and what is lost, without throwing", async () => {
    await using dir = await tempDir();
    const dataDir = dir.file("data");
    const w = watched(dataDir);
    rmSync(dataDir, { recursive: true });
    // A regular file where the directory was: it cannot be made again.
    writeFileSync(dataDir, "x");
    w.watch.writeBack();
    w.db.close();
    expect(w.lines).toEqual([
      expect.stringMatching(
        new RegExp(
          `^ERROR Could not write the open data file to ${dataDir}/gateway\\.db \\(.+\\): what it held since ${dataDir}/gateway\\.db was deleted is lost when the gateway exits$`,
        ),
      ),
    ]);
  });

  test("the log deleted alone: copied into the file at once, reported once; nothing written back at the close", async () => {
    await using dir = await tempDir();
    const w = watched(dir.path);
    const path = `${dir.path}/gateway.db`;
    rmSync(`${path}-wal`);
    w.db.run("INSERT INTO kept VALUES (2)");
    w.tick();
    expect(w.lost).toEqual([
      `The write-ahead log ${path}-wal of the data file was deleted while the gateway runs: what it held (connector configs, offsets, statuses written since the last checkpoint) was copied into ${path}. Stopping the gateway, whose close copies the rest into ${path}`,
    ]);
    // What a crash now would leave (the file alone, copied: the open database holds it locked) has every row so far.
    copyFileSync(path, dir.file("crash.db"));
    const now = new Database(dir.file("crash.db"), { readonly: true });
    expect(rows(now)).toEqual([{ x: 1 }, { x: 2 }]);
    now.close();
    w.db.run("INSERT INTO kept VALUES (3)");
    w.watch.writeBack();
    w.db.close();
    expect(w.lines).toEqual([]);
    const closed = new Database(path, { readonly: true });
    expect(rows(closed)).toEqual([{ x: 1 }, { x: 2 }, { x: 3 }]);
    closed.close();
  });
});
