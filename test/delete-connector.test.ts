/**
 * Finding F3: a connector named `a/b` is created over REST (201, as Connect 4.3.1) and no
 * per-connector path reaches it afterwards. The README's way out ("## Operating", *A connector the
 * REST API cannot address*), run as written through bash with the gateway under test on PATH as
 * `gateway` (the compiled binary under GATEWAY_BIN, as scripts/test sets it): refused while the
 * gateway runs (gateway.db is locked), then, with the gateway stopped by SIGTERM, it deletes the
 * connector, which a restarted gateway no longer lists. It reads only data.dir of the worker file (a
 * Kafka client setting that stops the gateway's start does not stop it) and refuses a gateway.db of
 * another schema version, leaving it as it is: migrating it locked the older gateway out of it.
 */

import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { ConfigStore } from "../src/store/config-store.ts";
import { migrate, openDatabase } from "../src/store/database.ts";
import { migrations } from "../src/store/migrations/index.ts";
import { processResult } from "./support/command.ts";
import { gatewayCommand, gatewayOnPath, startGateway } from "./support/gateway.ts";
import { createTopic, kafkaBroker, readTopic, uniqueTopic } from "./support/kafka.ts";
import { curlHome, type ReadmeCommand, readmeCommands, runReadmeCommand } from "./support/readme.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";

let dir: TempDir;
let command: ReadmeCommand;

beforeAll(async () => {
  dir = await tempDir("delete-connector-");
  const commands = await readmeCommands("## Operating", { marker: "**A connector the REST API cannot address.**" });
  command = commands[0]!;
  expect(command.text).toBe("gateway delete-connector worker.properties a/b   # prints what it removed");
});

afterAll(async () => {
  await dir?.[Symbol.asyncDispose]();
});

describe("gateway delete-connector (README, Operating)", () => {
  test("refused while the gateway runs; with it stopped, deletes a/b, which the restarted gateway no longer lists", async () => {
    const kafka = await kafkaBroker();
    const topic = uniqueTopic("delete-connector");
    await createTopic(topic);
    writeFileSync(dir.file("in.txt"), "one line\n");
    const worker = { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data") };
    // The README's command in the directory of the gateway's worker.properties (startGateway writes it there).
    const run = () =>
      runReadmeCommand(command, {
        cwd: dir.path,
        curlHome: curlHome(dir.file("curl")),
        env: { PATH: gatewayOnPath(dir.file("bin")) },
      });

    const first = await startGateway({ dir: dir.path, worker });
    try {
      const created = await first.rest.post("/connectors", {
        name: "a/b",
        config: { "connector.class": "FileStreamSource", file: dir.file("in.txt"), topic },
      });
      expect(created.status).toBe(201);
      expect((await first.rest.request("DELETE", "/connectors/a%2Fb")).status).toBe(400);
      // The record in Kafka: the task has used the topic (an active topic of the connector).
      expect((await readTopic(topic, 1)).map((r) => JSON.parse(r.value!.toString()).payload)).toEqual(["one line"]);

      const locked = await run();
      expect(locked).toMatchObject({
        code: 1,
        stdout: "",
        stderr: `gateway: The data file ${dir.file("data")}/gateway.db is locked by another process: is another gateway running with data.dir=${dir.file("data")}? Stop the gateway first.\n`,
      });
      expect((await first.rest.get("/connectors")).body).toEqual(["a/b"]);
    } finally {
      expect(await first.stop()).toBe(0);
    }

    const deleted = await run();
    expect({ code: deleted.code, stdout: deleted.stdout, stderr: deleted.stderr }).toEqual({
      code: 0,
      stdout: [
        "Deleted connector a/b:",
        "  its config (target state STARTED)",
        "  1 task config",
        "  2 statuses (connector and tasks)",
        `  1 active topic: ${topic}`,
        "  0 Idempotency-Keys",
        "  0 sink consumer member ids",
        "Its source offsets are kept, as DELETE /connectors/{name} keeps them.",
        "",
      ].join("\n"),
      stderr: "",
    });
    const again = await run();
    expect({ code: again.code, stderr: again.stderr }).toEqual({
      code: 1,
      stderr: "gateway: Connector a/b not found\n",
    });

    await using second = await startGateway({ dir: dir.path, worker });
    await second.waitForOutput(/Gateway started/);
    expect((await second.rest.get("/connectors")).body).toEqual([]);
    expect((await second.rest.get("/connectors?expand=status")).body).toEqual({});
  }, 120_000);
});

/** `gateway delete-connector worker.properties <name>` in `cwd`: its exit code and output. */
async function deleteConnector(cwd: string, name: string, env: Record<string, string> = {}) {
  const proc = Bun.spawn([...gatewayCommand(), "delete-connector", "worker.properties", name], {
    cwd,
    env: { ...process.env, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const { code, out: stdout, err: stderr } = await processResult(proc);
  return { code, stdout, stderr };
}

describe("gateway delete-connector needs only the data file (opsfix2 item 5)", () => {
  test("a worker file whose Kafka key store is missing does not stop it; a gateway.db of an older schema is refused and left as it is", async () => {
    await using dir = await tempDir("delete-connector-only-");
    const data = dir.file("data");
    mkdirSync(data, { mode: 0o700 });
    writeFileSync(
      dir.file("worker.properties"),
      [
        "bootstrap.servers=127.0.0.1:9",
        "security.protocol=SSL",
        `ssl.keystore.location=${dir.file("missing.p12")}`,
        "ssl.keystore.password=changeit",
        `data.dir=${data}`,
        "",
      ].join("\n"),
    );
    // gateway.db as the previous schema version's gateway leaves it, with one connector.
    const path = `${data}/gateway.db`;
    const latest = migrations.at(-1)!.version;
    const file = new Database(path, { strict: true });
    file.run("PRAGMA journal_mode = WAL");
    migrate(
      file,
      path,
      migrations.filter((m) => m.version < latest),
    );
    new ConfigStore(file).putConfig("old", { name: "old", "connector.class": "FileStreamSource", topic: "t" });
    file.close();
    const before = readFileSync(path);

    expect(await deleteConnector(dir.path, "old")).toEqual({
      code: 1,
      stdout: "",
      stderr: `gateway: The data file ${path} has schema version ${latest - 1}, older than this gateway's (${latest}), and is left as it is: use the gateway version that wrote it, or start this gateway on it once to migrate it (a gateway older than this one then refuses the file).\n`,
    });
    expect(readFileSync(path).equals(before)).toBe(true);

    // Migrated (as this gateway's start does), it is this gateway's: the connector is deleted, data.dir
    // read through a config provider as the gateway reads it.
    openDatabase(data).close();
    writeFileSync(
      dir.file("worker.properties"),
      [
        "security.protocol=SSL",
        `ssl.keystore.location=${dir.file("missing.p12")}`,
        "config.providers=env",
        "config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider",
        "data.dir=${env:GATEWAY_TEST_DATA}",
        "",
      ].join("\n"),
    );
    const deleted = await deleteConnector(dir.path, "old", { GATEWAY_TEST_DATA: data });
    expect({ code: deleted.code, stderr: deleted.stderr }).toEqual({ code: 0, stderr: "" });
    expect(deleted.stdout).toContain("Deleted connector old:\n  its config (target state STARTED)\n");
  });
});
