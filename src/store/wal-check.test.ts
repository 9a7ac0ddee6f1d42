import type { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type TempDir, tempDir } from "../../test/support/temp-dir.ts";
import { StoreError } from "./database.ts";
import { openSpoolDatabase, PAGE_SIZE, SPOOL_FILE } from "./spool-file.ts";
import { WAL_READ_BYTES, walDamage } from "./wal-check.ts";

const FRAME = 24 + PAGE_SIZE;
const frameAt = (i: number) => 32 + i * FRAME;

/**
 * The spool files of `dir`/live as a kill -9 leaves them, copied to `dir`/crashed while the file is
 * open (its records in the WAL only): `rows` rows of 3000 bytes, one commit each; `prepare` runs
 * on the open database first, `after` after the rows.
 */
function crashedSpool(
  dir: TempDir,
  rows: number,
  prepare?: (db: Database) => void,
  after?: (db: Database) => void,
): string {
  const live = dir.file("live");
  const crashed = dir.file("crashed");
  mkdirSync(crashed);
  const db = openSpoolDatabase(live);
  prepare?.(db);
  const insert = db.query("INSERT INTO spool (partition, record, bytes, spooled_at) VALUES ('c1', ?, 3000, 1)");
  for (let i = 0; i < rows; i++) insert.run(new Uint8Array(3000).fill(i));
  after?.(db);
  for (const f of [SPOOL_FILE, `${SPOOL_FILE}-wal`]) copyFileSync(join(live, f), join(crashed, f));
  db.close();
  return crashed;
}

/** What the spool's open finds: only commits that write sqlite_sequence (appends) count. */
const damageOf = (dataDir: string) => walDamage(join(dataDir, SPOOL_FILE), "sqlite_sequence");
const walOf = (dataDir: string) => join(dataDir, `${SPOOL_FILE}-wal`);
const framesOf = (dataDir: string) => Math.floor((readFileSync(walOf(dataDir)).length - 32) / FRAME);
const isCommit = (wal: Buffer, i: number) => wal.readUInt32BE(frameAt(i) + 4) !== 0;

function damage(dataDir: string, at: number, length = 64): void {
  const wal = readFileSync(walOf(dataDir));
  wal.fill(0x5a, at, at + length);
  writeFileSync(walOf(dataDir), wal);
}

