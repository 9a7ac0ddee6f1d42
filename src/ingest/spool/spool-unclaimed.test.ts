import { describe, expect, test } from "bun:test";
import { tempDir } from "../../../test/support/temp-dir.ts";
import { SpoolStore } from "../../store/spool-store.ts";
import { LogManager } from "../../util/logger.ts";
import { spoolMode } from "./spool-config.ts";
import { warnUnclaimedSpool } from "./spool-unclaimed.ts";

const spool = { "connector.class": "HttpIngestSource", "ingest.ack.mode": "spool" };

describe("warnUnclaimedSpool", () => {
  test("one WARN per partition with rows no spool connector drains, naming it, its records and bytes", async () => {
    await using dir = await tempDir("spool-unclaimed-");
    const before = await SpoolStore.open(dir.path);
    await before.append("deleted", [new Uint8Array(100), new Uint8Array(20)]);
    await before.append("now-kafka-mode", [new Uint8Array(7)]);
    await before.append("live", [new Uint8Array(50)]);
    await before.close();

    const store = await SpoolStore.open(dir.path, { totalMaxBytes: 1000 });
    const lines: string[] = [];
    const configs: Record<string, Record<string, string>> = {
      live: spool,
      "now-kafka-mode": { "connector.class": "HttpIngestSource" },
    };
    warnUnclaimedSpool(store, (name) => configs[name], new LogManager({ sink: (l) => lines.push(l) }).get("spool"));
    expect(lines.map((l) => l.replace(/^\[[^\]]+\] /, ""))).toEqual([
      "WARN The spool file holds 2 records (120 bytes) of connector deleted, which does not exist (deleted?): no task drains them and count in ingest.spool.total.max.bytes=1000. Create a connector named deleted with ingest.ack.mode=spool to send them to Kafka (spool)",
      "WARN The spool file holds 1 records (7 bytes) of connector now-kafka-mode, which does not run in ingest.ack.mode=spool now: no task drains them and count in ingest.spool.total.max.bytes=1000. Run now-kafka-mode in ingest.ack.mode=spool again to send them to Kafka (spool)",
    ]);
    await store.close();
  });

  test("nothing when every partition with rows has its spool connector, or the file is empty", async () => {
    await using dir = await tempDir("spool-unclaimed-");
    const store = await SpoolStore.open(dir.path);
    const lines: string[] = [];
    const log = new LogManager({ sink: (l) => lines.push(l) }).get("spool");
    warnUnclaimedSpool(store, () => undefined, log);
    await store.append("live", [new Uint8Array(5)]);
    warnUnclaimedSpool(store, () => ({ "ingest.ack.mode": " spool " }), log);
    expect(lines).toEqual([]);
    await store.close();
  });

  test.each([
    ["no connector", undefined, false],
    ["no ingest.ack.mode (kafka)", {}, false],
    ["ingest.ack.mode=kafka", { "ingest.ack.mode": "kafka" }, false],
    ["ingest.ack.mode=spool", { "ingest.ack.mode": "spool" }, true],
  ] as const)("spoolMode: %s → %p", (_, config, drains) => {
    expect(spoolMode(config)).toBe(drains);
  });
});
