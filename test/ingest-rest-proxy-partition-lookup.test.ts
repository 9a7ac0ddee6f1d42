/**
 * REST Proxy requests naming a partition (v2 `…/partitions/{p}` and a record's `partition`, v3
 * `partition_id` in a record and in `records:batch`), both Kafka clients, on the real broker: a
 * partition the gateway's last count of the topic lacks is looked up again before it is answered
 * 404 (explore4 J1: a topic missing or smaller when first asked was answered 404 for 30 s after it
 * was created or grew, and devices dropped the records). A topic that does not exist is REST Proxy's
 * 40401 "Topic not found.", a partition it lacks 40402 "Partition not found.", except partition 0
 * where the brokers create topics (the shared broker does: auto.create.topics.enable=true): the
 * topic is created and written, as by REST Proxy's producer.
 */
import { describe, expect, test } from "bun:test";
import { curlPost } from "./support/curl.ts";
import { createIngestConnector } from "./support/gateway.ts";
import { createTopic, partitionEnds, readTopic, testClient, uniqueTopic } from "./support/kafka.ts";
import { suiteGateway } from "./support/suite-gateway.ts";
import { waitFor } from "./support/wait-for.ts";

const V2 = "application/vnd.kafka.json.v2+json";

/** Grows `topic` to `count` partitions and waits until the broker's metadata shows them. */
async function growTopic(topic: string, count: number): Promise<void> {
  const admin = (await testClient()).admin();
  await admin.connect();
  try {
    await admin.createPartitions({ topicPartitions: [{ topic, count }] });
    await waitFor(
      async () => (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions.length === count,
      { what: `${topic} with ${count} partitions` },
    );
  } finally {
    await admin.disconnect();
  }
}

/** The four REST Proxy shapes naming partition `p` of `topic`, each answering [status, what it says of the record]. */
function shapes(ingest: string, topic: string) {
  const v3 = `${ingest}/v3/clusters/c/topics/${topic}`;
  const v2Answer = async (url: string, body: string): Promise<[number, unknown]> => {
    const r = await curlPost(url, body, V2);
    return [r.status, r.status === 200 ? r.json().offsets[0] : r.json()];
  };
  return {
    v2Path: (p: number, value: string) =>
      v2Answer(`${ingest}/topics/${topic}/partitions/${p}`, JSON.stringify({ records: [{ value }] })),
    v2Record: (p: number, value: string) =>
      v2Answer(`${ingest}/topics/${topic}`, JSON.stringify({ records: [{ value, partition: p }] })),
    v3: async (p: number, value: string): Promise<[number, unknown]> => {
      const body = JSON.stringify({ partition_id: p, value: { type: "JSON", data: value } });
      const r = await curlPost(`${v3}/records`, body, "application/json");
      const json = r.json();
      return [r.status, r.status === 200 ? { partition_id: json.partition_id, error_code: json.error_code } : json];
    },
    v3Batch: async (p: number, value: string): Promise<[number, unknown]> => {
      const body = JSON.stringify({ entries: [{ id: "e", partition_id: p, value: { type: "JSON", data: value } }] });
      const r = await curlPost(`${v3}/records:batch`, body, "application/json");
      const json = r.json();
      return [r.status, json.failures[0] ?? { partition_id: json.successes[0].partition_id }];
    },
  };
}

const CLIENTS = ["kafkajs", "platformatic"] as const;
const suites = Object.fromEntries(
  CLIENTS.map((client) => [client, suiteGateway({ "ingest.listeners": "http://127.0.0.1:0", "kafka.client": client })]),
);

// Every case has a connector, route and topic of its own on its client's gateway, and mostly waits (look-ups, topics
// growing): they all run at once.
describe("REST Proxy partition look-ups", () => {
  test.concurrent.each(CLIENTS)(
    "kafka.client=%s: a topic created or grown after a request found it missing or smaller is written at once (explore4 J1)",
    async (client) => {
      const suite = suites[client]!;
      const topic = uniqueTopic(`partition-lookup-${client}`);
      await createIngestConnector(suite.gw, `lookup-${client}`, {
        "ingest.path": "/lookup",
        "kafka.topic": topic,
        "ingest.rest.proxy.enable": "true",
      });
      const s = shapes(suite.ingest, topic);
      const topicNotFound = { error_code: 40401, message: "Topic not found." };
      const v3TopicNotFound = { id: "e", ...topicNotFound };
      // Partition 1: partition 0 of a topic that does not exist is created by the shared broker (below).
      expect([
        await s.v2Path(1, "missing"),
        await s.v2Record(1, "missing"),
        await s.v3(1, "missing"),
        await s.v3Batch(1, "missing"),
      ]).toEqual([
        [404, topicNotFound],
        [404, topicNotFound],
        [404, topicNotFound],
        [207, v3TopicNotFound],
      ]);

      await createTopic(topic, 1);
      expect(await s.v2Path(0, "p0")).toEqual([200, { partition: 0, offset: 0, error_code: null, error: null }]);
      expect(await s.v2Record(1, "p1 before")).toEqual([404, { error_code: 40402, message: "Partition not found." }]);
      await growTopic(topic, 2);
      expect(await s.v2Record(1, "p1")).toEqual([200, { partition: 1, offset: 0, error_code: null, error: null }]);
      await growTopic(topic, 3);
      expect(await s.v3(2, "p2")).toEqual([200, { partition_id: 2, error_code: 200 }]);
      await growTopic(topic, 4);
      expect(await s.v3Batch(3, "p3")).toEqual([207, { partition_id: 3 }]);

      expect((await readTopic(topic, 4)).map((r) => [r.partition, r.value?.toString()])).toEqual([
        [0, '"p0"'],
        [1, '"p1"'],
        [2, '"p2"'],
        [3, '"p3"'],
      ]);
      expect((await suite.gw.rest.get(`/connectors/lookup-${client}/status`)).body.tasks[0].state).toBe("RUNNING");
    },
    120_000,
  );

  // p3ingest: answered 40401 "Topic not found." where REST Proxy's producer has the brokers create it.
  test.concurrent.each(CLIENTS)(
    "kafka.client=%s: partition 0 of a topic that does not exist is created by brokers that create topics, and written",
    async (client) => {
      const suite = suites[client]!;
      const topic = uniqueTopic(`partition-zero-${client}`);
      await createIngestConnector(suite.gw, `zero-${client}`, { "ingest.path": "/zero", "kafka.topic": topic });
      expect(await shapes(suite.ingest, topic).v2Path(0, "first")).toEqual([
        200,
        { partition: 0, offset: 0, error_code: null, error: null },
      ]);
      expect((await readTopic(topic, 1)).map((r) => [r.partition, r.value?.toString()])).toEqual([[0, '"first"']]);
    },
    60_000,
  );

  // review-p3ingest P1-1: the look-up had the brokers create the topic with their defaults (1
  // partition here) before the connector's own creation, which then found it there.
  test.concurrent.each(CLIENTS)(
    "kafka.client=%s: partition 0 of a topic the connector creates (topic.creation.*) is created as the connector says",
    async (client) => {
      const suite = suites[client]!;
      const topic = uniqueTopic(`partition-zero-created-${client}`);
      await createIngestConnector(suite.gw, `zero-created-${client}`, {
        "ingest.path": "/zero-created",
        "kafka.topic": topic,
        "ingest.rest.proxy.enable": "true",
        "topic.creation.default.partitions": "4",
        "topic.creation.default.replication.factor": "1",
      });
      expect(await shapes(suite.ingest, topic).v2Path(0, "first")).toEqual([
        200,
        { partition: 0, offset: 0, error_code: null, error: null },
      ]);
      expect(await partitionEnds(topic)).toEqual(
        [0, 1, 2, 3].map((p) => ({ partition: p, low: 0, high: p === 0 ? 1 : 0 })),
      );
    },
    60_000,
  );
});