function rowsAfterOpen(dataDir: string, log?: (message: string, level?: string) => void): number {
  const db = openSpoolDatabase(dataDir, log);
  try {
    return (db.query("SELECT count(*) AS n FROM spool").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe("the spool's write-ahead log at open (kill -9, then a damaged WAL)", () => {
  test("an intact WAL: no damage, every committed row is there", async () => {
    await using dir = await tempDir("wal-check-");
    const crashed = crashedSpool(dir, 40);
    expect(damageOf(crashed)).toBeUndefined();
    expect(rowsAfterOpen(crashed)).toBe(40);
  });

  test("a damaged frame in the middle: the open refuses (SQLite would drop the later commits silently) and leaves both files as they were", async () => {
    await using dir = await tempDir("wal-check-");
    const crashed = crashedSpool(dir, 40);
    const middle = Math.floor(framesOf(crashed) / 2);
    damage(crashed, frameAt(middle) + 24 + 100);
    const before = [readFileSync(join(crashed, SPOOL_FILE)), readFileSync(walOf(crashed))];
    const found = damageOf(crashed);
    expect(found?.lost).toBeGreaterThan(10);
    expect(found?.firstDropped).toBeLessThanOrEqual(middle + 1);
    expect(() => rowsAfterOpen(crashed)).toThrow(StoreError);
    expect(() => rowsAfterOpen(crashed)).toThrow(
      new RegExp(
        `^The spool file's write-ahead log ${walOf(crashed)} is damaged from frame ${found?.firstDropped} on: SQLite would drop ${found?.lost} committed transaction\\(s\\) after it, with records devices were told were accepted, so the spool is not opened\\. Stop the gateway, copy spool\\.db and spool\\.db-wal away`,
      ),
    );
    expect(() => rowsAfterOpen(crashed)).toThrow(
      "salvage what you can (sqlite3 spool.db .recover on a copy, with an sqlite3 whose SQLite has the sqlite_dbpage table, as SQLite's own build of the shell has; Debian 12's sqlite3 3.40.1 lacks it and answers every .recover with \"sql error: SQL logic error (1)\"), then move them away",
    );
    expect([readFileSync(join(crashed, SPOOL_FILE)), readFileSync(walOf(crashed))]).toEqual(before);
  });

  test("a WAL several times larger than what is read at once: a damaged frame in its last part is found, with every commit after it", async () => {
    await using dir = await tempDir("wal-check-");
    const crashed = crashedSpool(dir, 90);
    const frames = framesOf(crashed);
    expect(frames * FRAME).toBeGreaterThan(3 * WAL_READ_BYTES);
    const wal = readFileSync(walOf(crashed));
    const commits = Array.from({ length: frames }, (_, i) => i).filter((i) => isCommit(wal, i));
    // A frame (not a commit) past the first two reads, with commits after it.
    let at = frames - 8;
    while (isCommit(wal, at)) at--;
    expect(at * FRAME).toBeGreaterThan(2 * WAL_READ_BYTES);
    damage(crashed, frameAt(at) + 24 + 100);
    // SQLite keeps the commits before it; every later one is lost (each an append), the last one maybe torn.
    expect(damageOf(crashed)).toEqual({
      firstDropped: Math.max(...commits.filter((c) => c < at)) + 2,
      lost: commits.filter((c) => c > at && c < frames - 1).length,
      unsure: commits.includes(frames - 1),
    });
    expect(commits.filter((c) => c > at && c < frames - 1).length).toBeGreaterThan(0);
    expect(() => rowsAfterOpen(crashed)).toThrow(StoreError);
  });

  test("a damaged WAL header drops the whole log: refused too", async () => {
    await using dir = await tempDir("wal-check-");
    const crashed = crashedSpool(dir, 10);
    damage(crashed, 16, 8); // the salts
    // Every commit is dropped: the migrations' and the 10 rows', the last one possibly torn.
    const found = damageOf(crashed);
    expect(found).toMatchObject({ firstDropped: 1, unsure: true });
    expect(found?.lost).toBeGreaterThanOrEqual(9);
    expect(() => rowsAfterOpen(crashed)).toThrow(StoreError);
  });

  test("a damaged last commit (what a power loss mid-commit leaves): opened with a warning, the commits before it kept", async () => {
    await using dir = await tempDir("wal-check-");
    const crashed = crashedSpool(dir, 10);
    const frames = framesOf(crashed);
    const wal = readFileSync(walOf(crashed));
    expect(isCommit(wal, frames - 1)).toBe(true);
    expect(isCommit(wal, frames - 2)).toBe(false); // the last commit spans two frames or more
    damage(crashed, frameAt(frames - 2) + 24 + 100);
    expect(damageOf(crashed)).toMatchObject({ lost: 0, unsure: true });
    const lines: [string, string | undefined][] = [];
    expect(rowsAfterOpen(crashed, (message, level) => lines.push([message, level]))).toBe(9);
    expect(lines).toHaveLength(1);
    expect(lines[0]![1]).toBe("warning");
    expect(lines[0]![0]).toStartWith(`The last commit in the spool file's write-ahead log ${walOf(crashed)}`);
  });

  test("a WAL cut short (a torn last frame, or at a frame's end) is what SQLite recovers as it is: no damage reported", async () => {
    await using dir = await tempDir("wal-check-");
    const crashed = crashedSpool(dir, 10);
    const wal = readFileSync(walOf(crashed));
    writeFileSync(walOf(crashed), wal.subarray(0, frameAt(framesOf(crashed) - 1) + 500));
    expect(damageOf(crashed)).toBeUndefined();
    expect(rowsAfterOpen(crashed)).toBe(9);
  });

  test("frames an earlier log generation left after a reset (older salts) are not damage", async () => {
    await using dir = await tempDir("wal-check-");
    const crashed = crashedSpool(dir, 3, (db) => {
      for (let i = 0; i < 30; i++)
        db.run("INSERT INTO spool (partition, record, bytes, spooled_at) VALUES ('old', x'61', 1, 1)");
      db.run("PRAGMA wal_checkpoint(RESTART)");
    });
    expect(framesOf(crashed)).toBeGreaterThan(30); // the old generation's frames are still in the file
    expect(damageOf(crashed)).toBeUndefined();
    expect(rowsAfterOpen(crashed)).toBe(33);
  });

  test("deletes committed without an fsync, torn at the tail by a power loss, are not damage: dropping them only re-sends records", async () => {
    await using dir = await tempDir("wal-check-");
    let appendFrames = 0;
    const crashed = crashedSpool(dir, 10, undefined, (db) => {
      appendFrames = framesOf(dir.file("live"));
      db.run("PRAGMA synchronous = NORMAL");
      for (let seq = 1; seq <= 3; seq++) db.run("DELETE FROM spool WHERE seq = ?", [seq]);
    });
    expect(framesOf(crashed)).toBeGreaterThan(appendFrames + 2);
    damage(crashed, frameAt(appendFrames) + 24 + 100); // the first delete's first frame
    expect(damageOf(crashed)).toBeUndefined();
    expect(walDamage(join(crashed, SPOOL_FILE))).toMatchObject({ lost: 2, unsure: true }); // counting every commit
    expect(rowsAfterOpen(crashed)).toBe(10);
  });

  test("a damaged delete with an append after it: the append is lost, refused", async () => {
    await using dir = await tempDir("wal-check-");
    let appendFrames = 0;
    const crashed = crashedSpool(dir, 10, undefined, (db) => {
      appendFrames = framesOf(dir.file("live"));
      db.run("DELETE FROM spool WHERE seq = 1");
      db.run("INSERT INTO spool (partition, record, bytes, spooled_at) VALUES ('c1', x'61', 1, 1)");
      db.run("DELETE FROM spool WHERE seq = 2");
    });
    damage(crashed, frameAt(appendFrames) + 24 + 100);
    expect(damageOf(crashed)).toEqual({ firstDropped: appendFrames + 1, lost: 1, unsure: false });
    expect(() => rowsAfterOpen(crashed)).toThrow(StoreError);
  });

  test("spool.db moved away without its WAL: refused (SQLite would delete the WAL and its records); with the WAL moved too, a new empty spool", async () => {
    await using dir = await tempDir("wal-check-");
    const crashed = crashedSpool(dir, 5);
    rmSync(join(crashed, SPOOL_FILE));
    const wal = readFileSync(walOf(crashed));
    expect(() => rowsAfterOpen(crashed)).toThrow(
      `The spool file ${join(crashed, SPOOL_FILE)} is missing or empty but its write-ahead log ${walOf(crashed)} holds committed records: was spool.db moved away without it?`,
    );
    expect(readFileSync(walOf(crashed))).toEqual(wal);
    expect(() => rowsAfterOpen(crashed)).toThrow(StoreError); // an empty spool.db left by a start is no different
    rmSync(walOf(crashed));
    expect(rowsAfterOpen(crashed)).toBe(0);
  });

  test("no WAL, or an empty one: nothing to check", async () => {
    await using dir = await tempDir("wal-check-");
    expect(damageOf(dir.path)).toBeUndefined();
    writeFileSync(dir.file(`${SPOOL_FILE}-wal`), "");
    expect(damageOf(dir.path)).toBeUndefined();
  });
});
