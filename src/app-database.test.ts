/**
 * startApp's gateway.db as an operator reads its log: an upgrade names each migration it applied
 * (through the app's io.edgegateway.store.Database logger), a new data directory none.
 */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { tempDir } from "../test/support/temp-dir.ts";
import { testApp } from "./app-test-support.ts";
import { DATABASE_FILE, migrate } from "./store/database.ts";
import { migrations } from "./store/migrations/index.ts";
import { LogManager } from "./util/logger.ts";

/** The lines about gateway.db's schema a start of the app on `dir` logs. */
async function schemaLines(dir: Awaited<ReturnType<typeof tempDir>>): Promise<string[]> {
  const lines: string[] = [];
  const app = testApp(dir, {}, { logs: new LogManager({ sink: (line) => void lines.push(line) }) });
  await app.stop();
  return lines.filter((line) => line.includes("schema version")).map((line) => line.slice(line.indexOf("INFO")));
}

// orphanfence review P2: a new gateway.db logged one "Migrated … from schema version 0 to N" line per migration.
describe("startApp's gateway.db", () => {
  test("a new data directory logs no migration", async () => {
    await using dir = await tempDir("app-database-");
    expect(await schemaLines(dir)).toEqual([]);
  });

  test("a file of an earlier release logs each migration applied to it", async () => {
    await using dir = await tempDir("app-database-");
    const earlier = migrations.slice(0, -1);
    const db = new Database(join(dir.path, DATABASE_FILE), { strict: true });
    migrate(db, DATABASE_FILE, earlier);
    db.close();
    const last = migrations.at(-1)!;
    expect(await schemaLines(dir)).toEqual([
      `INFO Migrated the data file ${join(dir.path, DATABASE_FILE)} from schema version ${earlier.at(-1)!.version} to ${last.version} (${last.name}) (io.edgegateway.store.Database)`,
    ]);
  });
});
