/**
 * Device ingest end to end (issue 9): the gateway (compiled binary when GATEWAY_BIN is set) with
 * HttpIngestSource connectors on the real broker, driven by curl and fetch on loopback, checked
 * with a kafkajs consumer: every mode and shape, REST Proxy responses byte for byte, bad input
 * writing nothing, concurrent clients (accepted = delivered), pause/resume/delete, metrics and
 * OpenAPI, and Idempotency-Key across a restart.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { curl, curlPost } from "./support/curl.ts";
import { createIngestConnector, INGEST_WORKER, startGateway, startIngestGateway } from "./support/gateway.ts";
import { createTopicsOn, kafkaBroker, readAll, readTopic, testClient, uniqueTopic } from "./support/kafka.ts";
import { suiteGateway } from "./support/suite-gateway.ts";
import { tempDir } from "./support/temp-dir.ts";
import { makeTls } from "./support/tls.ts";
import { waitFor } from "./support/wait-for.ts";

const T_NATIVE = uniqueTopic("ingest-native");
const T_RAW = uniqueTopic("ingest-raw");
const T_PROXY = uniqueTopic("ingest-proxy");
const T_BAD = uniqueTopic("ingest-bad");
const T_LOAD = uniqueTopic("ingest-load");
const T_EXACT = uniqueTopic("ingest-exact");

async function createTopics(specs: { topic: string; numPartitions: number }[]): Promise<void> {
  const admin = (await testClient()).admin();
  await admin.connect();
  try {
    await createTopicsOn(
      admin,
      specs.map((s) => ({ ...s, replicationFactor: 1 })),
    );
  } finally {
    await admin.disconnect();
  }
}

async function endOffsets(topic: string): Promise<string> {
  const admin = (await testClient()).admin();
  await admin.connect();
  try {
    return JSON.stringify((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]).sort());
  } finally {
    await admin.disconnect();
  }
}

const text = (b: Buffer | null) => (b === null ? null : b.toString("utf8"));

describe("device ingest", () => {
  const suite = suiteGateway(INGEST_WORKER);

  beforeAll(async () => {
    await createTopics([
      { topic: T_NATIVE, numPartitions: 1 },
      { topic: T_RAW, numPartitions: 1 },
      { topic: T_PROXY, numPartitions: 2 },
      { topic: T_BAD, numPartitions: 1 },
      { topic: T_LOAD, numPartitions: 3 },
      { topic: T_EXACT, numPartitions: 1 },
    ]);
    await createIngestConnector(suite.gw, "telemetry", {
      "ingest.path": "/ingest/telemetry",
      "kafka.topic": T_NATIVE,
      "ingest.key.source": "header",
      "ingest.headers.allowlist": "X-Site,X-Firmware:firmware",
      "ingest.headers.static": "gateway=edge-1",
      "ingest.headers.receive.timestamp": "received-at",
    });
    await createIngestConnector(suite.gw, "raw", {
      "ingest.path": "/ingest/raw",
      "kafka.topic": T_RAW,
      "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
      "key.converter": "org.apache.kafka.connect.storage.StringConverter",
      "ingest.key.source": "field",
      "ingest.key.field": "$.id",
    });
    await createIngestConnector(suite.gw, "proxy", { "ingest.path": "/ingest/proxy", "kafka.topic": T_PROXY });
    await createIngestConnector(suite.gw, "bad", {
      "ingest.path": "/ingest/bad",
      "kafka.topic": T_BAD,
      "ingest.mode": "batch",
      "ingest.max.body.bytes": "1000",
      "ingest.max.records": "3",
      "ingest.max.record.bytes": "50",
    });
    await createIngestConnector(suite.gw, "load", {
      "ingest.path": "/ingest/load",
      "kafka.topic": T_LOAD,
      "tasks.max": "2",
    });
    await createIngestConnector(suite.gw, "single", {
      "ingest.path": "/ingest/single",
      "kafka.topic": T_LOAD,
      "ingest.mode": "single",
    });
  }, 90_000);

  test("single, batch and NDJSON bodies with curl: a consumer sees every value, key and header in order", async () => {
    const url = `${suite.ingest}/ingest/telemetry`;
    const headers = { "X-Site": "plant-7", "X-Firmware": "1.4.2", "X-Kafka-Key": "dev-1", "X-Ignored": "no" };
    const single = await curlPost(url, '{"t":21.5}', "application/json", headers);
    expect(single.status).toBe(200);
    expect(single.json()).toMatchObject({ topic: T_NATIVE, offsets: [{ partition: 0, offset: 0 }] });
    const batch = await curlPost(url, '[{"t":1},{"t":2}]', "application/json", headers);
    expect(batch.json().offsets.map((o: { offset: number }) => o.offset)).toEqual([1, 2]);
    const ndjson = await curlPost(url, '{"t":3}\n{"t":4}\n', "application/x-ndjson", headers);
    expect(ndjson.json().offsets.map((o: { offset: number }) => o.offset)).toEqual([3, 4]);
    const raw = await curlPost(url, "plain text reading", "text/plain", { "X-Kafka-Key": "dev-2" });
    expect(raw.json().offsets[0].offset).toBe(5);

    const records = await readTopic(T_NATIVE, 6);
    expect(records.map((r) => text(r.value))).toEqual([
      '{"t":21.5}',
      '{"t":1}',
      '{"t":2}',
      '{"t":3}',
      '{"t":4}',
      // JsonConverter writes raw bytes as a base64 JSON string (Connect's BYTES in schemaless JSON).
      JSON.stringify(Buffer.from("plain text reading").toString("base64")),
    ]);
    expect(records.map((r) => text(r.key))).toEqual(['"dev-1"', '"dev-1"', '"dev-1"', '"dev-1"', '"dev-1"', '"dev-2"']);
    const h = records[0]!.headers;
    expect(Object.keys(h).sort()).toEqual(["X-Site", "firmware", "gateway", "received-at"]);
    expect(text(h["X-Site"] as Buffer)).toBe("plant-7");
    expect(text(h.firmware as Buffer)).toBe("1.4.2");
    expect(text(h.gateway as Buffer)).toBe("edge-1");
    expect(Number(text(h["received-at"] as Buffer))).toBeGreaterThan(1_600_000_000_000);
    expect(text(records[5]!.headers["content-type"] as Buffer)).toBe("text/plain");
    expect(records.map((r) => r.offset)).toEqual(["0", "1", "2", "3", "4", "5"]);
  }, 60_000);

  test("JsonConverter: JSON no transform touches reaches Kafka as sent; with a transform it is parsed exactly", async () => {
    await createIngestConnector(suite.gw, "exact", { "ingest.path": "/ingest/exact", "kafka.topic": T_EXACT });
    await createIngestConnector(suite.gw, "exact-tx", {
      "ingest.path": "/ingest/exact-tx",
      "kafka.topic": T_EXACT,
      transforms: "via",
      "transforms.via.type": "org.apache.kafka.connect.transforms.InsertField$Value",
      "transforms.via.static.field": "via",
      "transforms.via.static.value": "gw",
    });
    const doc = '{ "ts": 1700000000123456789, "v": [1.50, 1E3] }';
    expect((await curlPost(`${suite.ingest}/ingest/exact`, ` ${doc}\n`, "application/json")).status).toBe(200);
    expect((await curlPost(`${suite.ingest}/ingest/exact`, `[${doc}, null]`, "application/json")).status).toBe(200);
    expect((await curlPost(`${suite.ingest}/ingest/exact`, `${doc}\r\n`, "application/x-ndjson")).status).toBe(200);
    expect((await curlPost(`${suite.ingest}/ingest/exact-tx`, doc, "application/json")).status).toBe(200);
    const records = await readTopic(T_EXACT, 5);
    expect(records.map((r) => text(r.value))).toEqual([
      doc,
      doc,
      null,
      doc,
      // As Apache's JsonConverter: 1E3 is read as a Double and written back as one; InsertField's
      // map is a HashMap, written in its hash order.
      '{"v":[1.5,1000.0],"ts":1700000000123456789,"via":"gw"}',
    ]);
  }, 60_000);

  test("ByteArray/String converters: raw bodies and array elements reach Kafka byte for byte", async () => {
    const url = `${suite.ingest}/ingest/raw`;
    expect((await curlPost(url, '[ {"id":"a", "v":1.50} ,{"id":7}]', "application/json")).status).toBe(200);
    expect((await curlPost(url, "\u0001binary\u00ff", "application/octet-stream")).status).toBe(200);
    const records = await readTopic(T_RAW, 3);
    expect(records.map((r) => text(r.value))).toEqual(['{"id":"a", "v":1.50}', '{"id":7}', "\u0001binary\u00ff"]);
    expect(records.map((r) => text(r.key))).toEqual(["a", "7", null]);
    expect(text(records[2]!.headers["content-type"] as Buffer)).toBe("application/octet-stream");
  }, 60_000);

  describe("REST Proxy shapes, byte for byte (shared/rest-proxy-api.md)", () => {
    test("v2 json produce", async () => {
      const r = await curlPost(
        `${suite.ingest}/topics/${T_PROXY}/partitions/0`,
        '{"records":[{"key":"dev-1","value":{"t":21.5}}]}',
        "application/vnd.kafka.json.v2+json",
        { Accept: "application/vnd.kafka.v2+json" },
      );
      expect(r.status).toBe(200);
      expect(r.headers["content-type"]).toBe("application/vnd.kafka.v2+json");
      expect(r.body).toBe(
        '{"offsets":[{"partition":0,"offset":0,"error_code":null,"error":null}],"key_schema_id":null,"value_schema_id":null}',
      );
    });

    test("v3 single record, a bad record, and records:batch", async () => {
      const base = `${suite.ingest}/v3/clusters/cluster-1/topics/${T_PROXY}`;
      const ok = await curlPost(
        `${base}/records`,
        JSON.stringify({
          partition_id: 1,
          headers: [{ name: "Header-1", value: "SGVhZGVyLTE=" }],
          key: { type: "BINARY", data: Buffer.from("foobar1").toString("base64") },
          value: { type: "JSON", data: { foo: "bar12" } },
          timestamp: "2021-02-05T19:14:42Z",
        }),
        "application/json",
      );
      expect(ok.status).toBe(200);
      expect(ok.body).toBe(
        `{"error_code":200,"cluster_id":"cluster-1","topic_name":"${T_PROXY}","partition_id":1,"offset":0,"timestamp":"2021-02-05T19:14:42Z","key":{"type":"BINARY","size":7},"value":{"type":"JSON","size":15}}`,
      );
      const bad = await curlPost(`${base}/records`, '{"value":{"type":"BINARY","data":"1"}}', "application/json");
      expect(bad.status).toBe(400);
      expect(bad.body).toBe('{"error_code":400,"message":"Bad Request: data=1 is not a base64 string."}');
      const batch = await curlPost(
        `${base}/records:batch`,
        '{"entries":[{"id":"1","partition_id":1,"value":{"type":"STRING","data":"My first message"},"timestamp":"2021-02-05T19:14:43Z"},{"id":"2","value":{"data":"1"}}]}',
        "application/json",
      );
      expect(batch.status).toBe(207);
      expect(batch.body).toBe(
        `{"successes":[{"id":"1","cluster_id":"cluster-1","topic_name":"${T_PROXY}","partition_id":1,"offset":1,"timestamp":"2021-02-05T19:14:43Z","value":{"type":"STRING","size":16}}],"failures":[{"id":"2","error_code":400,"message":"Bad Request: data=1 is not a base64 string."}]}`,
      );
      const records = await readTopic(T_PROXY, 3);
      const p1 = records.filter((r) => r.partition === 1);
      expect(p1.map((r) => text(r.value))).toEqual(['{"foo":"bar12"}', '"My first message"']);
      expect(text(p1[0]!.key)).toBe(JSON.stringify(Buffer.from("foobar1").toString("base64")));
      expect(text(p1[0]!.headers["Header-1"] as Buffer)).toBe("Header-1");
    });

    test("v3 streaming: concatenated records get one report each, in order, 200", async () => {
      const r = await curlPost(
        `${suite.ingest}/v3/clusters/c/topics/${T_PROXY}/records`,
        '{"partition_id":0,"value":{"type":"STRING","data":"a"}}{"value":{"data":"!"}}{"partition_id":0,"value":{"type":"JSON","data":[1]}}',
        "application/json",
        { "Transfer-Encoding": "chunked" },
      );
      expect(r.status).toBe(200);
      const reports = r.body
        .replace(/}{"error_code"/g, '}\n{"error_code"')
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(reports.map((x: { error_code: number; offset?: number }) => [x.error_code, x.offset])).toEqual([
        [200, 1],
        [400, undefined],
        [200, 2],
      ]);
    });

    test("a topic no ingest connector names is REST Proxy's 404; an unknown partition 40402", async () => {
      const r = await curlPost(
        `${suite.ingest}/topics/not-an-ingest-topic`,
        '{"records":[{"value":1}]}',
        "application/vnd.kafka.json.v2+json",
      );
      expect([r.status, r.body]).toEqual([404, '{"error_code":40401,"message":"Topic not found."}']);
      const v3 = await curlPost(
        `${suite.ingest}/v3/clusters/c/topics/nope/records`,
        '{"value":{"data":"AA=="}}',
        "application/json",
      );
      expect([v3.status, v3.body]).toEqual([404, '{"error_code":40401,"message":"Topic not found."}']);
      const p = await curlPost(
        `${suite.ingest}/topics/${T_PROXY}/partitions/9`,
        '{"records":[{"value":1}]}',
        "application/vnd.kafka.json.v2+json",
      );
      expect([p.status, p.body]).toEqual([404, '{"error_code":40402,"message":"Partition not found."}']);
    });

    test("v3: a streamed record or batch entry naming a partition the topic lacks fails alone (40402); the others are written", async () => {
      const base = `${suite.ingest}/v3/clusters/c/topics/${T_PROXY}`;
      const stream = await curlPost(
        `${base}/records`,
        '{"partition_id":0,"value":{"type":"STRING","data":"s1"}}{"partition_id":9,"value":{"type":"STRING","data":"lost"}}{"partition_id":0,"value":{"type":"STRING","data":"s3"}}',
        "application/json",
        { "Transfer-Encoding": "chunked" },
      );
      expect(stream.status).toBe(200);
      const reports = stream.body
        .replace(/}{"error_code"/g, '}\n{"error_code"')
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(reports.map((x: { error_code: number; message?: string }) => [x.error_code, x.message])).toEqual([
        [200, undefined],
        [40402, "Partition not found."],
        [200, undefined],
      ]);
      const batch = await curlPost(
        `${base}/records:batch`,
        '{"entries":[{"id":"a","partition_id":9,"value":{"type":"STRING","data":"lost"}},{"id":"b","partition_id":0,"value":{"type":"STRING","data":"b1"}}]}',
        "application/json",
      );
      expect(batch.status).toBe(207);
      expect(batch.json().failures).toEqual([{ id: "a", error_code: 40402, message: "Partition not found." }]);
      expect(batch.json().successes.map((x: { id: string; partition_id: number }) => [x.id, x.partition_id])).toEqual([
        ["b", 0],
      ]);
      const one = await curlPost(`${base}/records`, '{"partition_id":9,"value":{"data":"AA=="}}', "application/json");
      expect([one.status, one.body]).toEqual([404, '{"error_code":40402,"message":"Partition not found."}']);
      const offsets = [...reports.map((x: { offset?: number }) => x.offset), batch.json().successes[0].offset];
      const written = (await readAll(T_PROXY)).filter((r) => r.partition === 0 && offsets.includes(Number(r.offset)));
      expect(written.map((r) => text(r.value))).toEqual(['"s1"', '"s3"', '"b1"']);
    });
  });

  test("a partition added to the topic after the task's producer learned its count is written there; the task keeps running", async () => {
    const topic = uniqueTopic("ingest-grown");
    await createTopics([{ topic, numPartitions: 1 }]);
    await createIngestConnector(suite.gw, "grown", { "ingest.path": "/ingest/grown", "kafka.topic": topic });
    expect((await curlPost(`${suite.ingest}/ingest/grown`, '"before"', "application/json")).status).toBe(200);
    const admin = (await testClient()).admin();
    await admin.connect();
    try {
      await admin.createPartitions({ topicPartitions: [{ topic, count: 2 }] });
      // The broker's metadata shows the new partition a moment after the controller made it.
      await waitFor(
        async () => (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions.length === 2,
        {
          what: `${topic} with 2 partitions`,
        },
      );
    } finally {
      await admin.disconnect();
    }
    // REST Proxy's check asks Kafka (2 partitions); the producer knew 1 and refused partition 1,
    // failing the task (DataException) and answering "may still be written".
    const r = await curlPost(
      `${suite.ingest}/topics/${topic}/partitions/1`,
      '{"records":[{"value":"after"}]}',
      "application/vnd.kafka.json.v2+json",
    );
    expect([r.status, r.body]).toEqual([
      200,
      '{"offsets":[{"partition":1,"offset":0,"error_code":null,"error":null}],"key_schema_id":null,"value_schema_id":null}',
    ]);
    expect((await suite.gw.rest.get("/connectors/grown/status")).body.tasks[0].state).toBe("RUNNING");
    expect((await readTopic(topic, 2)).map((x) => [x.partition, text(x.value)])).toEqual([
      [0, '"before"'],
      [1, '"after"'],
    ]);
    expect((await suite.gw.rest.delete("/connectors/grown")).status).toBe(204);
  });

  test("every bad input gets a 4xx in REST Proxy's error shape and writes nothing", async () => {
    const before = await endOffsets(T_BAD);
    const url = `${suite.ingest}/ingest/bad`;
    const cases: [string, string | null, Record<string, string>, number, RegExp][] = [
      ["{bad", "application/json", {}, 400, /Malformed JSON/],
      ["[1,", "application/json", {}, 400, /Malformed JSON/],
      ['{"a":1}', "application/json", {}, 422, /must be a JSON array/],
      ["hello", "text/plain", {}, 415, /takes batches/],
      ["[1,2,3,4]", "application/json", {}, 422, /more than 3 records/],
      [`[1,"${"x".repeat(60)}"]`, "application/json", {}, 413, /ingest.max.record.bytes/],
      [`[${"1,".repeat(600)}1]`, "application/json", {}, 413, /ingest.max.body.bytes/],
      ["[1]", "application/json", { "Idempotency-Key": "bad key with spaces" }, 400, /Idempotency-Key/],
      ['{"a":1}\n{oops', "application/x-ndjson", {}, 400, /NDJSON line 2/],
    ];
    for (const [body, type, headers, status, message] of cases) {
      const r = await curlPost(url, body, type, headers);
      expect([r.status, r.headers["content-type"]], body).toEqual([status, "application/json"]);
      expect(Object.keys(r.json())).toEqual(["error_code", "message"]);
      expect(r.json().message).toMatch(message);
    }
    // A chunked body over the limit: 413 without the gateway buffering the rest.
    const chunked = await curlPost(url, `[${"1,".repeat(2000)}1]`, "application/json", {
      "Transfer-Encoding": "chunked",
    });
    expect(chunked.status).toBe(413);
    const v2 = await curlPost(
      `${suite.ingest}/topics/${T_BAD}`,
      '{"records":[]}',
      "application/vnd.kafka.json.v2+json",
    );
    expect([v2.status, v2.json().error_code]).toEqual([422, 422]);
    const v2Type = await curlPost(`${suite.ingest}/topics/${T_BAD}`, '{"records":[{"value":1}]}', "text/plain");
    expect([v2Type.status, v2Type.body]).toEqual([
      415,
      '{"error_code":415,"message":"HTTP 415 Unsupported Media Type"}',
    ]);
    const v2Bin = await curlPost(
      `${suite.ingest}/topics/${T_BAD}`,
      '{"records":[{"value":"%%%"}]}',
      "application/vnd.kafka.binary.v2+json",
    );
    expect(v2Bin.status).toBe(422);
    const v3Type = await curlPost(`${suite.ingest}/v3/clusters/c/topics/${T_BAD}/records`, "{}", "text/plain");
    expect(v3Type.status).toBe(415);
    const v3Batch = await curlPost(
      `${suite.ingest}/v3/clusters/c/topics/${T_BAD}/records:batch`,
      '{"entries":[{"id":"1"},{"id":"1"}]}',
      "application/json",
    );
    expect([v3Batch.status, v3Batch.json().error_code]).toEqual([422, 42208]);
    // ingest.max.records bounds records:batch entries too (auditingest F1: all 4 were written, 207).
    const entries = [1, 2, 3, 4].map((id) => ({ id: String(id), value: { type: "JSON", data: id } }));
    const v3TooMany = await curlPost(
      `${suite.ingest}/v3/clusters/c/topics/${T_BAD}/records:batch`,
      JSON.stringify({ entries }),
      "application/json",
    );
    expect([v3TooMany.status, v3TooMany.body]).toEqual([
      422,
      '{"error_code":42208,"message":"Batch must contain between 1 and 3 entries"}',
    ]);
    expect((await curl(`${suite.ingest}/ingest/bad`)).status).toBe(405);
    expect(await endOffsets(T_BAD)).toBe(before);
    // The task is still running after all of that.
    expect((await suite.gw.rest.get("/connectors/bad/status")).body.tasks[0].state).toBe("RUNNING");
  }, 60_000);

  test("concurrent clients: every accepted record is delivered exactly where the response said", async () => {
    const clients = 16;
    const requests = 20;
    const perRequest = 25;
    const accepted = new Map<string, string>();
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        for (let r = 0; r < requests; r++) {
          const values = Array.from({ length: perRequest }, (_, i) => ({ c, r, i }));
          const response = await fetch(`${suite.ingest}/ingest/load`, {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify(values),
          });
          expect(response.status).toBe(200);
          const body = (await response.json()) as { offsets: { partition: number; offset: number }[] };
          body.offsets.forEach((o, i) => {
            accepted.set(`${o.partition}:${o.offset}`, JSON.stringify(values[i]));
          });
        }
      }),
    );
    const total = clients * requests * perRequest;
    expect(accepted.size).toBe(total);
    const delivered = await readTopic(T_LOAD, total, 60_000);
    expect(delivered.length).toBe(total);
    const seen = new Map(delivered.map((d) => [`${d.partition}:${d.offset}`, text(d.value)]));
    expect(seen).toEqual(accepted);
    const metrics = await suite.gw.rest.get("/metrics");
    expect(metrics.text).toContain(`ingest_records_accepted_total{route="/ingest/load"} ${total}`);
    expect(metrics.text).toMatch(/ingest_produce_batch_records_count\{connector="load"\} \d+/);
    expect(metrics.text).toContain('ingest_request_duration_seconds_bucket{route="/ingest/load",le="+Inf"}');
  }, 120_000);

  test("single-record requests of concurrent clients share produce calls", async () => {
    const url = `${suite.ingest}/ingest/single`;
    const statuses = await Promise.all(
      Array.from({ length: 64 }, async (_, i) => {
        const r = await fetch(url, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: `{"n":${i}}`,
        });
        await r.arrayBuffer();
        return r.status;
      }),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
    const text = (await suite.gw.rest.get("/metrics")).text;
    const sum = Number(text.match(/ingest_produce_batch_records_sum\{connector="single"\} (\d+)/)?.[1]);
    const count = Number(text.match(/ingest_produce_batch_records_count\{connector="single"\} (\d+)/)?.[1]);
    expect(sum).toBe(64);
    expect(count).toBeLessThan(64);
  }, 60_000);

  test("the admin API is not on the ingest listener and ingest routes are not on the admin listener", async () => {
    expect((await curl(`${suite.ingest}/connectors`)).status).toBe(404);
    expect((await curl(`${suite.ingest}/connector-plugins`)).status).toBe(404);
    expect((await curlPost(`${suite.gw.url}/ingest/telemetry`, "{}", "application/json")).status).toBe(404);
    const openapi = (await curl(`${suite.ingest}/openapi.json`)).json();
    expect(openapi.openapi).toBe("3.1.0");
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining([
        "/ingest/telemetry",
        "/topics/{topic}",
        "/v3/clusters/{cluster_id}/topics/{topic_name}/records:batch",
      ]),
    );
    expect(openapi.components.schemas.V2JsonProduceRequest.required).toEqual(["records"]);
  });

  test("pause answers 503 with Retry-After, resume serves again, delete is 404; the path is free again", async () => {
    const url = `${suite.ingest}/ingest/telemetry`;
    expect((await suite.gw.rest.put("/connectors/telemetry/pause")).status).toBe(202);
    await waitFor(async () => (await curlPost(url, "{}", "application/json")).status === 503, {
      what: "503 while paused",
    });
    const paused = await curlPost(url, "{}", "application/json");
    expect(paused.headers["retry-after"]).toBe("5");
    expect(paused.json().error_code).toBe(503);
    expect((await suite.gw.rest.put("/connectors/telemetry/resume")).status).toBe(202);
    await waitFor(async () => (await curlPost(url, "{}", "application/json")).status === 200, {
      what: "200 after resume",
    });
    const clash = await suite.gw.rest.post("/connectors", {
      name: "second",
      config: { "connector.class": "HttpIngest", "ingest.path": "/ingest/telemetry", "kafka.topic": T_NATIVE },
    });
    expect(clash.status).toBe(400);
    expect(clash.body.message).toContain("ingest.path: already used by connector telemetry");
    expect((await suite.gw.rest.request("DELETE", "/connectors/telemetry")).status).toBe(204);
    await waitFor(async () => (await curlPost(url, "{}", "application/json")).status === 404, {
      what: "404 after delete",
    });
  }, 60_000);
});

describe("Idempotency-Key", () => {
  test("a retry after a gateway restart gets the original answer and writes nothing; another body is 422", async () => {
    const topic = uniqueTopic("ingest-idem");
    await createTopics([{ topic, numPartitions: 1 }]);
    await using dir = await tempDir();
    const first = await startIngestGateway(dir);
    await createIngestConnector(first.gw, "idem", { "ingest.path": "/ingest/idem", "kafka.topic": topic });
    const headers = { "Idempotency-Key": "reading-42" };
    const original = await curlPost(`${first.ingest}/ingest/idem`, '[{"t":1},{"t":2}]', "application/json", headers);
    expect(original.status).toBe(200);
    expect(await first.gw.stop()).toBe(0);

    const second = await startIngestGateway(dir);
    try {
      const url = `${second.ingest}/ingest/idem`;
      await waitFor(async () => (await curlPost(url, "[]", "application/json")).status === 422, { what: "route back" });
      const replay = await curlPost(url, '[{"t":1},{"t":2}]', "application/json", headers);
      expect([replay.status, replay.body, replay.headers["idempotent-replayed"]]).toEqual([200, original.body, "true"]);
      const other = await curlPost(url, '[{"t":3}]', "application/json", headers);
      expect([other.status, other.json().error_code]).toEqual([422, 422]);
      expect(await endOffsets(topic)).toBe(JSON.stringify([[0, "2"]]));
    } finally {
      await second.gw.stop();
    }
  }, 90_000);
  // explore5 E5: a connector created again under a deleted one's name replayed the old answers and wrote nothing.
  test("deleting a connector deletes its keys: one created again under its name writes the same key and body to its own topic", async () => {
    const [oldTopic, newTopic] = [uniqueTopic("ingest-idem-old"), uniqueTopic("ingest-idem-new")];
    await createTopics([
      { topic: oldTopic, numPartitions: 1 },
      { topic: newTopic, numPartitions: 1 },
    ]);
    await using dir = await tempDir();
    const { gw, ingest } = await startIngestGateway(dir);
    try {
      const url = `${ingest}/ingest/idem-del`;
      const headers = { "Idempotency-Key": "d1-000042" };
      const gauges = async () => {
        const text = (await gw.rest.get("/metrics")).text;
        return ["ingest_idempotency_keys", "ingest_idempotency_keys_bytes", "ingest_idempotency_max_bytes"].map(
          (name) => Number(text.match(new RegExp(`^${name} (\\d+)$`, "m"))?.[1]),
        );
      };
      expect(await gauges()).toEqual([0, 0, 268_435_456]);
      await createIngestConnector(gw, "idem-del", { "ingest.path": "/ingest/idem-del", "kafka.topic": oldTopic });
      const first = await curlPost(url, '{"t":1}', "application/json", headers);
      expect([first.status, first.json().topic]).toEqual([200, oldTopic]);
      const [keys, bytes] = await gauges();
      expect(keys).toBe(1);
      expect(bytes).toBeGreaterThan(first.body.length);
      expect((await curlPost(url, '{"t":1}', "application/json", headers)).headers["idempotent-replayed"]).toBe("true");

      expect((await gw.rest.request("DELETE", "/connectors/idem-del")).status).toBe(204);
      // Hidden at once, deleted by the store's timer soon after (not inside the delete).
      await waitFor(async () => (await gauges())[0] === 0, { what: "the keys deleted" });
      expect(await gauges()).toEqual([0, 0, 268_435_456]);
      await createIngestConnector(gw, "idem-del", { "ingest.path": "/ingest/idem-del", "kafka.topic": newTopic });
      await waitFor(async () => (await curlPost(url, "[]", "application/json")).status === 422, { what: "route back" });
      const again = await curlPost(url, '{"t":1}', "application/json", headers);
      expect([again.status, again.headers["idempotent-replayed"], again.json().topic]).toEqual([
        200,
        undefined,
        newTopic,
      ]);
      expect((await readTopic(newTopic, 1)).map((r) => text(r.value))).toEqual(['{"t":1}']);
      expect(await endOffsets(oldTopic)).toBe(JSON.stringify([[0, "1"]]));
    } finally {
      await gw.stop();
    }
  }, 90_000);
});

describe("when Kafka does not acknowledge", () => {
  test("the request answers 5xx saying what failed, and the task keeps running", async () => {
    await using dir = await tempDir();
    // A port nothing listens on: the producer never connects, so nothing is acknowledged.
    const closed = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = closed.port;
    closed.stop(true);
    const { gw, ingest } = await startIngestGateway(dir, { "bootstrap.servers": `127.0.0.1:${port}` });
    try {
      await createIngestConnector(gw, "down", {
        "ingest.path": "/ingest/down",
        "kafka.topic": "never-written",
        "ingest.request.timeout.ms": "1500",
      });
      const r = await curlPost(`${ingest}/ingest/down`, '[{"t":1},{"t":2}]', "application/json");
      // Never handed to a producer that wrote anything: taken back at the timeout, so certainly not written.
      expect(r.status).toBe(503);
      expect(r.headers["retry-after"]).toBeDefined();
      const body = r.json();
      expect(body.error_code).toBe(50003);
      expect(body.message).toContain("2 of 2 records were not acknowledged by Kafka (none of them was written)");
      expect(body.message).toContain("ingest.request.timeout.ms");
      expect(body.offsets).toHaveLength(2);
      expect(body.offsets[0]).toMatchObject({ partition: null, offset: null, error_code: 50003 });
      expect((await gw.rest.get("/connectors/down/status")).body.tasks[0].state).toBe("RUNNING");
    } finally {
      await gw.kill();
    }
  }, 60_000);
});

test("ingest.openapi.enabled=false: /openapi.json answers 404 in REST Proxy's shape, ingest routes still serve", async () => {
  await using dir = await tempDir();
  const { gw, ingest } = await startIngestGateway(dir, { "ingest.openapi.enabled": "false" });
  try {
    const topic = uniqueTopic("ingest-no-openapi");
    await createIngestConnector(gw, "no-openapi", { "ingest.path": "/ingest/no-openapi", "kafka.topic": topic });
    await waitFor(
      async () => (await curlPost(`${ingest}/ingest/no-openapi`, "{}", "application/json")).status === 200,
      {
        what: "the ingest route serving",
      },
    );
    const openapi = await curl(`${ingest}/openapi.json`);
    expect(openapi.status).toBe(404);
    expect(openapi.json()).toEqual({ error_code: 404, message: "HTTP 404 Not Found" });
  } finally {
    await gw.kill();
  }
}, 60_000);

// opswalk: with ingest.listeners empty an ingest connector ran, unreachable, without a word.
test("ingest.listeners empty: an ingest connector's start warns that no listener serves its path", async () => {
  await using dir = await tempDir();
  await using gw = await startGateway({
    dir: dir.path,
    worker: { "bootstrap.servers": (await kafkaBroker()).bootstrap, "ingest.listeners": "" },
  });
  await createIngestConnector(gw, "no-listener", {
    "ingest.path": "/ingest/no-listener",
    "kafka.topic": uniqueTopic("ingest-no-listener"),
  });
  const [line] = await gw.waitForOutput(/WARN .*no-listener.*\n/);
  expect(line).toContain(
    "WARN Ingest connector no-listener: ingest.listeners is empty, so no device can reach its ingest.path /ingest/no-listener (no ingest listener is open; set ingest.listeners to serve it)",
  );
  expect(gw.output()).not.toContain("Ingest listener open");
}, 60_000);

// opswalk-b: the warning is for an empty ingest.listeners only.
test("ingest.listeners set: an ingest connector's start gives no such warning", async () => {
  await using dir = await tempDir();
  const { gw, ingest } = await startIngestGateway(dir);
  try {
    await createIngestConnector(gw, "with-listener", {
      "ingest.path": "/ingest/with-listener",
      "kafka.topic": uniqueTopic("ingest-with-listener"),
    });
    await waitFor(
      async () => (await curlPost(`${ingest}/ingest/with-listener`, "{}", "application/json")).status === 200,
      { what: "the ingest route serving" },
    );
    expect(gw.output()).toContain("Ingest listener open");
    expect(gw.output()).not.toContain("ingest.listeners is empty");
  } finally {
    await gw.kill();
  }
}, 60_000);

describe("https ingest listener", () => {
  test("serves ingest routes over TLS with the key store under ingest.listeners.https.*", async () => {
    const kafka = await kafkaBroker();
    const topic = uniqueTopic("ingest-tls");
    await createTopics([{ topic, numPartitions: 1 }]);
    await using dir = await tempDir();
    const tls = await makeTls(dir.path);
    const gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": kafka.bootstrap,
        "ingest.listeners": "https://127.0.0.1:0",
        "ingest.listeners.https.ssl.keystore.location": tls.serverPem,
        "data.dir": dir.file("data"),
      },
    });
    try {
      const url = (await gw.waitForOutput(/Ingest listener open at (https:\/\/[^\s]+?)\/? /))[1]!.replace(/\/$/, "");
      await createIngestConnector(gw, "tls", { "ingest.path": "/ingest/tls", "kafka.topic": topic });
      const r = await curlPost(`${url}/ingest/tls`, '{"secure":true}', "application/json", {}, [
        "--cacert",
        tls.caCert,
      ]);
      expect(r.status).toBe(200);
      expect(r.json().offsets[0].offset).toBe(0);
      expect((await readTopic(topic, 1)).map((x) => text(x.value))).toEqual(['{"secure":true}']);
    } finally {
      await gw.stop();
    }
  }, 60_000);
});

test("a worker's key.converter and value.converter are the routes' too: a connector without its own hands bodies to them raw", async () => {
  await using dir = await tempDir();
  const { gw, ingest } = await startIngestGateway(dir, {
    "key.converter": "org.apache.kafka.connect.storage.StringConverter",
    "value.converter": "org.apache.kafka.connect.storage.StringConverter",
  });
  try {
    const topic = uniqueTopic("ingest-worker-converters");
    await createTopics([{ topic, numPartitions: 1 }]);
    await createIngestConnector(gw, "worker-string", {
      "ingest.path": "/ingest/worker-string",
      "kafka.topic": topic,
      "ingest.key.source": "header",
    });
    // Before: the text was taken as parsed JSON and StringConverter wrote `[B@…`; REST Proxy JSON as `{s=x, n=[1, 2]}`.
    const plain = await curlPost(`${ingest}/ingest/worker-string`, "hello wörld", "text/plain; charset=utf-8", {
      "X-Kafka-Key": "dev-1",
    });
    expect(plain.status).toBe(200);
    const proxy = await curlPost(
      `${ingest}/topics/${topic}`,
      '{"records":[{"key":{"id":7},"value":{"s":"x, y=z","n":[1,2],"o":null}}]}',
      "application/vnd.kafka.json.v2+json",
    );
    expect(proxy.status).toBe(200);
    const records = await readTopic(topic, 2);
    expect(records.map((r) => text(r.value))).toEqual(["hello wörld", '{"s":"x, y=z","n":[1,2],"o":null}']);
    expect(records.map((r) => text(r.key))).toEqual(["dev-1", '{"id":7}']);
  } finally {
    await gw.kill();
  }
}, 60_000);
