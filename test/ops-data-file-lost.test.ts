/**
 * gateway.db deleted or replaced while the gateway (the compiled binary when GATEWAY_BIN is set)
 * runs, on the real broker (opshunt). SQLite went on writing to the open file, the REST API answered
 * as usual, and at the next start every connector created and every source offset committed was
 * gone. Now the gateway notices within a second, says so in one ERROR line, stops gracefully with
 * exit code 1 (a supervisor starts it again) and, as it stops, writes what it held, the stop's
 * offset commits included, back to the deleted path, or beside a file that replaced it, which it
 * leaves as it is (no write-ahead log of the old file left next to it to be replayed into it).
 * The same for the ingest spool's spool.db, whose records devices were told were accepted.
 */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { basename } from "node:path";
import { exitWithin, type Gateway, ingestUrlOf, startGateway } from "./support/gateway.ts";
import { ingestConnector, PATH, startCrashIngestGateway } from "./support/ingest-load.ts";
import { createTopic, kafkaBroker, readAll, uniqueTopic } from "./support/kafka.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const STRING = "org.apache.kafka.connect.storage.StringConverter";

async function worker(dataDir: string): Promise<Record<string, string>> {
  const kafka = await kafkaBroker();
  return {
    "bootstrap.servers": kafka.bootstrap,
    "data.dir": dataDir,
    "offset.flush.interval.ms": "100",
    "key.converter": STRING,
    "value.converter": STRING,
  };
}

const fileSource = (file: string, topic: string) => ({ "connector.class": "FileStreamSource", file, topic });

/** Creates connector `name`, a FileStreamSource waiting for a file that never comes. */
async function createIdle(gw: Gateway, dir: TempDir, name: string): Promise<void> {
  const created = await gw.rest.post("/connectors", {
    name,
    config: fileSource(dir.file("none.txt"), uniqueTopic(name)),
  });
  expect(created.status).toBe(201);
}

/** The exit code of a gateway that stops by itself, once all its output is read (20 s at most). */
async function exitCodeOf(gw: Gateway): Promise<number | undefined> {
  const code = await exitWithin(gw.proc, 20_000);
  if (code !== undefined) await gw.stop(); // exited already: waits for the rest of its output
  return code;
}

