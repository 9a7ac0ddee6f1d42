/**
 * The worker's ingest.spool.page.size on the gateway (compiled binary when GATEWAY_BIN is set), on
 * the shared broker: the spool file it creates has that page size (explore5 E2: every group commit
 * writes at least three whole pages, so 4 KiB pages write a quarter of the default 16 KiB ones),
 * and records spooled in it reach Kafka.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startIngestGateway } from "./support/gateway.ts";
import { readAll, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

describe("ingest.spool.page.size", () => {
  test("a new spool file gets the worker's page size, and its records are delivered", async () => {
    await using dir = await tempDir("ingest-spool-page-size-");
    const topic = uniqueTopic("spool-page-size");
    const data = dir.file("data");
    const started = await startIngestGateway(dir, { "ingest.spool.page.size": "4096" });
    await using gw = started.gw;
    const url = started.ingest;
    const config = {
      "connector.class": "HttpIngestSource",
      "ingest.path": "/ingest/paged",
      "kafka.topic": topic,
      "ingest.ack.mode": "spool",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
    };
    expect((await gw.rest.post("/connectors", { name: "paged", config })).status).toBe(201);
    const post = async (n: number) => {
      const response = await fetch(`${url}/ingest/paged`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ n }),
      });
      await response.arrayBuffer();
      return response.status;
    };
    await waitFor(async () => (await post(1)) === 200, { what: "the spool route" });
    // The WAL header's page size (big-endian at byte 8): the gateway holds the file locked.
    const wal = readFileSync(join(data, "spool.db-wal"));
    expect(wal.readUInt32BE(8)).toBe(4096);
    const values = await waitFor(
      async () => {
        const records = await readAll(topic);
        return records.length > 0 ? records.map((r) => JSON.parse(r.value!.toString())) : undefined;
      },
      { what: "the spooled record in Kafka" },
    );
    expect(values[0]).toEqual({ n: 1 });
  }, 120_000);
});
