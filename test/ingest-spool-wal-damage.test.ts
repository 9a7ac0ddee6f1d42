/**
 * A damaged spool WAL at start, on the gateway (the compiled binary when GATEWAY_BIN is set):
 * records acknowledged while Kafka is unreachable sit in `spool.db-wal` when the gateway is killed
 * (kill -9); a frame in the middle of that log is then damaged (a bad sector). SQLite's recovery
 * would stop at it and drop every later commit without a word; instead the spool task goes FAILED
 * with a message naming the file, requests answer 503 (nothing acknowledged that is not kept), the
 * gateway stays up (no crash loop) and both files are left as they were. Moved away, the next
 * start of the task opens a new, empty spool.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { ingestUrlOf, startGateway } from "./support/gateway.ts";
import { crashWorker, ingestConnector, NAME, PATH, startCrashIngestGateway } from "./support/ingest-load.ts";
import { uniqueTopic } from "./support/kafka.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const FRAME = 24 + 16_384; // the spool's page size

/** The gateway on `dir` again (Kafka unreachable), without waiting for a RUNNING task. */
const restart = async (dir: TempDir) => startGateway({ dir: dir.path, worker: await crashWorker(dir, "down") });

describe("a damaged spool.db-wal at start", () => {
  test("fails the spool task with a message naming the file instead of dropping acknowledged records; moved away, the spool starts empty", async () => {
    await using dir = await tempDir("ingest-spool-wal-damage-");
    await using offline = await startCrashIngestGateway(
      dir,
      "down",
      ingestConnector(uniqueTopic("spool-wal-damage"), "spool"),
    );
    const url = `${await ingestUrlOf(offline)}${PATH}`;
    const value = "v".repeat(20_000);
    for (let n = 0; n < 30; n++) {
      const r = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ n, value }),
      });
      expect(r.status).toBe(200); // one commit each: 30 commits in the WAL
    }
    await offline.kill();

    const spool = dir.file("data/spool.db");
    const wal = readFileSync(`${spool}-wal`);
    const middle = Math.floor((wal.length - 32) / FRAME / 2);
    wal.fill(0x5a, 32 + middle * FRAME + 24 + 100, 32 + middle * FRAME + 24 + 200);
    writeFileSync(`${spool}-wal`, wal);
    const files = () => [readFileSync(spool), readFileSync(`${spool}-wal`)];
    const before = files();

    await using damaged = await restart(dir);
    const failed = await waitFor(
      async () => {
        const task = (await damaged.rest.get(`/connectors/${NAME}/status`)).body.tasks[0];
        return task?.state === "FAILED" && task;
      },
      { what: "the spool task FAILED" },
    );
    expect(failed.trace).toContain(
      `ConnectException: The spool file's write-ahead log ${spool}-wal is damaged from frame`,
    );
    expect(failed.trace).toContain(
      "committed transaction(s) after it, with records devices were told were accepted, so the spool is not opened.",
    );
    const refused = await fetch(`${await ingestUrlOf(damaged)}${PATH}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    expect(refused.status).toBe(503);
    expect((await fetch(`${damaged.url}/health`)).status).toBe(200);
    expect(await damaged.stop()).toBe(0);
    expect(files()).toEqual(before);

    renameSync(spool, `${spool}.damaged`);
    renameSync(`${spool}-wal`, `${spool}-wal.damaged`);
    await using fresh = await startCrashIngestGateway(dir, "down");
    const accepted = await fetch(`${await ingestUrlOf(fresh)}${PATH}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    expect(accepted.status).toBe(200);
  }, 90_000);
});
