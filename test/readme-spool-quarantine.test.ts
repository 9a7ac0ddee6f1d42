/**
 * The README's `sqlite3` commands on the spool's quarantine (the bash block under "## Device ingest
 * security and the spool", after "The rows stay until an operator deletes them"), run as written
 * through bash with the sqlite3 shell: list the quarantined rows, show a record as spooled, delete
 * it, once the gateway is stopped; while it runs, sqlite3 says `database is locked`, as the README
 * says (the README used to say the gateway may keep running, and every command failed so). A record is quarantined as the README says one is: a spool-mode route whose transformation
 * (ValueToKey) fails on a record its device was told was accepted. The gateway is the compiled
 * binary under GATEWAY_BIN on the real broker.
 *
 * Substitutions, the only ones a shared test machine needs: the commands run in a scratch directory
 * standing for the repository root (`data/spool.db` is the spool of the gateway's `data.dir=./data`,
 * the worker file's default), and `seq = 42` → the seq the first command listed.
 */
import { describe, expect, test } from "bun:test";
import { createIngestConnector, type Gateway, ingestUrlOf, metric, startIngestGateway } from "./support/gateway.ts";
import { uniqueTopic } from "./support/kafka.ts";
import {
  curlHome,
  type ReadmeCommand,
  readmeCommands,
  readmeText,
  runReadmeCommand,
  substitute,
  workerProperties,
} from "./support/readme.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const NOT_A_MAP =
  "Only Map objects supported in absence of schema for [copying fields from value to key], found: java.lang.String";

/** Runs a README command in `dir`; it must exit 0 with nothing on stderr. */
async function run(dir: TempDir, command: ReadmeCommand, replace: [string, string][] = []): Promise<string> {
  const text = substitute(command.text, replace);
  const result = await runReadmeCommand(text, { cwd: dir.path, curlHome: curlHome(dir.file("curl-home")) });
  expect({ command: text, code: result.code, stderr: result.stderr }).toEqual({ command: text, code: 0, stderr: "" });
  return result.output;
}

/** A gateway in `dir` (data.dir `./data`, as config/worker.properties) with a spool route that quarantines a poison record. */
async function gatewayWithQuarantinedRecord(dir: TempDir, topic: string): Promise<Gateway> {
  expect(workerProperties()["data.dir"]).toBe("./data");
  const gw = (await startIngestGateway(dir)).gw;
  const config = {
    "connector.class": "HttpIngestSource",
    "ingest.path": "/ingest/poison",
    "kafka.topic": topic,
    "ingest.ack.mode": "spool",
    transforms: "key",
    "transforms.key.type": "org.apache.kafka.connect.transforms.ValueToKey",
    "transforms.key.fields": "id",
  };
  await createIngestConnector(gw, "poison", config);
  const url = `${await ingestUrlOf(gw)}/ingest/poison`;
  const post = (body: string) =>
    fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body }).then((r) => r.status);
  await waitFor(async () => (await post('{"id":0}')) === 200, { what: "the route" });
  expect(await post('"not a map"')).toBe(200);
  await waitFor(async () => (await metric(gw, "ingest_spool_quarantined_total", "poison")) === 1, {
    what: "the record quarantined",
  });
  return gw;
}

describe("README: the spool's quarantine with the sqlite3 shell", () => {
  test("list, show and delete work as written once the gateway is stopped; while it runs the file is locked", async () => {
    await using dir = await tempDir("readme-spool-quarantine-");
    const topic = uniqueTopic("poison");
    await using gw = await gatewayWithQuarantinedRecord(dir, topic);
    const commands = await readmeCommands("## Device ingest security and the spool", {
      marker: "The rows stay",
      replaced: ["data/spool.db", "seq = 42"],
    });
    expect(commands.map((c) => c.text.split(" ").slice(0, 2).join(" "))).toEqual([
      "sqlite3 data/spool.db",
      "sqlite3 data/spool.db",
      "sqlite3 data/spool.db",
    ]);
    const [list, show, remove] = commands;

    // "from the start of the first spool-mode task until the gateway exits it holds the file locked
    // (`locking_mode=EXCLUSIVE`), and `sqlite3` answers `database is locked`"
    expect(readmeText().replace(/\s+/g, " ")).toContain(
      "once the gateway is stopped (SIGTERM): from the start of the first spool-mode task until the gateway exits it holds the file locked (`locking_mode=EXCLUSIVE`), and `sqlite3` answers `database is locked`",
    );
    const locked = await runReadmeCommand(list!, { cwd: dir.path, curlHome: dir.path });
    expect({ code: locked.code, stderr: locked.stderr }).toEqual({
      code: 5,
      stderr: "Error: in prepare, database is locked (5)\n",
    });
    expect(await gw.stop()).toBe(0);

    const listed = (await run(dir, list!)).trim().split("\n");
    expect(listed.length).toBe(1);
    const [seq, partition, rowTopic, kafkaError, message, at] = listed[0]!.split("|");
    expect({ partition, topic: rowTopic, kafkaError }).toEqual({
      partition: "poison",
      topic,
      kafkaError: "TRANSFORMATION",
    });
    expect(message).toContain(NOT_A_MAP);
    expect(at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

    // "5 bytes, a JSON header {t: topic, …}, then the value"
    const shown = await run(dir, show!, [["seq = 42", `seq = ${seq}`]]);
    const header = /^(\{.*?\})"not a map"\n$/.exec(shown)?.[1];
    expect(header).toBeDefined();
    expect(JSON.parse(header!)).toMatchObject({ t: topic });

    // "`sqlite3 spool.db .recover` salvages what it can, with a `sqlite3` whose SQLite has the
    // `sqlite_dbpage` table …: Debian 12's … answers every `.recover` with `sql error: SQL logic
    // error (1)`", in the data directory: the quarantined row too, or that answer.
    const recover =
      /\(it may hold acknowledged records; `(sqlite3 spool\.db \.recover)` salvages what it can, with a `sqlite3` whose SQLite has the `sqlite_dbpage` table `\.recover` reads, as SQLite's own build of the shell has: Debian 12's `sqlite3` 3\.40\.1 lacks it and answers every `\.recover` with `([^`]+)`\)/.exec(
        readmeText().replace(/\s+/g, " "),
      );
    expect(recover?.[1]).toBe("sqlite3 spool.db .recover");
    const home = { cwd: dir.file("data"), curlHome: dir.path };
    const dbpage = await runReadmeCommand("sqlite3 spool.db 'SELECT count(*) FROM sqlite_dbpage'", home);
    const salvaged = await runReadmeCommand(recover![1]!, home);
    if (dbpage.code === 0) {
      expect({ code: salvaged.code, stderr: salvaged.stderr }).toEqual({ code: 0, stderr: "" });
      expect(salvaged.stdout).toContain("CREATE TABLE spool_quarantine");
      expect(salvaged.stdout).toMatch(new RegExp(`INSERT INTO "?spool_quarantine"?.*'${rowTopic}'`));
    } else {
      expect(dbpage.stderr).toContain("no such table: sqlite_dbpage");
      expect({ code: salvaged.code, stderr: salvaged.stderr }).toEqual({ code: 1, stderr: `${recover![2]}\n` });
    }

    await run(dir, remove!, [["seq = 42", `seq = ${seq}`]]);
    expect(await run(dir, list!)).toBe("");
  }, 60_000);
});
