/**
 * `gateway delete-connector` on real SQLite files (finding F3: a connector named `a/b` that no REST
 * path addresses): it removes what a REST DELETE removes and keeps source offsets and other
 * connectors; it creates nothing where there is no gateway.db and changes nothing while a gateway
 * holds the file.
 */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { tempDir } from "../test/support/temp-dir.ts";
import { deleteConnectorOffline, describeRemoved } from "./delete-connector.ts";
import { NotFoundError } from "./errors.ts";
import { ConfigStore } from "./store/config-store.ts";
import { ConsumerMemberStore } from "./store/consumer-member-store.ts";
import { migrate, openDatabase, StoreError, StoreLockedError } from "./store/database.ts";
import { IdempotencyStore } from "./store/idempotency-store.ts";
import { migrations } from "./store/migrations/index.ts";
import { OffsetStore } from "./store/offset-store.ts";
import { StatusStore } from "./store/status-store.ts";

const LATEST = migrations.at(-1)!.version;
const RUNNING = { state: "RUNNING", trace: null, workerId: "127.0.0.1:8083" } as const;

/**
 * Stores connector `name` as a running gateway would: config, one task, statuses, a topic, an
 * offset, two Idempotency-Keys, a member id its task's consumer was given.
 */
function storeConnector(db: Database, name: string): void {
  const configs = new ConfigStore(db);
  const statuses = new StatusStore(db);
  configs.putConfig(name, { "connector.class": "FileStreamSource", topic: "t" });
  configs.putTaskConfigs(name, [{ topic: "t" }]);
  statuses.putConnector(name, RUNNING);
  statuses.putTask(name, 0, RUNNING);
  statuses.addTopic(name, "t");
  new OffsetStore(db).write(name, [{ partition: { filename: "in.txt" }, offset: { position: 42 } }]);
  const keys = new IdempotencyStore(db);
  for (const key of ["k1", "k2"])
    keys.put(
      name,
      "",
      key,
      { requestHash: "h", status: 200, contentType: "application/json", body: new Uint8Array(3) },
      1,
      9e15,
    );
  new ConsumerMemberStore(db).predecessors(name, `connect-${name}`, `connector-consumer-${name}-0`).joined("m-1");
}

/** What gateway.db holds for `name`, read through the stores. */
function stateOf(db: Database, name: string) {
  const statuses = new StatusStore(db);
  return {
    config: new ConfigStore(db).get(name),
    connectorStatus: statuses.connector(name),
    taskStatuses: statuses.tasks(name),
    topics: statuses.topics(name),
    offsets: new OffsetStore(db).all(name),
    idempotencyKeys: db.query("SELECT idempotency_key AS k FROM ingest_idempotency WHERE connector = ?").all(name),
    consumerMembers: new ConsumerMemberStore(db).remembered(`connect-${name}`, `connector-consumer-${name}-0`),
  };
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("deleteConnectorOffline", () => {
  // explore22 F2: its sink consumers' member ids stay, for the next start to remove them from their groups.
  test("removes the config, task configs, statuses, active topics and Idempotency-Keys (explore5 E5); consumer member ids, offsets and other connectors stay", async () => {
    await using dir = await tempDir();
    const db = openDatabase(dir.path);
    storeConnector(db, "a/b");
    storeConnector(db, "other");
    const before = stateOf(db, "other");
    db.close();

    const removed = deleteConnectorOffline(dir.path, "a/b");
    expect(removed).toEqual({
      name: "a/b",
      targetState: "STARTED",
      taskConfigs: 1,
      statuses: 2,
      activeTopics: ["t"],
      idempotencyKeys: 2,
      consumerMembers: 1,
    });
    expect(describeRemoved(removed)).toBe(
      [
        "Deleted connector a/b:",
        "  its config (target state STARTED)",
        "  1 task config",
        "  2 statuses (connector and tasks)",
        "  1 active topic: t",
        "  2 Idempotency-Keys",
        "  1 sink consumer member id (removed from their consumer groups at the next start)",
        "Its source offsets are kept, as DELETE /connectors/{name} keeps them.",
        "",
      ].join("\n"),
    );
    // orphanfence review P3: with no ids, nothing is removed at the next start either.
    expect(describeRemoved({ ...removed, consumerMembers: 0 })).toContain("\n  0 sink consumer member ids\n");

    const after = openDatabase(dir.path);
    try {
      expect(stateOf(after, "a/b")).toEqual({
        config: undefined,
        connectorStatus: undefined,
        taskStatuses: [],
        topics: [],
        offsets: [{ partition: { filename: "in.txt" }, offset: { position: 42 } }],
        idempotencyKeys: [],
        consumerMembers: ["m-1"],
      });
      expect(stateOf(after, "other")).toEqual(before);
      expect(after.query("SELECT count(*) AS n FROM task_configs WHERE connector = 'a/b'").get()).toEqual({ n: 0 });
    } finally {
      after.close();
    }
  });

  test("an unknown connector is Connect's `Connector <name> not found`, and nothing changes", async () => {
    await using dir = await tempDir();
    const db = openDatabase(dir.path);
    storeConnector(db, "a/b");
    const before = stateOf(db, "a/b");
    db.close();

    const error = thrown(() => deleteConnectorOffline(dir.path, "a/c"));
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toBe("Connector a/c not found");
    const after = openDatabase(dir.path);
    expect(stateOf(after, "a/b")).toEqual(before);
    after.close();
  });

  test("without gateway.db it fails and creates nothing", async () => {
    await using dir = await tempDir();
    const dataDir = dir.file("data");
    const error = thrown(() => deleteConnectorOffline(dataDir, "a/b"));
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toBe(
      `The data file ${dataDir}/gateway.db does not exist: is data.dir=${dataDir} the gateway's?`,
    );
    expect(existsSync(dataDir)).toBe(false);
    expect(readdirSync(dir.path)).toEqual([]);
  });

  // opsfix2 item 5: it migrated an older file, which the older gateway then refused.
  test.each([
    ["older", LATEST - 1, "older than this gateway's"],
    ["newer", LATEST + 1, "newer than this gateway knows"],
  ])("a gateway.db with an %s schema is refused and left as it is, not migrated", async (_, version, says) => {
    await using dir = await tempDir();
    const path = dir.file("gateway.db");
    const file = new Database(path, { strict: true });
    file.run("PRAGMA journal_mode = WAL");
    migrate(
      file,
      path,
      migrations.filter((m) => m.version <= version),
    );
    new ConfigStore(file).putConfig("a/b", { "connector.class": "FileStreamSource", topic: "t" });
    file.run(`PRAGMA user_version = ${version}`);
    file.close();
    const before = readFileSync(path);
    const files = readdirSync(dir.path);

    const error = thrown(() => deleteConnectorOffline(dir.path, "a/b"));
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toStartWith(
      `The data file ${path} has schema version ${version}, ${says} (${LATEST})`,
    );
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir.path)).toEqual(files);
  });

  test("while a gateway holds gateway.db it fails as locked and changes nothing", async () => {
    await using dir = await tempDir();
    const running = openDatabase(dir.path);
    try {
      storeConnector(running, "a/b");
      const before = stateOf(running, "a/b");
      const error = thrown(() => deleteConnectorOffline(dir.path, "a/b"));
      expect(error).toBeInstanceOf(StoreLockedError);
      expect((error as Error).message).toBe(
        `The data file ${dir.path}/gateway.db is locked by another process: is another gateway running with data.dir=${dir.path}?`,
      );
      expect(stateOf(running, "a/b")).toEqual(before);
    } finally {
      running.close();
    }
  });
});
