/**
 * Per-record accounting for the gateway kill tests (test/file-stream-kill.test.ts): what a killed
 * gateway left committed (source offsets in gateway.db, read from a copy so the next start still
 * recovers the file's own write-ahead log; sink offsets in the consumer group) and how a sequence
 * of record numbers splits into runs (a run is what one gateway sent: consecutive numbers; a new
 * run starts where a restart replays from).
 */
import { Database } from "bun:sqlite";
import { copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import type { Admin } from "kafkajs";

/**
 * The stored source offset (`{"position": n}`) of `connector`'s one partition, from the
 * gateway.db under `dataDir` of a gateway that is not running; 0 when none was committed.
 */
export function storedPosition(dataDir: string, copyDir: string, connector: string): number {
  const db = killedCopy(dataDir, "gateway.db", copyDir);
  try {
    const rows = db.query("SELECT offset FROM source_offsets WHERE connector = ?").all(connector) as {
      offset: string;
    }[];
    if (rows.length > 1) throw new Error(`${rows.length} source partitions stored for ${connector}`);
    return rows.length === 0 ? 0 : Number((JSON.parse(rows[0]!.offset) as { position: number }).position);
  } finally {
    db.close();
  }
}

let copies = 0;

/**
 * The SQLite file `name` in `dataDir` as a kill -9 now would leave it: a copy (in `copyDir`) of it
 * and its write-ahead log, opened, so its own open recovers the log (the file itself may be in use).
 */
export function killedCopy(dataDir: string, name: string, copyDir: string): Database {
  const copy = join(copyDir, `${name}-copy-${Date.now()}-${copies++}`);
  for (const suffix of ["", "-wal", "-shm"]) {
    const from = join(dataDir, `${name}${suffix}`);
    if (existsSync(from)) copyFileSync(from, `${copy}${suffix}`);
  }
  return new Database(copy);
}

/** The committed offset of each partition of `topic` in `groupId` (-1 when none). */
export async function committedOffsets(admin: Admin, groupId: string, topic: string): Promise<Map<number, number>> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map((entry?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
}

/** The high watermarks of `topic`, summed over its partitions. */
export async function highWatermark(admin: Admin, topic: string): Promise<number> {
  let total = 0;
  for (const p of await admin.fetchTopicOffsets(topic)) total += Number(p.high);
  return total;
}

/**
 * The runs of `seq` (record numbers in the order they were written): a run continues while each
 * number is the one after the last; returns each run's first and last number.
 */
export function runsOf(seq: readonly number[]): { first: number; last: number }[] {
  const runs: { first: number; last: number }[] = [];
  for (const n of seq) {
    const run = runs.at(-1);
    if (run !== undefined && n === run.last + 1) run.last = n;
    else runs.push({ first: n, last: n });
  }
  return runs;
}
