/**
 * walDamage: reads an SQLite write-ahead log (`<file>-wal`) before SQLite opens its database, and
 * says whether SQLite's recovery would drop transactions that had committed. openSpoolDatabase
 * (spool-file.ts) calls it, since the spool's acknowledged records may sit in its WAL only.
 *
 * Why: on open SQLite replays the WAL frame by frame and stops, silently, at the first frame whose
 * salt or cumulative checksum does not match (https://www.sqlite.org/fileformat2.html#walformat):
 * one damaged frame (a bad sector, a stray write) in the middle of the log drops every commit after
 * it, and with them records devices were told were accepted. A torn tail after a power loss is
 * dropped the same way, and rightly: what was not synced was not acknowledged.
 *
 * How the two are told apart: each frame stores the cumulative checksum up to itself, so a frame
 * can be checked on its own from the one before it (its salt must be the log's, and its checksum
 * must follow from the previous frame's stored one). Frames of an older log generation (other
 * salts) are what a reset WAL leaves behind and never count. Beyond what SQLite takes, a counted
 * transaction whose commit frame checks out, with a frame that checks out after it, had ended
 * before anything later was written: it was synced (the spool's appends commit with
 * synchronous=FULL, and the worker writes nothing more before that returns) and then damaged:
 * `lost`. One whose commit is the log's last intact frame may be a power loss's torn write as well
 * as a damaged commit: `unsure`. The spool also commits deletes without an fsync (spool-database.ts),
 * so a power loss may tear any of several at the tail: only transactions that write
 * `sqlite_sequence`, which every append bumps (AUTOINCREMENT) and no delete writes, are counted
 * (its root page read from sqlite_master, page 1).
 */
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { rootPageOf } from "./sqlite-master-page.ts";

const HEADER = 32;
const FRAME_HEADER = 24;
const MAGIC_LE = 0x377f0682;
const MAGIC_BE = 0x377f0683;
const VERSION = 3007000;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/** How much of the log is read at once (whole frames; one frame when a frame is larger). */
export const WAL_READ_BYTES = 1 << 20;

export interface WalDamage {
  /** 1-based number of the first frame SQLite's recovery does not take (its log ends before it). */
  readonly firstDropped: number;
  /** Commits beyond that frame that had certainly ended (followed by later frames of the same log). */
  readonly lost: number;
  /** A commit as the log's last frame, beyond what SQLite takes: a torn write or a damaged last commit. */
  readonly unsure: boolean;
}

/** SQLite's WAL checksum of `data` from `start` to `end` (pairs of 32-bit words), going on from `s`. */
function checksum(data: DataView, start: number, end: number, le: boolean, s: Pair): Pair {
  let [s0, s1] = s;
  // Words in the host's order (little-endian) read as a typed array: several times faster.
  if (le && LITTLE_ENDIAN_HOST && (data.byteOffset + start) % 4 === 0) {
    const words = new Uint32Array(data.buffer, data.byteOffset + start, (end - start) >> 2);
    for (let i = 0; i < words.length; i += 2) {
      s0 = (s0 + words[i]! + s1) >>> 0;
      s1 = (s1 + words[i + 1]! + s0) >>> 0;
    }
    return [s0, s1];
  }
  for (let i = start; i < end; i += 8) {
    s0 = (s0 + data.getUint32(i, le) + s1) >>> 0;
    s1 = (s1 + data.getUint32(i + 4, le) + s0) >>> 0;
  }
  return [s0, s1];
}

/** `length` bytes of the file at `path` from `position`; undefined when it is shorter. */
function readAt(path: string, length: number, position: number): Buffer | undefined {
  const bytes = Buffer.alloc(length);
  const fd = openSync(path, "r");
  try {
    return readFully(fd, bytes, length, position) ? bytes : undefined;
  } finally {
    closeSync(fd);
  }
}

/** Reads `length` bytes at `position` into the start of `into`; false when the file ends before. */
function readFully(fd: number, into: Buffer, length: number, position: number): boolean {
  for (let done = 0; done < length; ) {
    const n = readSync(fd, into, done, length - done, position + done);
    if (n === 0) return false;
    done += n;
  }
  return true;
}

/** The database's page size from its header (bytes 16-17; 1 means 65536), if the file has one. */
function databasePageSize(dbPath: string): number | undefined {
  const head = existsSync(dbPath) ? readAt(dbPath, 100, 0) : undefined;
  if (!head) return undefined;
  const size = head.readUInt16BE(16);
  return size === 1 ? 65_536 : size;
}

const validPageSize = (n: number | undefined): n is number =>
  n !== undefined && n >= 512 && n <= 65_536 && (n & (n - 1)) === 0;

interface Frame {
  readonly page: number;
  readonly commit: boolean;
  readonly intact: boolean;
}

interface Wal {
  readonly path: string;
  readonly frames: readonly Frame[];
  readonly frameSize: number;
  readonly pageSize: number;
  readonly headerOk: boolean;
}

type Pair = [number, number];
const pairAt = (data: DataView, at: number): Pair => [data.getUint32(at), data.getUint32(at + 4)];
const same = (a: Pair, b: Pair) => a[0] === b[0] && a[1] === b[1];

/**
 * The frames of the WAL of `dbPath`, each checked on its own; undefined without one that has frames.
 * The log is read a few frames at a time (at most WAL_READ_BYTES, or one frame), never whole.
 */