describe("the data file deleted or replaced while the gateway runs", () => {
  test("deleted: one ERROR, a graceful stop with exit code 1, and the next start has every connector and offset", async () => {
    await using dir = await tempDir("ops-data-file-deleted-");
    const topic = uniqueTopic("ops-deleted");
    await createTopic(topic, 1);
    writeFileSync(dir.file("in.txt"), "a\nb\n");
    const options = { dir: dir.path, worker: await worker(dir.file("data")) };
    const dbPath = `${dir.file("data")}/gateway.db`;
    {
      await using gw = await startGateway(options);
      expect(
        (await gw.rest.post("/connectors", { name: "src", config: fileSource(dir.file("in.txt"), topic) })).status,
      ).toBe(201);
      await waitFor(async () => (await readAll(topic)).length === 2, { what: "the first two lines in Kafka" });
      rmSync(dir.file("data"), { recursive: true });
      // Answered as before: what is written now is kept too.
      await createIdle(gw, dir, "late");
      appendFileSync(dir.file("in.txt"), "c\n");
      await waitFor(async () => (await readAll(topic)).length === 3, { what: "the third line in Kafka" });
      expect(await exitCodeOf(gw)).toBe(1);
      const lines = gw.output().split("\n");
      expect(lines.filter((l) => l.includes(" ERROR "))).toEqual([
        expect.stringContaining(
          `ERROR The data file ${dbPath} was deleted while the gateway runs: what it holds (connector configs, offsets, statuses) is now only in the open file. Stopping the gateway, which writes it back to ${dbPath} as it stops (io.edgegateway.store.Database)`,
        ),
      ]);
      expect(gw.output()).toContain(`INFO Wrote the open data file back to ${dbPath}, which had been deleted`);
      expect(gw.output()).not.toContain("    at ");
    }
    expect(readdirSync(dir.file("data"))).toEqual(["gateway.db"]);
    await using again = await startGateway(options);
    expect((await again.rest.get("/connectors")).body.sort()).toEqual(["late", "src"]);
    // The offset the stop committed: all three lines, none sent again.
    expect((await again.rest.get("/connectors/src/offsets")).body.offsets).toEqual([
      { partition: { filename: dir.file("in.txt") }, offset: { position: 6 } },
    ]);
    appendFileSync(dir.file("in.txt"), "d\n");
    await waitFor(async () => (await readAll(topic)).length >= 4, { what: "the fourth line in Kafka" });
    expect((await readAll(topic)).map((r) => r.value?.toString())).toEqual(["a", "b", "c", "d"]);
  });

  test("replaced: the file that took its place is left as it is, the state held is written beside it", async () => {
    await using dir = await tempDir("ops-data-file-replaced-");
    const options = { dir: dir.path, worker: await worker(dir.file("data")) };
    const dbPath = `${dir.file("data")}/gateway.db`;
    await using gw = await startGateway(options);
    await createIdle(gw, dir, "first");
    // An operator restoring "a backup" over the running gateway's file.
    copyFileSync(dbPath, dir.file("backup.db"));
    renameSync(dir.file("backup.db"), dbPath);
    const restored = readFileSync(dbPath);
    await createIdle(gw, dir, "second");
    expect(await exitCodeOf(gw)).toBe(1);
    const aside =
      /ERROR The data file .* was replaced by another file while the gateway runs\. Stopping the gateway, which writes what the open file holds \(connector configs, offsets, statuses\) to (\S+) as it stops and leaves \S+ as it is/.exec(
        gw.output(),
      )?.[1];
    expect(aside).toStartWith(`${dbPath}.replaced-`);
    expect(gw.output()).toContain(`INFO Wrote the open data file to ${aside}; ${dbPath} is the file that replaced it`);
    expect(readFileSync(dbPath).equals(restored)).toBe(true);
    expect(existsSync(`${dbPath}-wal`)).toBe(false);
    const copy = new Database(aside!, { readonly: true, strict: true });
    try {
      expect(copy.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
      expect(copy.query("SELECT name FROM connectors ORDER BY name").all()).toEqual([
        { name: "first" },
        { name: "second" },
      ]);
    } finally {
      copy.close();
    }
    // No start reads the copy: each says it is there.
    await using again = await startGateway(options);
    expect(again.output()).toContain(
      `WARN ${dir.file("data")} holds ${basename(aside!)}: what the open gateway.db or spool.db held when another file replaced it while the gateway ran, set aside; no start reads it (README: Operating, State)`,
    );
  });

  test("gateway.db-wal deleted alone: its content copied into gateway.db at once, a graceful stop with exit code 1, nothing lost", async () => {
    await using dir = await tempDir("ops-data-log-deleted-");
    const options = { dir: dir.path, worker: await worker(dir.file("data")) };
    const dbPath = `${dir.file("data")}/gateway.db`;
    {
      await using gw = await startGateway(options);
      await createIdle(gw, dir, "first");
      // Until the gateway's close, all it wrote is in the log only (no checkpoint yet): a crash lost the schema too.
      rmSync(`${dbPath}-wal`);
      await createIdle(gw, dir, "second");
      expect(await exitCodeOf(gw)).toBe(1);
      expect(gw.output()).toContain(
        `ERROR The write-ahead log ${dbPath}-wal of the data file was deleted while the gateway runs: what it held (connector configs, offsets, statuses written since the last checkpoint) was copied into ${dbPath}. Stopping the gateway, whose close copies the rest into ${dbPath}`,
      );
    }
    await using again = await startGateway(options);
    expect((await again.rest.get("/connectors")).body.sort()).toEqual(["first", "second"]);
  });

  test("spool.db deleted while Kafka is unreachable: the records acknowledged to devices are written back and reach Kafka after the restart", async () => {
    await using dir = await tempDir("ops-spool-deleted-");
    const topic = uniqueTopic("ops-spool-deleted");
    await createTopic(topic, 1);
    const spoolPath = `${dir.file("data")}/spool.db`;
    {
      await using offline = await startCrashIngestGateway(dir, "down", ingestConnector(topic, "spool"));
      const url = `${await ingestUrlOf(offline)}${PATH}`;
      const post = (n: number) =>
        fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ n }) });
      for (const n of [0, 1, 2]) expect((await post(n)).status).toBe(200);
      for (const file of ["spool.db", "spool.db-wal", "spool.db-shm"])
        rmSync(dir.file(`data/${file}`), { force: true });
      for (const n of [3, 4]) expect((await post(n)).status).toBe(200);
      expect(await exitCodeOf(offline)).toBe(1);
      expect(offline.output()).toContain(
        `ERROR Spool: The spool file ${spoolPath} was deleted while the gateway runs: what it holds (records acknowledged to devices and not yet in Kafka) is now only in the open file. Stopping the gateway, which writes it back to ${spoolPath} as it stops`,
      );
      expect(offline.output()).toContain(
        `INFO Spool: Wrote the open spool file back to ${spoolPath}, which had been deleted`,
      );
    }
    await using _up = await startCrashIngestGateway(dir, "up");
    await waitFor(async () => (await readAll(topic)).length >= 5, { what: "the five acknowledged records in Kafka" });
    expect((await readAll(topic)).map((r) => JSON.parse(r.value!.toString()).n)).toEqual([0, 1, 2, 3, 4]);
  });
});
