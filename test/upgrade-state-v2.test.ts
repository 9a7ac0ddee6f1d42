/**
 * An upgrade in place over the state an older gateway left (test/fixtures/state-v2, made by the
 * binary of a62520b: gateway.db schema 2, spool.db schema 1 holding 20 acknowledged device records
 * in record layout 1, see its generate.ts). The current gateway (the compiled binary when
 * GATEWAY_BIN is set) migrates both files and keeps every connector, config and offset: the file
 * source resumes at byte 21, the spooled records reach Kafka once each, in order per key, and a
 * device's retry with an Idempotency-Key stored before answers the original response (it answered
 * 422 on this route, which maps the key header, before the fix). The migrated files then carry
 * the new schema versions, which a gateway that knows fewer refuses.
 */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { migrations } from "../src/store/migrations/index.ts";
import { spoolMigrations } from "../src/store/migrations/spool.ts";
import expected from "./fixtures/state-v2/expected.json";
import { type Gateway, ingestUrlOf, metric, startIngestGateway } from "./support/gateway.ts";
import { createTopic, readAll, testClient } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

/** Each partition's end offset now: what the test counts from (the fixture's topics are fixed names). */
async function ends(topic: string): Promise<Map<number, number>> {
  await createTopic(topic);
  const admin = (await testClient()).admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  } finally {
    await admin.disconnect();
  }
}

/** The values written to `topic` past `from`, in offset order per partition. */
async function writtenSince(topic: string, from: Map<number, number>): Promise<string[]> {
  return (await readAll(topic))
    .filter((r) => Number(r.offset) >= (from.get(r.partition) ?? 0))
    .map((r) => r.value!.toString());
}

function schemaVersion(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
  } finally {
    db.close();
  }
}

/**
 * The fixture's keys were stored with the default window (24 h after the fixture was made, on
 * 2026-12-02): in the copy they are kept for 100 years more, so the upgrade's check of them does not
 * depend on the day the test runs (the file is otherwise as the old gateway left it).
 */
function keepIdempotencyKeys(file: string): void {
  const db = new Database(file);
  try {
    db.run("UPDATE ingest_idempotency SET expires_at = expires_at + 3153600000000");
  } finally {
    db.close();
  }
}

async function post(gw: Gateway, n: number, key: string) {
  const response = await fetch(`${await ingestUrlOf(gw)}${expected.connectors.devices["ingest.path"]}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Kafka-Key": `device-${n % 3}`, "Idempotency-Key": key },
    body: JSON.stringify({ n }),
  });
  return {
    status: response.status,
    replayed: response.headers.get("Idempotent-Replayed"),
    body: await response.text(),
  };
}

describe("upgrading over the state of an older gateway (gateway.db 2, spool.db 1)", () => {
  test("keeps connectors, configs, offsets and Idempotency-Keys; delivers the spooled records once, in order", async () => {
    await using dir = await tempDir("upgrade-state-v2-");
    cpSync(join(import.meta.dir, "fixtures", "state-v2", "data"), dir.file("data"), { recursive: true });
    keepIdempotencyKeys(dir.file("data/gateway.db"));
    writeFileSync(dir.file("in.txt"), "line-1\nline-2\nline-3\nline-4\n");
    const lines = await ends(expected.topics.file);
    const devices = await ends(expected.topics.spool);
    const worker = { "offset.flush.interval.ms": "200" };
    let gw = (await startIngestGateway(dir, worker)).gw;
    await using _stop = { [Symbol.asyncDispose]: async () => void (gw.proc.exitCode === null && (await gw.stop())) };

    const listed = (await gw.rest.get("/connectors?expand=info")).body as Record<string, { info: { config: object } }>;
    expect(Object.keys(listed).sort()).toEqual(Object.keys(expected.connectors).sort());
    for (const [name, config] of Object.entries(expected.connectors))
      expect(listed[name]!.info.config).toEqual({ ...config, name });
    // Each in the target state it was stored with: file-paused was paused by the old gateway.
    const states = async () =>
      Object.entries((await gw.rest.get("/connectors?expand=status")).body as Record<string, any>)
        .map(([name, c]) => `${name} ${c.status.connector.state} ${c.status.tasks.map((t: any) => t.state)}`)
        .sort();
    const running = (name: string) => `${name} RUNNING RUNNING`;
    const want = ["devices", "file-in", "file-out"].map(running).concat("file-paused PAUSED PAUSED").sort();
    await waitFor(async () => JSON.stringify(await states()) === JSON.stringify(want), {
      what: `the connectors' states ${want}`,
      timeoutMs: 30_000,
    });

    for (const [key, first] of Object.entries(expected.answers))
      expect(await post(gw, first.n, key)).toEqual({ status: first.status, replayed: "true", body: first.body });
    expect((await post(gw, 99, "device-key-2")).status).toBe(422);

    await waitFor(async () => (await metric(gw, "ingest_spool_records", "devices")) === 0, {
      what: "the spool drained",
      timeoutMs: 60_000,
    });
    // The source resumed at the stored offset (byte 21): only the line added after it.
    await waitFor(async () => (await writtenSince(expected.topics.file, lines)).length > 0, { what: "line-4" });
    await waitFor(
      async () => (await gw.rest.get("/connectors/file-in/offsets")).body.offsets?.[0]?.offset?.position === 28,
      { what: "file-in's offset past line-4" },
    );
    expect(await gw.stop()).toBe(0);

    expect(await writtenSince(expected.topics.file, lines)).toEqual(["line-4"]);
    const delivered = (await writtenSince(expected.topics.spool, devices)).map((v) => JSON.parse(v).n as number);
    expect(delivered.toSorted((a, b) => a - b)).toEqual(expected.spooled);
    for (const key of [0, 1, 2])
      expect(delivered.filter((n) => n % 3 === key)).toEqual(expected.spooled.filter((n) => n % 3 === key));

    // Migrated: a gateway that knows fewer schema versions refuses the files (database.ts, spool-file.ts).
    expect(schemaVersion(dir.file("data/gateway.db"))).toBe(migrations.at(-1)!.version);
    expect(schemaVersion(dir.file("data/spool.db"))).toBe(spoolMigrations.at(-1)!.version);
    // A restart on the migrated state sends nothing again.
    gw = (await startIngestGateway(dir, worker)).gw;
    await waitFor(async () => (await metric(gw, "ingest_spool_records", "devices")) === 0, { what: "the spool" });
    expect(await gw.stop()).toBe(0);
    expect((await writtenSince(expected.topics.spool, devices)).length).toBe(expected.spooled.length);
  }, 120_000);
});
