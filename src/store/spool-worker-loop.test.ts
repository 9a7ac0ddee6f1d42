import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../test/support/temp-dir.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { clockTimer } from "../util/timer.ts";
import { type AppendRows, type DeleteRange, SpoolTable } from "./spool-database.ts";
import { openSpoolDatabase, PAGE_SIZE, SPOOL_FILE } from "./spool-file.ts";
import { deleteRanges, type FromWorker, pack, type ToWorker, unpack } from "./spool-protocol.ts";
import type { QuarantineEntry } from "./spool-quarantine.ts";
import { DELETE_HOLD_MAX_BYTES, DELETE_HOLD_MS, DELETE_RETRY_MS, SpoolWorkerLoop } from "./spool-worker-loop.ts";

/** A table whose next `failures` deletes without a commit fail as on a full disk. */
class FailingDelete extends SpoolTable {
  failures = 0;
  override deleteUnsynced(deletes: readonly DeleteRange[], quarantined?: readonly QuarantineEntry[]): void {
    if (this.failures > 0) {
      this.failures--;
      throw new Error("database or disk is full");
    }
    super.deleteUnsynced(deletes, quarantined);
  }
}

/** Lets timers that `clock` woke run their callbacks (one macrotask turn, no time passes). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

function append(id: number, partition: string, records: string[], now = 1000): ToWorker {
  const { data, lengths } = pack(records.map(bytes));
  return {
    op: "append",
    id,
    partitions: [partition],
    counts: [records.length],
    nows: [now],
    buffers: [data],
    offsets: [0],
    lengths,
    bytes: data.byteLength,
  };
}

/** A loop on a real spool file in `dir`, its posts recorded, and the rows the file held at each post (one per append: its records' text back to back); its timers on `clock`. */
function harness(
  dir: string,
  table: SpoolTable = new SpoolTable(openSpoolDatabase(dir)),
  clock: ManualClock = new ManualClock(),
) {
  const posts: { message: FromWorker; inTransaction?: boolean; rows?: string[] }[] = [];
  const loop = new SpoolWorkerLoop(
    (message) => {
      if (message.op === "done" && message.stats === undefined)
        posts.push({ message }); // after close
      else
        posts.push({
          message,
          inTransaction: table.db.inTransaction,
          rows: table.db
            .query("SELECT record FROM spool ORDER BY seq")
            .all()
            .map((r) => text((r as { record: Uint8Array }).record)),
        });
    },
    () => table,
    clockTimer(clock),
    // The file watch's checks on a clock of their own that no test moves: the tests close the table,
    // not the loop, and a real timer would see the temporary directory removed after the test and
    // post `lost` through this closure on a closed database.
    clockTimer(new ManualClock()),
  );
  loop.receive({ op: "open", id: 0, dataDir: dir });
  loop.run();
  posts.length = 0;
  return { loop, table, posts, clock };
}

/** A harness on a FailingDelete table, its retries on `clock`, after `records` were appended to c1 (append 1). */
function failingDeletes(dir: string, records: string[]) {
  const table = new FailingDelete(openSpoolDatabase(dir));
  const { loop, posts, clock } = harness(dir, table);
  loop.receive(append(1, "c1", records));
  loop.run();
  return { loop, table, posts, clock };
}