function readWal(dbPath: string): Wal | undefined {
  const path = `${dbPath}-wal`;
  if (!existsSync(path)) return undefined;
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const header = Buffer.alloc(HEADER);
    if (size < HEADER || !readFully(fd, header, HEADER, 0)) return undefined;
    const head = new DataView(header.buffer, header.byteOffset, HEADER);
    const magic = head.getUint32(0);
    const le = magic !== MAGIC_BE;
    const walPageSize = head.getUint32(8);
    const dbPageSize = databasePageSize(dbPath);
    const pageSize = validPageSize(dbPageSize) ? dbPageSize : walPageSize;
    if (!validPageSize(pageSize)) return undefined;
    const headerOk =
      (magic === MAGIC_LE || magic === MAGIC_BE) &&
      head.getUint32(4) === VERSION &&
      walPageSize === pageSize &&
      same(checksum(head, 0, 24, le, [0, 0]), pairAt(head, 24));
    const frameSize = FRAME_HEADER + pageSize;
    const count = Math.floor((size - HEADER) / frameSize);
    if (count === 0) return undefined;
    const perRead = Math.max(1, Math.floor(WAL_READ_BYTES / frameSize));
    const chunk = Buffer.alloc(perRead * frameSize);
    const data = new DataView(chunk.buffer, chunk.byteOffset, chunk.length);
    let salt: Pair | undefined = headerOk ? pairAt(head, 16) : undefined;
    const frames: Frame[] = [];
    let seed = pairAt(head, 24);
    for (let first = 0; first < count; first += perRead) {
      const n = Math.min(perRead, count - first);
      if (!readFully(fd, chunk, n * frameSize, HEADER + first * frameSize)) break; // cut short meanwhile
      // The log's salts: the header's, or (header damaged) its first frame's.
      salt ??= pairAt(data, 8);
      for (let at = 0; at < n * frameSize; at += frameSize) {
        // Frames of an older generation (other salts) need no checksum: a reset WAL is mostly those.
        const intact =
          same(pairAt(data, at + 8), salt) &&
          data.getUint32(at) !== 0 &&
          same(
            checksum(data, at + FRAME_HEADER, at + frameSize, le, checksum(data, at, at + 8, le, seed)),
            pairAt(data, at + 16),
          );
        frames.push({ page: data.getUint32(at), commit: data.getUint32(at + 4) !== 0, intact });
        seed = pairAt(data, at + 16);
      }
    }
    return frames.length > 0 ? { path, frames, frameSize, pageSize, headerOk } : undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * True when the database file at `dbPath` is missing or empty while its WAL holds commits SQLite
 * would otherwise take: the file was moved away without its WAL. SQLite deletes a WAL beside a
 * database of zero pages (pager.c, pagerOpenWalIfPresent), so what it held would be lost.
 */
export function orphanWal(dbPath: string): boolean {
  if (existsSync(dbPath) && statSync(dbPath).size > 0) return false;
  const wal = readWal(dbPath);
  if (!wal?.headerOk) return false;
  for (const f of wal.frames) {
    if (!f.intact) return false;
    if (f.commit) return true;
  }
  return false;
}

/**
 * The damage in the WAL of the database at `dbPath`, or undefined when SQLite's recovery would take
 * every committed transaction in it (no WAL, an empty one, or one that ends cleanly). With
 * `writing`, only transactions that write the root page of that table count (the spool's appends
 * bump `sqlite_sequence`; its deletes, committed without an fsync of their own, do not, and a
 * power loss may leave any of them torn); without it, or when the schema cannot be read, every
 * transaction counts.
 */
export function walDamage(dbPath: string, writing?: string): WalDamage | undefined {
  const wal = readWal(dbPath);
  if (!wal) return undefined;
  const { frames, headerOk } = wal;
  const count = frames.length;
  // SQLite takes frames while they chain, through the last commit among them.
  const broken = headerOk ? frames.findIndex((f) => !f.intact) : 0;
  if (broken < 0) return undefined;
  let recovered = 0;
  for (let i = 0; i < broken; i++) if (frames[i]!.commit) recovered = i + 1;
  const counted = countedPage(wal, recovered, dbPath, writing);
  const lastIntact = frames.findLastIndex((f) => f.intact);
  // Transactions beyond what SQLite takes, each ending in an intact commit frame.
  let lost = 0;
  let unsure = false;
  let first = recovered;
  for (let i = recovered; i < count; i++) {
    const f = frames[i]!;
    if (!f.commit) continue;
    const pages = frames.slice(first, i + 1).map((x) => x.page);
    first = i + 1;
    if (!f.intact || i < broken || (counted !== undefined && !pages.includes(counted))) continue;
    if (i < lastIntact) lost++;
    else unsure = true;
  }
  return lost > 0 || unsure ? { firstDropped: recovered + 1, lost, unsure } : undefined;
}

/** The root page of `writing` in the schema SQLite recovers (page 1 from the WAL's prefix, or the file). */
function countedPage(wal: Wal, recovered: number, dbPath: string, writing: string | undefined): number | undefined {
  if (writing === undefined) return undefined;
  const { frames, frameSize, pageSize } = wal;
  let i = recovered - 1;
  while (i >= 0 && frames[i]!.page !== 1) i--;
  const page1 =
    i >= 0 ? readAt(wal.path, pageSize, HEADER + i * frameSize + FRAME_HEADER) : readAt(dbPath, pageSize, 0);
  return page1 && rootPageOf(page1, writing);
}
