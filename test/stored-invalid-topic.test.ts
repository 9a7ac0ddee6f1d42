/**
 * Explore F1 on upgrade: configs stored by an earlier gateway, before validation refused a
 * `kafka.topic` Kafka can never accept, written to gateway.db as that gateway left them. The
 * gateway starts them with a WARN naming the key and runs them as before (stored-config-warnings.ts):
 * the ingest connector in spool mode answers its devices and quarantines what can never be
 * delivered, the spool draining on, in kafka mode refuses the request (422); the HTTP source fails its task at its first send, the status
 * trace naming Kafka's InvalidTopicException.
 */
import { describe, expect, test } from "bun:test";
import { ConfigStore } from "../src/store/config-store.ts";
import { openDatabase } from "../src/store/database.ts";
import { ingestUrlOf, metric, startIngestGateway, taskState } from "./support/gateway.ts";
import { startApi } from "./support/http-api.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const BAD_TOPIC = "bad topic!";
const REFUSAL = `kafka.topic runs as before, though validation now refuses it: Invalid value ${BAD_TOPIC} for configuration kafka.topic: Topic name is invalid: '${BAD_TOPIC}' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'`;

describe("a config stored before validation refused its kafka.topic (explore F1)", () => {
  test("starts with a WARN naming the key; spooled ingest quarantines, kafka-mode ingest answers 422, the HTTP source fails naming InvalidTopicException", async () => {
    await using dir = await tempDir("stored-invalid-topic-");
    using api = startApi(() => Response.json([{ id: "e1" }]));
    const db = openDatabase(dir.file("data"));
    const store = new ConfigStore(db);
    store.putConfig("legacy-ingest", {
      name: "legacy-ingest",
      "connector.class": "HttpIngestSource",
      "ingest.path": "/ingest/legacy",
      "kafka.topic": BAD_TOPIC,
      "ingest.ack.mode": "spool",
    });
    store.putConfig("legacy-direct", {
      name: "legacy-direct",
      "connector.class": "HttpIngestSource",
      "ingest.path": "/ingest/direct",
      "kafka.topic": BAD_TOPIC,
      "ingest.ack.mode": "kafka",
    });
    store.putConfig("legacy-source", {
      name: "legacy-source",
      "connector.class": "HttpSource",
      "http.url": `${api.base}/events`,
      "kafka.topic": BAD_TOPIC,
      "http.timer.interval.ms": "60000",
      "http.response.records.path": "$[*]",
    });
    db.close();

    await using gw = (await startIngestGateway(dir)).gw;
    for (const name of ["legacy-ingest", "legacy-direct", "legacy-source"]) {
      await gw.waitForOutput(new RegExp(`Connector ${name}: kafka\\.topic runs as before`));
      const warned = gw
        .output()
        .split("\n")
        .filter((l) => l.includes(`Connector ${name}: kafka.topic`));
      expect(warned).toEqual([
        expect.stringMatching(new RegExp(`\\] WARN \\[${name}\\|worker\\] Connector ${name}: `)),
      ]);
      expect(warned[0]).toContain(`${REFUSAL} (org.apache.kafka.connect.runtime.Worker)`);
    }

    const ingest = await ingestUrlOf(gw);
    const post = (path: string) =>
      fetch(`${ingest}${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    await waitFor(async () => (await post("/ingest/legacy")).status === 200, { what: "the spooled route answering" });
    await waitFor(async () => (await metric(gw, "ingest_spool_quarantined_total", "legacy-ingest")) === 1, {
      what: "the spooled record quarantined",
    });
    expect(await metric(gw, "ingest_spool_records", "legacy-ingest")).toBe(0);
    expect(await taskState(gw, "legacy-ingest")).toBe("RUNNING");

    await waitFor(async () => (await post("/ingest/direct")).status !== 503, {
      what: "the kafka-mode route answering",
    });
    const refused = await post("/ingest/direct");
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain("INVALID_TOPIC_EXCEPTION");
    expect(await taskState(gw, "legacy-direct")).toBe("RUNNING");

    await waitFor(async () => (await taskState(gw, "legacy-source")) === "FAILED", { what: "the source task failed" });
    const status = await gw.rest.get("/connectors/legacy-source/status");
    expect(status.body.tasks[0].trace).toContain(
      "Caused by: org.apache.kafka.common.errors.InvalidTopicException: Invalid topics: [bad topic!]",
    );
    expect(status.body.tasks[0].trace).toContain("Failed to send records to Kafka: Invalid topics: [bad topic!]");
  }, 120_000);
});
