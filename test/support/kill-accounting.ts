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
import { waitFor } from "./wait-for.ts";

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

/**
 * Whether kafkajs's `error` (or what it wraps) says asking again may succeed: a connection refused, or a group
 * coordinator that is moving or loading its offsets, as just after a broker restart (NOT_COORDINATOR,
 * COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE; kafkajs's fetchOffsets does not retry those itself).
 */
function retriable(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) {
    if ((e as { retriable?: unknown }).retriable === true || e.name === "KafkaJSGroupCoordinatorNotFound") return true;
  }
  return false;
}

/**
 * The committed offset of each partition of `topic` in `groupId` (-1 when none), asked again for up to 30 s while the
 * broker answers with a retriable error; any other error is thrown at once.
 */
export async function committedOffsets(
  admin: Pick<Admin, "fetchOffsets">,
  groupId: string,
  topic: string,
): Promise<Map<number, number>> {
  const read = await waitFor(
    async () => {
      try {
        const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
        return { offsets: new Map((entry?.partitions ?? []).map((p) => [p.partition, Number(p.offset)])) };
      } catch (error) {
        if (retriable(error)) throw error; // waitFor asks again
        return { error };
      }
    },
    { timeoutMs: 30_000, what: `the offsets group ${groupId} committed for ${topic}` },
  );
  if ("error" in read) throw read.error;
  return read.offsets;
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
