/**
 * The ingest spool on a disk that really fills up (ENOSPC on a small tmpfs: root, as CI runs;
 * test/support/small-volume.ts), on the gateway (compiled binary when GATEWAY_BIN is set) with the
 * test's own broker, stopped meanwhile: requests are acknowledged into the spool while Kafka is
 * away; once the volume is full a request is refused with 503, Retry-After and the spool's message,
 * never a 200; the broker comes back while the disk is still full and every acknowledged record
 * reaches Kafka (deletes of delivered rows fail meanwhile, the task stays RUNNING); once the volume
 * has room again requests are accepted again, delivered, and the spool empties.
 */
import { describe, expect, test } from "bun:test";
import { type Gateway, ingestUrlOf, startGateway } from "./support/gateway.ts";
import { uniqueTopic } from "./support/kafka.ts";
import { outageIngestWorker, readOwnTopic, startOwnBroker } from "./support/own-broker.ts";
import { smallVolume } from "./support/small-volume.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const PAD = "x".repeat(1000);

async function post(url: string, n: number): Promise<Response> {
  const response = await fetch(`${url}/ingest/spooled`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ n, pad: PAD }),
  });
  await response.clone().arrayBuffer();
  return response;
}

async function spoolRecords(gw: Gateway): Promise<number> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  return Number(/ingest_spool_records\{connector="spooled"\} (\d+)/.exec(text)?.[1] ?? Number.NaN);
}

describe("the ingest spool on a full disk", () => {
  test("refuses with 503 once the disk is full, never 200; everything acknowledged reaches Kafka; accepts again once there is room", async () => {
    await using dir = await tempDir("ingest-spool-disk-full-");
    await using volume = smallVolume(dir.file("volume"), 8 * 1024 * 1024);
    await using broker = await startOwnBroker(dir.file("kafka"));
    const topic = uniqueTopic("spool-disk-full");
    await using gw = await startGateway({
      dir: dir.path,
      worker: outageIngestWorker(broker, `${volume.path}/data`),
    });
    const url = await ingestUrlOf(gw);
    const config = {
      "connector.class": "HttpIngestSource",
      "ingest.path": "/ingest/spooled",
      "kafka.topic": topic,
      "ingest.ack.mode": "spool",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
    };
    expect((await gw.rest.post("/connectors", { name: "spooled", config })).status).toBe(201);
    const acked: number[] = [];
    await waitFor(async () => (await post(url, 0)).status === 200, { what: "the spool route" });
    acked.push(0);

    await broker.stop();
    for (let n = 1; n <= 20; n++) {
      expect((await post(url, n)).status).toBe(200);
      acked.push(n);
    }
    volume.fill();
    let refused: Response | undefined;
    let refusedN = -1;
    for (let n = 21; !refused && n <= 100; n++) {
      const response = await post(url, n);
      if (response.status === 200) acked.push(n);
      else [refused, refusedN] = [response, n];
    }
    expect(refused?.status).toBe(503);
    expect(refused?.headers.get("Retry-After")).not.toBeNull();
    expect(await refused?.json()).toEqual({
      error_code: 503,
      message: "The spool could not store the records: database or disk is full",
    });

    await broker.restart();
    const delivered = async () => (await readOwnTopic(broker, topic)).map((r) => JSON.parse(r.value).n as number);
    await waitFor(async () => (await delivered()).length >= acked.length, {
      what: "every acknowledged record in Kafka, the disk still full",
      timeoutMs: 60_000,
    });
    expect((await gw.rest.get("/connectors/spooled/status")).body.tasks[0].state).toBe("RUNNING");

    volume.free();
    const later = 1000;
    await waitFor(async () => (await post(url, later)).status === 200, { what: "a request accepted again" });
    acked.push(later);
    await waitFor(async () => (await spoolRecords(gw)) === 0, { what: "the spool emptied", timeoutMs: 30_000 });
    const inKafka = await delivered();
    expect([...new Set(inKafka)].sort((a, b) => a - b)).toEqual(acked.sort((a, b) => a - b));
    expect(inKafka).not.toContain(refusedN);
    expect(await gw.stop()).toBe(0);
    // Its own broker starts twice (a JVM each, up to 120 s each under load), as in the other
    // own-broker tests: CI's 60 s per test is not enough for it on a loaded machine.
  }, 300_000);
});
