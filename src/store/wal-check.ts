/**
 * walDamage: reads an SQLite write-ahead log (`<file>-wal`) before SQLite opens its database, and
 * says whether SQLite's recovery would drop transactions that had committed. openSpoolDatabase
 * (spool-file.ts) calls it, since the spool's acknowledged records may sit in its WAL only.
 *
 * Why: on open SQLite replays the WAL frame by frame and stops, silently, at the first frame whose
 * salt or cumulative checksum does not match (https://www.sqlite.org/fileformat2.html#walformat):
 * one damaged frame (a bad sector, a stray write) in the middle of the log drops every commit after
 * it, and with them records devices were told were accepted. A torn last transaction after a power
 * loss is dropped the same way, and rightly (it never committed, nothing of it was acknowledged).
 *
 * How the two are told apart: each frame stores the cumulative checksum up to itself, so a frame
 * can be checked on its own from the one before it (its salt must be the log's, and its checksum
 * must follow from the previous frame's stored one). A commit frame beyond what SQLite recovers that
 * checks out, with another frame after it that checks out too, means that commit had ended (its
 * fsync done: synchronous=FULL writes nothing of the next transaction before it) and was then
 * damaged: `lost`. One that checks out as the log's last frame may be the torn transaction of a
 * power loss, or a damaged last commit: `unsure`. Frames of an older log generation (other salts)
 * are what a reset WAL leaves behind and never count.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync } from "node:fs";

const HEADER = 32;
const FRAME_HEADER = 24;
const MAGIC_LE = 0x377f0682;
const MAGIC_BE = 0x377f0683;
const VERSION = 3007000;

export interface WalDamage {
  /** 1-based number of the first frame SQLite's recovery does not take (its log ends before it). */
  readonly firstDropped: number;
  /** Commits beyond that frame that had certainly ended (followed by later frames of the same log). */
  readonly lost: number;
  /** A commit as the log's last frame, beyond what SQLite takes: a torn write or a damaged last commit. */
  readonly unsure: boolean;
}

/** SQLite's WAL checksum of `data` from `start` to `end` (pairs of 32-bit words), going on from `s`. */
function checksum(data: DataView, start: number, end: number, le: boolean, s: [number, number]): [number, number] {
  let [s0, s1] = s;
  for (let i = start; i < end; i += 8) {
    s0 = (s0 + data.getUint32(i, le) + s1) >>> 0;
    s1 = (s1 + data.getUint32(i + 4, le) + s0) >>> 0;
  }
  return [s0, s1];
}

/** The database's page size from its header (bytes 16-17; 1 means 65536), if the file has one. */
function databasePageSize(dbPath: string): number | undefined {
  if (!existsSync(dbPath)) return undefined;
  const head = Buffer.alloc(100);
  const fd = openSync(dbPath, "r");
  try {
    if (readSync(fd, head, 0, 100, 0) < 100) return undefined;
  } finally {
    closeSync(fd);
  }
  const size = head.readUInt16BE(16);
  return size === 1 ? 65_536 : size;
}

const validPageSize = (n: number | undefined): n is number =>
  n !== undefined && n >= 512 && n <= 65_536 && (n & (n - 1)) === 0;

/**
 * The damage in the WAL of the database at `dbPath`, or undefined when SQLite's recovery would take
 * every committed transaction in it (no WAL, an empty one, or one that ends cleanly).
 */
export function walDamage(dbPath: string): WalDamage | undefined {
  const walPath = `${dbPath}-wal`;
  if (!existsSync(walPath)) return undefined;
  const bytes = readFileSync(walPath);
  if (bytes.length < HEADER) return undefined;
  const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const magic = data.getUint32(0);
  const le = magic !== MAGIC_BE;
  const walPageSize = data.getUint32(8);
  const dbPageSize = databasePageSize(dbPath);
  const pageSize = validPageSize(dbPageSize) ? dbPageSize : walPageSize;
  if (!validPageSize(pageSize)) return undefined;
  const stored = (at: number): [number, number] => [data.getUint32(at), data.getUint32(at + 4)];
  const same = (a: [number, number], b: [number, number]) => a[0] === b[0] && a[1] === b[1];
  const headerOk =
    (magic === MAGIC_LE || magic === MAGIC_BE) &&
    data.getUint32(4) === VERSION &&
    walPageSize === pageSize &&
    same(checksum(data, 0, 24, le, [0, 0]), stored(24));
  const frameSize = FRAME_HEADER + pageSize;
  const frames = Math.floor((bytes.length - HEADER) / frameSize);
  if (frames === 0) return undefined;
  // The log's salts: the header's, or (header damaged) its first frame's.
  const saltAt = headerOk ? 16 : HEADER + 8;
  const salt: [number, number] = stored(saltAt);
  let seed = stored(24);
  let recovering = headerOk; // SQLite still takes frames
  let recovered = 0; // frames SQLite takes: through its last commit in the unbroken chain
  let firstBroken = headerOk ? -1 : 0;
  const commitsAfter: number[] = []; // intact commit frames beyond the break
  let lastIntact = -1;
  for (let i = 0; i < frames; i++) {
    const at = HEADER + i * frameSize;
    const intact =
      same(stored(at + 8), salt) &&
      data.getUint32(at) !== 0 &&
      same(
        checksum(data, at + FRAME_HEADER, at + frameSize, le, checksum(data, at, at + 8, le, seed)),
        stored(at + 16),
      );
    seed = stored(at + 16);
    const commit = data.getUint32(at + 4) !== 0;
    if (recovering && intact) {
      if (commit) recovered = i + 1;
      continue;
    }
    if (recovering) {
      recovering = false;
      firstBroken = i;
    }
    if (!intact) continue;
    lastIntact = i;
    if (commit) commitsAfter.push(i);
  }
  if (firstBroken < 0 || commitsAfter.length === 0) return undefined;
  const lost = commitsAfter.filter((i) => i < lastIntact).length;
  const unsure = commitsAfter.at(-1) === lastIntact;
  return { firstDropped: recovered + 1, lost, unsure };
}
