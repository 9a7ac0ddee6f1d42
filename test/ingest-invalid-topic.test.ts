/**
 * Explore F1 on the gateway against the real broker: a spooled record whose topic Kafka refuses as
 * a name (INVALID_TOPIC_EXCEPTION; here a RegexRouter under a HasHeaderKey predicate routes the
 * requests carrying X-Bad to `bad topic!`) was answered 200 "spooled" and can never be delivered:
 * it goes to the spool's quarantine and the drain goes on, with either client. Before, the drainer
 * failed on it at every start and the spool never drained. In kafka ack mode the request holding
 * such a record is answered with the refusal and the task stays RUNNING.
 */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ingestUrlOf, metric, startIngestGateway, taskState } from "./support/gateway.ts";
import { readAll, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const BAD_TOPIC = "bad topic!";

/** An ingest connector routing the requests with an X-Bad header to BAD_TOPIC. */
const routing = (topic: string, path: string, mode: string) => ({
  "connector.class": "HttpIngestSource",
  "ingest.path": path,
  "kafka.topic": topic,
  "ingest.ack.mode": mode,
  "ingest.headers.allowlist": "X-Bad",
  transforms: "route",
  "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
  "transforms.route.regex": ".*",
  "transforms.route.replacement": BAD_TOPIC,
  "transforms.route.predicate": "bad",
  predicates: "bad",
  "predicates.bad.type": "org.apache.kafka.connect.transforms.predicates.HasHeaderKey",
  "predicates.bad.name": "X-Bad",
});

const post = (url: string, body: string, bad = false) =>
  fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(bad ? { "X-Bad": "1" } : {}) },
    body,
  });

describe("a record whose topic Kafka refuses as a name (explore F1)", () => {
  test.each(["platformatic", "kafkajs"])(
    "kafka.client=%s: spooled, it goes to the quarantine and the drain goes on; in kafka mode its request is refused and the task stays RUNNING",
    async (client) => {
      await using dir = await tempDir("ingest-invalid-topic-");
      await using gw = (await startIngestGateway(dir, { "kafka.client": client })).gw;
      const url = await ingestUrlOf(gw);
      const topic = uniqueTopic("invalid-topic");

      const config = routing(topic, "/ingest/spooled", "spool");
      expect((await gw.rest.post("/connectors", { name: "spooled", config })).status).toBe(201);
      const spooled = `${url}/ingest/spooled`;
      await waitFor(async () => (await post(spooled, '{"n":0}')).status === 200, { what: "the route" });
      expect((await post(spooled, '{"n":1}', true)).status).toBe(200);
      expect((await post(spooled, '{"n":2}')).status).toBe(200);
      await waitFor(async () => (await metric(gw, "ingest_spool_records", "spooled")) === 0, {
        what: "the spool drained",
      });
      expect(await metric(gw, "ingest_spool_quarantined_total", "spooled")).toBe(1);
      expect(await taskState(gw, "spooled")).toBe("RUNNING");
      await waitFor(async () => (await readAll(topic)).length === 2, { what: "the two other records" });
      expect((await readAll(topic)).map((r) => r.value?.toString())).toEqual(['{"n":0}', '{"n":2}']);

      const direct = routing(topic, "/ingest/direct", "kafka");
      expect((await gw.rest.post("/connectors", { name: "direct", config: direct })).status).toBe(201);
      const path = `${url}/ingest/direct`;
      await waitFor(async () => (await post(path, '{"n":3}')).status === 200, { what: "the route" });
      const refused = await post(path, '{"n":4}', true);
      expect(refused.status).toBe(422);
      // explore16 F4: the answer names the topic Kafka refused, as Java's producer does.
      const answer = await refused.text();
      expect(answer).toContain("INVALID_TOPIC_EXCEPTION");
      expect(answer).toContain("Invalid topics: [bad topic!]");
      expect(await taskState(gw, "direct")).toBe("RUNNING");
      expect((await post(path, '{"n":5}')).status).toBe(200);

      expect(await gw.stop()).toBe(0);
      const db = new Database(join(dir.file("data"), "spool.db"), { readonly: true });
      const rows = db.query("SELECT topic, kafka_error FROM spool_quarantine").all();
      db.close();
      // The record as it was spooled: its topic before the transformation.
      expect(rows).toEqual([{ topic, kafka_error: "INVALID_TOPIC_EXCEPTION" }]);
    },
    120_000,
  );
});