describe("SpoolWorkerLoop", () => {
  test("appends queued together commit as one transaction, and durable is posted only after it committed", async () => {
    await using dir = await tempDir("spool-loop-");
    const { loop, table, posts } = harness(dir.path);
    loop.receive(append(1, "c1", ["a", "b"]));
    loop.receive(append(2, "c2", ["c"]));
    loop.run();
    expect(posts).toEqual([
      {
        message: {
          op: "durable",
          ids: [1, 2],
          seqs: new Float64Array([1, 2, 3]),
          ms: expect.any(Number),
          buffers: expect.any(Array),
          oldest: [],
        },
        inTransaction: false,
        rows: ["ab", "c"],
      },
    ]);
    expect(table.db.query("PRAGMA synchronous").get()).toEqual({ synchronous: 2 });
    table.close();
  });

  test("deletes ride in the next append commit, or run alone without an fsync, and report the partitions' oldest rows", async () => {
    await using dir = await tempDir("spool-loop-");
    const { loop, table, posts, clock } = harness(dir.path);
    loop.receive(append(1, "c1", ["a1", "a2", "a3"], 10));
    loop.receive(append(2, "c2", ["b1"], 20));
    loop.run();
    loop.receive({ op: "delete", bytes: 1, ranges: [["c1", 1, 2]] });
    loop.receive(append(3, "c1", ["a4"], 30));
    loop.run();
    expect(posts.at(-1)).toEqual({
      message: {
        op: "durable",
        ids: [3],
        seqs: new Float64Array([5]),
        ms: expect.any(Number),
        buffers: expect.any(Array),
        oldest: [["c1", 10]],
      },
      inTransaction: false,
      rows: ["a1a2a3", "b1", "a4"],
    });
    loop.receive({
      op: "delete",
      bytes: 4,
      ranges: deleteRanges([
        ["c1", 3],
        ["c2", 4],
      ]),
    });
    loop.run();
    expect(posts.at(-1)?.message.op).toBe("durable");
    clock.advance(DELETE_HOLD_MS);
    await settle();
    expect(posts.at(-1)).toEqual({
      message: {
        op: "deleted",
        oldest: [
          ["c1", 30],
          ["c2", null],
        ],
      },
      inTransaction: false,
      rows: ["a4"],
    });
    expect(table.db.query("PRAGMA synchronous").get()).toEqual({ synchronous: 2 });
    table.close();
  });

  // explore5 E2: at a low request rate a delete committed alone rewrote the pages the next append
  // commit writes anyway (two of the five 16 KiB WAL frames of a request).
  test("a delete with no append to ride in waits up to DELETE_HOLD_MS for the next append commit, and rides in it", async () => {
    await using dir = await tempDir("spool-loop-");
    const { loop, table, posts, clock } = harness(dir.path);
    loop.receive(append(1, "c1", ["a"], 10));
    loop.run();
    loop.receive({ op: "delete", bytes: 1, ranges: [["c1", 1, 1]] });
    loop.run();
    expect(posts.map((p) => p.message.op)).toEqual(["durable"]);
    clock.advance(DELETE_HOLD_MS - 1);
    await settle();
    expect(posts.map((p) => p.message.op)).toEqual(["durable"]);
    loop.receive(append(2, "c1", ["b"], 20));
    loop.run();
    expect(posts.map((p) => p.message.op)).toEqual(["durable", "durable"]);
    expect(posts.at(-1)).toMatchObject({ message: { oldest: [["c1", 20]] }, rows: ["b"] });
    clock.advance(1);
    await settle();
    expect(posts).toHaveLength(2);
    table.close();
  });

  // review of fixe2, P2-1: the hold timer kept running after its deletes rode in an append commit,
  // so a delete queued later was written alone when that stale timer fired (5 of 10 at 1 request/s).
  test("each delete waits a hold of its own: a client sending within the hold never has a delete written alone", async () => {
    await using dir = await tempDir("spool-loop-");
    const { loop, table, posts, clock } = harness(dir.path);
    for (let i = 1; i <= 10; i++) {
      loop.receive(append(i, "c1", [`r${i}`]));
      loop.run();
      loop.receive({ op: "delete", bytes: 1, ranges: [["c1", i, i]] });
      loop.run();
      clock.advance(DELETE_HOLD_MS - 1);
      await settle();
    }
    expect(posts.map((p) => p.message.op)).toEqual(Array(10).fill("durable"));
    expect(posts.at(-1)?.rows).toEqual(["r10"]);
    table.close();
  });

  // Task spooldup: a backlog drained within the hold had every delete held, so a SIGKILL right after it re-sent all of it.
  test("held deletes are written at once when they cover DELETE_HOLD_MAX_BYTES of records, not before", async () => {
    await using dir = await tempDir("spool-loop-");
    const { loop, table, posts } = harness(dir.path);
    loop.receive(append(1, "c1", ["a", "b", "c"], 10));
    loop.run();
    loop.receive({ op: "delete", bytes: DELETE_HOLD_MAX_BYTES - 2, ranges: [["c1", 1, 1]] });
    loop.run();
    loop.receive({ op: "delete", bytes: 1, ranges: [["c1", 2, 2]] });
    loop.run();
    expect(posts.map((p) => p.message.op)).toEqual(["durable"]);
    loop.receive({ op: "delete", bytes: 1, ranges: [["c1", 3, 3]] });
    loop.run();
    expect(posts.at(-1)).toEqual({
      message: { op: "deleted", oldest: [["c1", null]] },
      inTransaction: false,
      rows: [],
    });
    // The count starts again from none.
    loop.receive(append(2, "c1", ["d"], 20));
    loop.run();
    loop.receive({ op: "delete", bytes: DELETE_HOLD_MAX_BYTES - 1, ranges: [["c1", 4, 4]] });
    loop.run();
    expect(posts.map((p) => p.message.op)).toEqual(["durable", "deleted", "durable"]);
    table.close();
  });

  test("held deletes past DELETE_HOLD_MAX_BYTES that failed are retried on their timer, not at every delete that comes", async () => {
    await using dir = await tempDir("spool-loop-");
    const { loop, table, posts, clock } = failingDeletes(dir.path, ["a", "b"]);
    posts.length = 0;
    table.failures = 1;
    loop.receive({ op: "delete", bytes: DELETE_HOLD_MAX_BYTES, ranges: [["c1", 1, 1]] });
    loop.run();
    expect(posts.map((p) => p.message)).toEqual([deleteWarning]);
    table.failures = 1;
    loop.receive({ op: "delete", bytes: 1, ranges: [["c1", 2, 2]] });
    loop.run();
    expect([posts.length, table.failures]).toEqual([1, 1]);
    table.failures = 0;
    clock.advance(DELETE_RETRY_MS);
    await settle();
    expect(posts.map((p) => p.message.op)).toEqual(["warning", "deleted", "info"]);
    expect(posts.at(-1)?.rows).toEqual([]);
    table.close();
  });

  test("a held delete that fails when a message flushes it is retried DELETE_RETRY_MS later, not when the hold would have ended", async () => {
    await using dir = await tempDir("spool-loop-");
    const { loop, table, posts, clock } = failingDeletes(dir.path, ["a"]);
    posts.length = 0;
    table.failures = 1;
    loop.receive({ op: "delete", bytes: 1, ranges: [["c1", 1, 1]] });
    loop.run();
    clock.advance(DELETE_HOLD_MS - 1);
    await settle();
    loop.receive({ op: "release", partition: "c1" });
    loop.run();
    expect(posts.map((p) => p.message)).toEqual([deleteWarning]);
    clock.advance(DELETE_RETRY_MS - 1);
    await settle();
    expect(posts.map((p) => p.message.op)).toEqual(["warning"]);
    clock.advance(1);
    await settle();
    expect(posts.map((p) => p.message.op)).toEqual(["warning", "deleted", "info"]);
    expect(posts.at(-1)?.rows).toEqual([]);
    table.close();
  });

  test("held deletes are written before a read, which does not return their records", async () => {
    await using dir = await tempDir("spool-loop-");
    const { loop, table, posts, clock } = harness(dir.path);
    loop.receive(append(1, "c1", ["a", "b"], 10));
    loop.run();
    loop.receive({ op: "delete", bytes: 1, ranges: [["c1", 1, 1]] });
    loop.receive({ op: "read", id: 2, partition: "c1", after: 0, limit: 10 });
    loop.run();
    const rows = posts.at(-1)!.message as Extract<FromWorker, { op: "rows" }>;
    expect([posts.at(-2)!.message, unpack(rows.records).map(text)]).toEqual([
      { op: "deleted", oldest: [["c1", 10]] },
      ["b"],
    ]);
    clock.advance(DELETE_HOLD_MS);
    await settle();
    expect(posts).toHaveLength(3);
    table.close();
  });

  test("a commit that fails answers failed for its appends, keeps its deletes for the next one", async () => {
    await using dir = await tempDir("spool-loop-");
    class FailingOnce extends SpoolTable {
      failures = 1;
      override commit(appends: readonly AppendRows[], deletes: readonly DeleteRange[]): Float64Array {
        if (this.failures-- > 0) throw new Error("disk I/O error");
        return super.commit(appends, deletes);
      }
    }
    const { loop, table, posts } = harness(dir.path, new FailingOnce(openSpoolDatabase(dir.path)));
    (table as FailingOnce).failures = 0;
    loop.receive(append(1, "c1", ["a", "b"]));
    loop.run();
    (table as FailingOnce).failures = 1;
    loop.receive({ op: "delete", bytes: 1, ranges: [["c1", 1, 2]] });
    loop.receive(append(2, "c1", ["lost"]));
    loop.run();
    expect(posts.at(-1)).toEqual({
      message: { op: "failed", ids: [2], message: "disk I/O error" },
      inTransaction: false,
      rows: ["ab"],
    });
    loop.receive(append(3, "c1", ["c"]));
    loop.run();
    expect(posts.at(-1)?.rows).toEqual(["c"]);
    table.close();
  });

  test("a full file (SQLITE_FULL) refuses appends with one warning, keeps what was durable, and commits again once it has room", async () => {
    await using dir = await tempDir("spool-loop-");
    const { loop, table, posts } = harness(dir.path);
    loop.receive(append(1, "c1", ["kept"]));
    loop.run();
    posts.length = 0;
    const pages = (table.db.query("PRAGMA page_count").get() as { page_count: number }).page_count;
    table.db.run(`PRAGMA max_page_count = ${pages}`);
    const big = "x".repeat(64 * 1024);
    loop.receive(append(2, "c1", [big]));
    loop.run();
    loop.receive(append(3, "c1", [big]));
    loop.run();
    const full = "database or disk is full";
    expect(posts.map((p) => p.message)).toEqual([
      {
        op: "warning",
        message: `Appending to the spool failed (${full}): ingest requests are answered 503 with Retry-After until an append commits again; records acknowledged before stay in the file and are still sent`,
      },
      { op: "failed", ids: [2], message: full },
      { op: "failed", ids: [3], message: full },
    ]);
    expect(posts.at(-1)?.rows).toEqual(["kept"]);
    expect(posts.at(-1)?.inTransaction).toBe(false);
    posts.length = 0;
    table.db.run(`PRAGMA max_page_count = ${pages + 64}`);
    loop.receive(append(4, "c1", [big]));
    loop.run();
    expect(posts.map((p) => p.message.op)).toEqual(["durable", "info"]);
    expect(posts.at(-1)?.message).toEqual({ op: "info", message: "Appending to the spool works again" });
    expect(posts.at(-1)?.rows).toEqual(["kept", big]);
    expect([...(posts[0]!.message as Extract<FromWorker, { op: "durable" }>).seqs]).toEqual([2]);
    table.close();
  });

  const deleteWarning: FromWorker = {
    op: "warning",
    message: `Deleting delivered rows failed (database or disk is full): they stay in the file and are retried every ${DELETE_RETRY_MS} ms until the delete works`,
  };

  test("a delete without a commit that fails (disk full) warns and keeps its ranges for the next try", async () => {
    await using dir = await tempDir("spool-loop-");
    const { loop, table, posts, clock } = failingDeletes(dir.path, ["a", "b", "c"]);
    table.failures = 1;
    loop.receive({ op: "delete", bytes: 1, ranges: [["c1", 1, 1]] });
    loop.run();
    clock.advance(DELETE_HOLD_MS);
    await settle();
    expect(posts.at(-1)).toEqual({ message: deleteWarning, inTransaction: false, rows: ["abc"] });
    loop.receive({ op: "delete", bytes: 1, ranges: [["c1", 2, 3]] });
    loop.run();
    clock.advance(DELETE_RETRY_MS);
    await settle();
    expect(posts.slice(-2).map((p) => p.message)).toEqual([
      { op: "deleted", oldest: [["c1", null]] },
      { op: "info", message: "Deleting delivered rows works again" },
    ]);
    expect(posts.at(-1)?.rows).toEqual([]);
    table.close();
  });

  test("failed deletes are retried on a timer while pending, with no message to the worker: one warning, then an info", async () => {
    await using dir = await tempDir("spool-loop-");
    const { loop, table, posts, clock } = failingDeletes(dir.path, ["a", "b", "c"]);
    posts.length = 0;
    table.failures = 3;
    loop.receive({ op: "delete", bytes: 1, ranges: [["c1", 1, 3]] });
    loop.run();
    clock.advance(DELETE_HOLD_MS);
    await settle();
    expect(clock.pending).toBe(1);
    clock.advance(DELETE_RETRY_MS - 1);
    await settle();
    expect(table.failures).toBe(2);
    // Two more retries fail (one warning in all), the third deletes.
    for (let retry = 0; retry < 3; retry++) {
      clock.advance(DELETE_RETRY_MS);
      await settle();
    }
    expect(table.failures).toBe(0);
    expect(posts.map((p) => p.message)).toEqual([
      deleteWarning,
      { op: "deleted", oldest: [["c1", null]] },
      { op: "info", message: "Deleting delivered rows works again" },
    ]);
    expect(posts.at(-1)?.rows).toEqual([]);
    expect(clock.pending).toBe(0);
    table.close();
  });

  test("a delete carrying quarantined records is answered once they are written: after a retry when the disk was full", async () => {
    await using dir = await tempDir("spool-loop-");
    const { loop, table, posts, clock } = failingDeletes(dir.path, ["a", "b", "c"]);
    posts.length = 0;
    table.failures = 1;
    const refused = { partition: "c1", seq: 2, topic: "t", kafkaError: "INVALID_TIMESTAMP", message: "refused", at: 9 };
    loop.receive({ op: "delete", id: 7, bytes: 1, ranges: [["c1", 1, 3]], quarantine: [refused] });
    loop.run();
    expect(posts.map((p) => p.message.op)).toEqual(["warning"]);
    clock.advance(DELETE_RETRY_MS);
    await settle();
    expect(posts.map((p) => p.message.op)).toEqual(["warning", "deleted", "done", "info"]);
    expect(posts[2]!.message).toEqual({ op: "done", id: 7 });
    expect(table.db.query("SELECT seq FROM spool_quarantine").all()).toEqual([{ seq: 2 }]);
    table.close();
  });

  test("close cancels the retry of deletes still failing", async () => {
    await using dir = await tempDir("spool-loop-");
    const { loop, table, clock } = failingDeletes(dir.path, ["a"]);
    table.failures = 2;
    loop.receive({ op: "delete", bytes: 1, ranges: [["c1", 1, 1]] });
    loop.run();
    clock.advance(DELETE_HOLD_MS);
    await settle();
    expect(clock.pending).toBe(1);
    loop.receive({ op: "close", id: 9 });
    loop.run();
    expect(clock.pending).toBe(0);
  });

  test("reads answer packed rows, deleteThrough the partition's stats, and queued deletes are written before close", async () => {
    await using dir = await tempDir("spool-loop-");
    const { loop, posts } = harness(dir.path);
    loop.receive(append(1, "c1", ["a", "bb", "ccc"], 7));
    loop.receive({ op: "read", id: 2, partition: "c1", after: 1, limit: 10 });
    loop.receive({ op: "deleteThrough", id: 3, partition: "c1", seq: 2 });
    loop.receive({ op: "delete", bytes: 1, ranges: [["c1", 3, 3]] });
    loop.receive({ op: "close", id: 4 });
    loop.run();
    const rows = posts[1]!.message as Extract<FromWorker, { op: "rows" }>;
    expect([rows.id, [...rows.seqs], [...rows.spooledAt], unpack(rows.records).map(text)]).toEqual([
      2,
      [2, 3],
      [7, 7],
      ["bb", "ccc"],
    ]);
    expect(posts.slice(2).map((p) => p.message)).toEqual([
      { op: "done", id: 3, stats: { partition: "c1", records: 1, bytes: 3, oldestAt: 7 } },
      { op: "deleted", oldest: [["c1", null]] },
      { op: "done", id: 4 },
    ]);
    const reopened = new SpoolTable(openSpoolDatabase(dir.path));
    expect(reopened.stats()).toEqual([]);
    reopened.close();
  });

  test("a large read goes a chunk a turn: an append that arrives meanwhile commits before its answer, which holds the appended record as a read after the commit would", async () => {
    await using dir = await tempDir("spool-loop-");
    const { loop, posts } = harness(dir.path);
    // A backlog of 3 MiB (three batch requests of 1,000 records of 1 KiB), then a drainer's read of all of it.
    const backlog = Array.from({ length: 1000 }, (_, i) => `${i}`.padEnd(1024, "x"));
    for (const id of [1, 2, 3]) loop.receive(append(id, "c1", backlog));
    loop.run();
    expect(posts.every((p) => p.message.op === "durable")).toBe(true);
    posts.length = 0;
    loop.receive({ op: "read", id: 4, partition: "c1", after: 0, limit: 10_000 });
    loop.run();
    expect(posts).toEqual([]); // a chunk read; the rest waits for the next turns
    // A device's request: committed (durable) before the read goes on, not after the whole read.
    loop.receive(append(5, "c1", ["live"]));
    for (let turn = 0; turn < 10 && !posts.some((p) => p.message.op === "rows"); turn++) loop.run();
    const ids = (m: FromWorker) => ("ids" in m ? [...m.ids] : "id" in m ? m.id : undefined);
    expect(posts.map((p) => [p.message.op, ids(p.message)])).toEqual([
      ["durable", [5]],
      ["rows", 4],
    ]);
    const rows = posts[1]!.message as Extract<FromWorker, { op: "rows" }>;
    expect([...rows.seqs]).toEqual(Array.from({ length: 3001 }, (_, i) => i + 1));
    const records = unpack(rows.records).map(text);
    expect([records[0], records[2999], records[3000]]).toEqual([backlog[0], backlog[999], "live"]);
  });

  test("release drops the partly read row the worker keeps for a stopped drainer: a later read fetches it again", async () => {
    await using dir = await tempDir("spool-loop-");
    const { loop, table, posts } = harness(dir.path);
    loop.receive(append(1, "c1", ["a", "b", "c", "d"]));
    loop.receive(append(2, "c2", ["x", "y"]));
    loop.receive({ op: "read", id: 3, partition: "c1", after: 0, limit: 2 });
    loop.receive({ op: "read", id: 4, partition: "c2", after: 0, limit: 1 });
    loop.run();
    expect(table.rowsFetched).toBe(2);
    // Without a release a read that continues the row takes it from memory.
    loop.receive({ op: "read", id: 5, partition: "c1", after: 2, limit: 1 });
    loop.run();
    expect(table.rowsFetched).toBe(2);
    loop.receive({ op: "release", partition: "c1" });
    loop.receive({ op: "read", id: 6, partition: "c1", after: 3, limit: 1 });
    loop.receive({ op: "read", id: 7, partition: "c2", after: 5, limit: 1 });
    loop.run();
    expect(table.rowsFetched).toBe(3); // c1's row again; c2's still kept
    const read = (id: number) => {
      const m = posts.find((p) => p.message.op === "rows" && p.message.id === id)!.message;
      return unpack((m as Extract<FromWorker, { op: "rows" }>).records).map(text);
    };
    expect([read(6), read(7)]).toEqual([["d"], ["y"]]);
    expect(posts.filter((p) => p.message.op === "failed")).toEqual([]);
  });

  test("release before the file is open does nothing (no answer, no failure)", () => {
    const posts: FromWorker[] = [];
    const loop = new SpoolWorkerLoop((m) => posts.push(m));
    loop.receive({ op: "release", partition: "c1" });
    loop.run();
    expect(posts).toEqual([]);
  });

  test("malformed pages met by a read after the open fail it with the message that names the file and says to move it away", async () => {
    await using dir = await tempDir("spool-loop-");
    const written = new SpoolTable(openSpoolDatabase(dir.path));
    const big = "x".repeat(40_000); // overflow pages, which the open's statistics (an index) do not read
    const { data, lengths } = pack(Array.from({ length: 20 }, () => bytes(big)));
    written.commit([{ partition: "c1", now: 1, data: new Uint8Array(data), lengths }], [], []);
    written.close();
    const path = join(dir.path, SPOOL_FILE);
    const file = readFileSync(path);
    const middle = Math.floor(file.length / 2 / PAGE_SIZE) * PAGE_SIZE;
    file.fill(0x5a, middle, middle + PAGE_SIZE);
    writeFileSync(path, file);
    const posts: FromWorker[] = [];
    const loop = new SpoolWorkerLoop((m) => posts.push(m));
    loop.receive({ op: "open", id: 1, dataDir: dir.path });
    loop.receive({ op: "read", id: 2, partition: "c1", after: 0, limit: 20 });
    loop.receive({ op: "close", id: 3 });
    loop.run();
    expect(posts.map((m) => m.op)).toEqual(["opened", "failed", "done"]);
    expect(posts[1]).toEqual({
      op: "failed",
      ids: [2],
      message: `The spool file ${path} is corrupt or not an SQLite database (SQLITE_CORRUPT: database disk image is malformed). Stop the gateway, move it away (with its spool.db-wal and spool.db-shm files, if any) and start again: a new, empty spool file is created. The gateway never deletes it, since it may hold records devices were told were accepted: keep it to recover them (sqlite3 spool.db .recover on a copy, with an sqlite3 whose SQLite has the sqlite_dbpage table, as SQLite's own build of the shell has; Debian 12's sqlite3 3.40.1 lacks it and answers every .recover with "sql error: SQL logic error (1)").`,
    });
  });
});
