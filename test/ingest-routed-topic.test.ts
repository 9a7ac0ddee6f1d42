/**
 * explore12 F1: on an ingest connector whose transformation changes a record's topic (RegexRouter
 * here, under a RecordIsTombstone predicate, so one request splits across the connector's topic and
 * another), every answer named the connector's `kafka.topic` with the partition and offset the
 * record got in the other topic: a client correlating the answer with Kafka read another record.
 * Now the native answer names the topic in each entry written elsewhere, v3 reports the record's own
 * `topic_name`, v2 (REST Proxy's shape, no topic) gives the routed topic's offsets; an
 * Idempotency-Key replays that answer, also after a restart. Either kafka.client; real broker, gateway
 * as a process (the compiled binary when GATEWAY_BIN is set).
 */
import { expect, test } from "bun:test";
import { concatenatedJsonTexts } from "../src/ingest/json-text.ts";
import { createIngestConnector, type Gateway, startIngestGateway } from "./support/gateway.ts";
import { createTopic, readTopic, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const post = (url: string, body: string, contentType = "application/json", headers: Record<string, string> = {}) =>
  fetch(url, { method: "POST", headers: { "Content-Type": contentType, ...headers }, body });

const json = async (response: Response) => [response.status, await response.json()];

test.each(["platformatic", "kafkajs"])(
  "kafka.client=%s: a record a RegexRouter writes to another topic is answered with that topic on every path, and replayed so after a restart",
  async (client) => {
    const topic = uniqueTopic("routed-from");
    const routed = uniqueTopic("routed-to");
    await createTopic(topic);
    await createTopic(routed);
    await using dir = await tempDir("ingest-routed-topic-");
    const started = await startIngestGateway(dir, { "kafka.client": client });
    let gw: Gateway = started.gw;
    try {
      await createIngestConnector(gw, "routed", {
        "ingest.path": "/ingest/routed",
        "kafka.topic": topic,
        transforms: "route",
        "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
        "transforms.route.regex": ".*",
        "transforms.route.replacement": routed,
        "transforms.route.predicate": "tomb",
        predicates: "tomb",
        "predicates.tomb.type": "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
      });
      const native = `${started.ingest}/ingest/routed`;
      const at = (t: string | undefined, offset: number) => ({
        ...(t === undefined ? {} : { topic: t }),
        partition: 0,
        offset,
        timestamp: expect.any(Number),
      });

      // The native path: an array split across the two topics; then one tombstone alone (the one-record answer).
      expect(await json(await post(native, '[{"v":1},null,{"v":2},null]'))).toEqual([
        200,
        { topic, offsets: [at(undefined, 0), at(routed, 0), at(undefined, 1), at(routed, 1)] },
      ]);
      const keyed = () => post(native, "null", "application/json", { "Idempotency-Key": "routed-1" });
      const single = await keyed();
      const singleText = await single.text();
      expect([single.status, JSON.parse(singleText)]).toEqual([200, { topic, offsets: [at(routed, 2)] }]);

      // REST Proxy v2: its shape has no topic; the offsets are those in the topic each record was written to.
      expect(
        await json(
          await post(
            `${started.ingest}/topics/${topic}`,
            '{"records":[{"value":{"v":3}},{"value":null}]}',
            "application/vnd.kafka.json.v2+json",
          ),
        ),
      ).toEqual([
        200,
        {
          offsets: [
            { partition: 0, offset: 2, error_code: null, error: null },
            { partition: 0, offset: 3, error_code: null, error: null },
          ],
          key_schema_id: null,
          value_schema_id: null,
        },
      ]);

      // REST Proxy v3: one record, concatenated records, a batch.
      const v3 = `${started.ingest}/v3/clusters/c1/topics/${topic}/records`;
      const report = (t: string, offset: number, value = false) => ({
        cluster_id: "c1",
        topic_name: t,
        partition_id: 0,
        offset,
        timestamp: expect.any(String),
        ...(value ? { value: { type: "JSON", size: 7 } } : {}),
      });
      expect(await json(await post(v3, '{"value":{"type":"JSON","data":null}}'))).toEqual([
        200,
        { error_code: 200, ...report(routed, 4) },
      ]);
      const stream = await post(
        v3,
        '{"value":{"type":"JSON","data":{"v":4}}}{"value":{"type":"JSON","data":null}}',
        "application/json",
      );
      expect(stream.status).toBe(200);
      expect(concatenatedJsonTexts(await stream.text()).map((t) => JSON.parse(t))).toEqual([
        { error_code: 200, ...report(topic, 3, true) },
        { error_code: 200, ...report(routed, 5) },
      ]);
      expect(
        await json(
          await post(
            `${v3}:batch`,
            '{"entries":[{"id":"1","value":{"type":"JSON","data":{"v":5}}},{"id":"2","value":{"type":"JSON","data":null}}]}',
          ),
        ),
      ).toEqual([
        207,
        {
          successes: [
            { id: "1", ...report(topic, 4, true) },
            { id: "2", ...report(routed, 6) },
          ],
          failures: [],
        },
      ]);

      // Kafka holds what the answers say.
      const values = (records: { offset: string; value: Buffer | null }[]) =>
        records.map((r) => [Number(r.offset), r.value?.toString() ?? null]);
      expect(values(await readTopic(topic, 5))).toEqual([
        [0, '{"v":1}'],
        [1, '{"v":2}'],
        [2, '{"v":3}'],
        [3, '{"v":4}'],
        [4, '{"v":5}'],
      ]);
      expect(values(await readTopic(routed, 7))).toEqual([0, 1, 2, 3, 4, 5, 6].map((o) => [o, null]));

      // The Idempotency-Key's stored answer names the routed topic, after a restart too.
      expect(await gw.stop()).toBe(0);
      const restarted = await startIngestGateway(dir, { "kafka.client": client });
      gw = restarted.gw;
      const replay = await waitFor(
        async () => {
          const r = await post(`${restarted.ingest}/ingest/routed`, "null", "application/json", {
            "Idempotency-Key": "routed-1",
          });
          return r.status === 200 ? r : false;
        },
        { what: "the route open again" },
      );
      expect([replay.headers.get("Idempotent-Replayed"), await replay.text()]).toEqual(["true", singleText]);
    } finally {
      await gw.stop();
    }
  },
  120_000,
);
