/**
 * The gateway (compiled binary when GATEWAY_BIN is set) with data.dir on a disk that fails under it
 * and goes read-only (an ext4 error with errors=remount-ro, on a loop-mounted image: root, as CI
 * runs; test/support/small-volume.ts): a REST write answers 500 in Connect's shape with a message
 * that names the state store and its volume (not SQLite's bare "disk I/O error") and is not
 * applied; the spool refuses appends with 503; the running connectors go on. Once the file system
 * is repaired, a restart finds the configs from before (not the refused one) and the records
 * acknowledged before the failure are in Kafka.
 */
import { describe, expect, test } from "bun:test";
import { ingestUrlOf, startIngestGateway } from "./support/gateway.ts";
import { readAll, uniqueTopic } from "./support/kafka.ts";
import { failingVolume } from "./support/small-volume.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const post = (url: string, n: number) =>
  fetch(`${url}/ingest/spooled`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ n }),
  });

describe("a data.dir that goes read-only", () => {
  test("REST writes answer 500 naming the state store's volume, the spool 503; after a repair and a restart nothing is lost", async () => {
    await using dir = await tempDir("state-read-only-");
    await using volume = failingVolume(dir.path, 32 * 1024 * 1024);
    const topic = uniqueTopic("read-only");
    const worker = { "data.dir": `${volume.path}/data`, "offset.flush.interval.ms": "200" };
    const spooled = {
      "connector.class": "HttpIngestSource",
      "ingest.path": "/ingest/spooled",
      "kafka.topic": topic,
      "ingest.ack.mode": "spool",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
    };
    const other = { "connector.class": "FileStreamSource", file: dir.file("none.txt"), topic: `${topic}-other` };
    {
      await using gw = (await startIngestGateway(dir, worker)).gw;
      expect((await gw.rest.put("/connectors/spooled/config", spooled)).status).toBe(201);
      expect((await gw.rest.put("/connectors/other/config", other)).status).toBe(201);
      const url = await ingestUrlOf(gw);
      await waitFor(async () => (await post(url, 0)).status === 200, { what: "the spool route" });
      for (let n = 1; n <= 3; n++) expect((await post(url, n)).status).toBe(200);

      volume.fail();
      const refused = await gw.rest.put("/connectors/refused/config", other);
      expect(refused.status).toBe(500);
      expect(refused.body.error_code).toBe(500);
      expect(refused.body.message).toMatch(
        /^The worker's state store in data\.dir failed on its volume \(SQLITE_(IOERR|READONLY|CANTOPEN)[A-Z_]*: [^)]+\), so the request could not be completed\. The volume of data\.dir may be read-only or failing: check it and retry\.$/,
      );
      const pause = await gw.rest.put("/connectors/other/pause");
      expect(pause.status).toBe(500);
      expect(pause.body.message).toStartWith("The worker's state store in data.dir failed on its volume (");
      const spoolRefused = await post(url, 4);
      expect(spoolRefused.status).toBe(503);
      expect(spoolRefused.headers.get("Retry-After")).not.toBeNull();
      expect(((await spoolRefused.json()) as { message: string }).message).toStartWith(
        "The spool could not store the records: ",
      );
      expect((await gw.rest.get("/connectors")).body.sort()).toEqual(["other", "spooled"]);
      for (const name of ["other", "spooled"]) {
        const status = (await gw.rest.get(`/connectors/${name}/status`)).body;
        expect([status.connector.state, status.tasks[0].state]).toEqual(["RUNNING", "RUNNING"]);
      }
      expect(await gw.stop()).toBe(0);
    }

    volume.repair();
    {
      await using gw = (await startIngestGateway(dir, worker)).gw;
      expect((await gw.rest.get("/connectors")).body.sort()).toEqual(["other", "spooled"]);
      const url = await ingestUrlOf(gw);
      await waitFor(async () => (await post(url, 5)).status === 200, { what: "the spool route again" });
      // Records delivered after the failure may come again (their deletes and offsets could not be
      // stored): duplicates, never losses.
      const values = await waitFor(async () => {
        const n = (await readAll(topic)).map((r) => JSON.parse(r.value!.toString()).n as number);
        return n.includes(5) && n;
      });
      expect([...new Set(values)].sort()).toEqual([0, 1, 2, 3, 5]);
    }
  });
});
