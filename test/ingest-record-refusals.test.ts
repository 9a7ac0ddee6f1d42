/**
 * P1.1 of the ingest security review, on the gateway (compiled binary when GATEWAY_BIN is set)
 * against the real broker: a record the broker refuses for good on its own (a topic whose
 * max.message.bytes is small: MESSAGE_TOO_LARGE; whose message.timestamp.after.max.ms is one
 * minute: INVALID_TIMESTAMP) fails the request that holds it, in the route's answer shape, and
 * never the ingest task: it stays RUNNING and the next request is written. In spool mode such a
 * record, already acknowledged to its device, moves to the spool's quarantine table and the drain
 * goes on, also when the record is still in the spool when the gateway starts again (the review
 * found the task FAILED at every start then). A v3 timestamp beyond ingest.timestamp.max.future.ms
 * is refused up front with 400.
 */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Kafka } from "kafkajs";
import { type Gateway, ingestUrlOf, metric, startGateway, startIngestGateway, taskState } from "./support/gateway.ts";
import { createTopicsOn, readAll, testClient, uniqueTopic } from "./support/kafka.ts";
import { outageIngestWorker, startOwnBroker } from "./support/own-broker.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const MAX_MESSAGE_BYTES = 2048;
const TOO_LARGE = JSON.stringify({ pad: "x".repeat(4 * MAX_MESSAGE_BYTES) });

/** A one-partition topic refusing records over MAX_MESSAGE_BYTES or more than a minute ahead. */
async function strictTopic(kafka: Kafka, prefix: string): Promise<string> {
  const topic = uniqueTopic(prefix);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await createTopicsOn(admin, [
      {
        topic,
        numPartitions: 1,
        configEntries: [
          { name: "max.message.bytes", value: String(MAX_MESSAGE_BYTES) },
          { name: "message.timestamp.after.max.ms", value: "60000" },
        ],
      },
    ]);
  } finally {
    await admin.disconnect();
  }
  return topic;
}

const json = (url: string, body: string, contentType = "application/json") =>
  fetch(url, { method: "POST", headers: { "Content-Type": contentType }, body });

const values = async (topic: string) => (await readAll(topic)).map((r) => r.value?.toString());

describe("records the broker refuses for good (P1.1)", () => {
  test.each(["platformatic", "kafkajs"])(
    "kafka mode (kafka.client=%s): the request holding one gets its error in its shape, the task stays RUNNING and the next request is written",
    async (client) => {
      const topic = await strictTopic(await testClient(), "refusals");
      await using dir = await tempDir("ingest-refusals-");
      await using gw = (await startIngestGateway(dir, { "kafka.client": client })).gw;
      const url = await ingestUrlOf(gw);
      const config = { "connector.class": "HttpIngestSource", "ingest.path": "/ingest/refusals", "kafka.topic": topic };
      expect((await gw.rest.post("/connectors", { name: "refusals", config })).status).toBe(201);
      await waitFor(async () => (await json(`${url}/ingest/refusals`, '{"n":0}')).status === 200, {
        what: "the route",
      });

      // The connector's own path: 413 (every refused record was too large), Kafka's error listed.
      const large = await json(`${url}/ingest/refusals`, TOO_LARGE);
      expect(large.status).toBe(413);
      const largeBody = (await large.json()) as {
        error_code: number;
        offsets: { error_code: number; error: string }[];
      };
      expect(largeBody.error_code).toBe(413);
      expect(largeBody.offsets[0]!.error_code).toBe(50002);
      expect(largeBody.offsets[0]!.error).toContain("MESSAGE_TOO_LARGE");
      expect(await taskState(gw, "refusals")).toBe("RUNNING");

      // REST Proxy v3: ten minutes ahead passes the gateway's hour of skew, the topic's minute not.
      const v3 = `${url}/v3/clusters/c/topics/${topic}/records`;
      const ahead = new Date(Date.now() + 600_000).toISOString();
      const late = await json(v3, JSON.stringify({ value: { type: "JSON", data: { n: 1 } }, timestamp: ahead }));
      expect(late.status).toBe(500);
      const lateBody = (await late.json()) as { error_code: number; message: string };
      expect(lateBody.error_code).toBe(50002);
      expect(lateBody.message).toContain("INVALID_TIMESTAMP");
      // Beyond ingest.timestamp.max.future.ms: refused up front, nothing sent to Kafka.
      const far = await json(
        v3,
        JSON.stringify({ value: { type: "JSON", data: { n: 2 } }, timestamp: "2099-01-01T00:00:00Z" }),
      );
      expect(far.status).toBe(400);
      expect(((await far.json()) as { error_code: number }).error_code).toBe(400);

      // REST Proxy v2: 200 with the refused record's own error, the other record written.
      const v2 = await json(
        `${url}/topics/${topic}`,
        JSON.stringify({ records: [{ value: JSON.parse(TOO_LARGE) }, { value: { n: 3 } }] }),
        "application/vnd.kafka.json.v2+json",
      );
      expect(v2.status).toBe(200);
      const offsets = ((await v2.json()) as { offsets: { error_code: number | null; error: string | null }[] }).offsets;
      expect(offsets[0]).toMatchObject({ error_code: 50002, error: expect.stringContaining("MESSAGE_TOO_LARGE") });
      expect(offsets[1]).toMatchObject({ error_code: null, error: null });

      expect((await json(`${url}/ingest/refusals`, '{"n":4}')).status).toBe(200);
      expect(await taskState(gw, "refusals")).toBe("RUNNING");
      expect(await values(topic)).toEqual(['{"n":0}', '{"n":3}', '{"n":4}']);
    },
    120_000,
  );

  test("spool mode: a refused record goes to the quarantine and the drain goes on, also when it is in the spool at the next start", async () => {
    await using dir = await tempDir("ingest-refusals-spool-");
    await using broker = await startOwnBroker(dir.file("kafka"));
    const topic = await strictTopic(broker.client(), "refusals-spool");
    const worker = outageIngestWorker(broker, dir.file("data"));
    const config = {
      "connector.class": "HttpIngestSource",
      "ingest.path": "/ingest/spooled",
      "kafka.topic": topic,
      "ingest.ack.mode": "spool",
    };
    const post = (url: string, body: string) => json(`${url}/ingest/spooled`, body);
    const drained = (gw: Gateway) =>
      waitFor(async () => (await metric(gw, "ingest_spool_records", "spooled")) === 0, { what: "the spool drained" });
    {
      // It stops with Kafka away: the spool task's stop cannot end and is abandoned after the
      // worker's graceful timeout, 1 s here instead of 5.
      await using gw = await startGateway({
        dir: dir.path,
        worker: { ...worker, "task.shutdown.graceful.timeout.ms": "1000" },
      });
      const url = await ingestUrlOf(gw);
      expect((await gw.rest.post("/connectors", { name: "spooled", config })).status).toBe(201);
      await waitFor(async () => (await post(url, '{"n":0}')).status === 200, { what: "the route" });
      // Acknowledged from the spool (the device cannot be told later), then refused by Kafka.
      expect((await post(url, TOO_LARGE)).status).toBe(200);
      expect((await post(url, '{"n":1}')).status).toBe(200);
      await drained(gw);
      expect(await metric(gw, "ingest_spool_quarantined_total", "spooled")).toBe(1);
      expect(gw.output()).toMatch(
        /WARN \[spooled\|task-0\] Kafka refused spooled record .* was moved to the spool's quarantine table/,
      );
      expect(await taskState(gw, "spooled")).toBe("RUNNING");

      // Kafka away: records wait in the spool, the refused one among them, across a restart.
      await broker.stop();
      expect((await post(url, '{"n":2}')).status).toBe(200);
      expect((await post(url, TOO_LARGE)).status).toBe(200);
      expect((await post(url, '{"n":3}')).status).toBe(200);
      expect(await metric(gw, "ingest_spool_records", "spooled")).toBe(3);
    }
    await broker.restart();
    {
      await using gw = await startGateway({ dir: dir.path, worker });
      const url = await ingestUrlOf(gw);
      await drained(gw);
      expect(await taskState(gw, "spooled")).toBe("RUNNING");
      expect((await post(url, '{"n":4}')).status).toBe(200);
      await drained(gw);
      expect(await metric(gw, "ingest_spool_quarantined_total", "spooled")).toBe(1);
      expect(await taskState(gw, "spooled")).toBe("RUNNING");
    }
    const consumer = broker.client().consumer({ groupId: `check-${topic}` });
    const seen: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    await waitFor(() => seen.length >= 5, { what: "five records" });
    await consumer.disconnect();
    expect(seen).toEqual(['{"n":0}', '{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}']);
    const db = new Database(join(dir.file("data"), "spool.db"), { readonly: true });
    const rows = db.query("SELECT topic, kafka_error FROM spool_quarantine ORDER BY seq").all();
    db.close();
    expect(rows).toEqual([
      { topic, kafka_error: "MESSAGE_TOO_LARGE" },
      { topic, kafka_error: "MESSAGE_TOO_LARGE" },
    ]);
  }, 300_000);
});
