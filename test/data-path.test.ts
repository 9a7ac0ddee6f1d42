/**
 * The Connect data path on the real broker: converters (worker defaults, per-connector overrides,
 * the exact envelopes Apache's JsonConverter writes), a transform chain with a predicate, the
 * validation of `transforms.<alias>.*` blocks, errors.tolerance with the dead letter queue and
 * Connect's `__connect.errors.*` headers, and the Prometheus metrics counting it all.
 */
import { describe, expect, test } from "bun:test";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import fixtures from "./fixtures/json-converter/fixtures.json" with { type: "json" };
import { deadLetterKeys } from "./support/dead-letter-keys.ts";
import { produce, readTopic, testClient, uniqueTopic } from "./support/kafka.ts";
import { suiteGateway } from "./support/suite-gateway.ts";
import { waitFor } from "./support/wait-for.ts";

// Worker defaults like connect-standalone.properties: JsonConverter with schemas.
const suite = suiteGateway({
  "offset.flush.interval.ms": "200",
  "key.converter": "org.apache.kafka.connect.json.JsonConverter",
  "value.converter": "org.apache.kafka.connect.json.JsonConverter",
});

function lines(path: string): string[] {
  return existsSync(path)
    ? readFileSync(path, "utf8")
        .split("\n")
        .filter((l) => l !== "")
    : [];
}

async function source(name: string, topic: string, extra: Record<string, string> = {}): Promise<string> {
  const file = suite.dir.file(`${name}.txt`);
  writeFileSync(file, "");
  const r = await suite.gw.rest.post("/connectors", {
    name,
    config: { "connector.class": "FileStreamSource", file, topic, ...extra },
  });
  expect(r.status).toBe(201);
  return file;
}

/** Creates a FileStreamSink `name` on `topic` reading schemaless JSON, with `extra` (errors.*) keys; returns its out file and the REST answer. */
async function jsonSink(name: string, topic: string, extra: Record<string, string> = {}) {
  const out = suite.dir.file(`${name}.out`);
  const created = await suite.gw.rest.post("/connectors", {
    name,
    config: {
      "connector.class": "FileStreamSink",
      topics: topic,
      file: out,
      "value.converter": "JsonConverter",
      "value.converter.schemas.enable": "false",
      ...extra,
    },
  });
  return { out, created };
}

/** The status of connector `name` once its task is FAILED. */
function failedStatus(name: string) {
  return waitFor(async () => {
    const s = (await suite.gw.rest.get(`/connectors/${name}/status`)).body;
    return s.tasks?.[0]?.state === "FAILED" ? s : undefined;
  });
}

describe("converters on the wire", () => {
  test("the worker's JsonConverter writes Apache's exact envelope; keys stay null", async () => {
    const topic = uniqueTopic("json-envelope");
    const file = await source("json-envelope", topic);
    appendFileSync(file, "hello\n");
    const [record] = await readTopic(topic, 1);
    const apache = fixtures.encode.find((c) => c.name === "string")!;
    expect(apache.bytes!.startsWith('{"schema":{"type":"string","optional":false},"payload":')).toBe(true);
    expect(record!.value!.toString("utf8")).toBe('{"schema":{"type":"string","optional":false},"payload":"hello"}');
    expect(record!.key).toBeNull();
  });

  test("a connector overrides the converter and its prefixed keys (which apply only with its own converter class)", async () => {
    const topic = uniqueTopic("json-plain");
    const file = await source("json-plain", topic, {
      "value.converter": "JsonConverter",
      "value.converter.schemas.enable": "false",
    });
    appendFileSync(file, "hello\n");
    const [record] = await readTopic(topic, 1);
    expect(record!.value!.toString("utf8")).toBe('"hello"');
  });

  test("a sink reads the envelopes Apache's JsonConverter wrote", async () => {
    const topic = uniqueTopic("apache-bytes");
    // A name (so a consumer group) of its own on the shared broker, whoever else runs meanwhile.
    const name = uniqueTopic("apache-bytes");
    const struct = fixtures.encode.find((c) => c.name === "struct")!;
    const stringCase = fixtures.encode.find((c) => c.name === "string")!;
    await produce(topic, [
      { value: struct.bytes! },
      { value: stringCase.bytes! },
      { value: '{"schema":null,"payload":{"a":1}}' },
    ]);
    const out = suite.dir.file("apache-bytes.out");
    await suite.gw.rest.post("/connectors", {
      name,
      config: { "connector.class": "FileStreamSink", topics: topic, file: out },
    });
    await waitFor(() => lines(out).length === 3, { what: "3 lines" });
    const [structLine, stringLine, mapLine] = lines(out);
    expect(structLine).toStartWith("Struct{name=");
    expect(stringLine).toBe(stringCase.value as string);
    expect(mapLine).toBe("{a=1}");
  });
});

describe("more converters on the wire", () => {
  test("IntegerConverter reads Kafka's big-endian ints; SimpleHeaderConverter writes header values as text", async () => {
    const topic = uniqueTopic("ints");
    // A name (so a consumer group) of its own on the shared broker, whoever else runs meanwhile.
    const name = uniqueTopic("ints");
    const four = (n: number) => {
      const b = Buffer.alloc(4);
      b.writeInt32BE(n);
      return b;
    };
    await produce(topic, [{ value: four(42) }, { value: four(-7) }]);
    const out = suite.dir.file("ints.out");
    await suite.gw.rest.post("/connectors", {
      name,
      config: {
        "connector.class": "FileStreamSink",
        topics: topic,
        file: out,
        "value.converter": "org.apache.kafka.connect.converters.IntegerConverter",
      },
    });
    await waitFor(() => lines(out).length === 2, { what: "2 ints" });
    expect(lines(out)).toEqual(["42", "-7"]);

    const headerTopic = uniqueTopic("headers");
    const file = await source("headers", headerTopic, {
      "value.converter": "org.apache.kafka.connect.storage.StringConverter",
      transforms: "site,count",
      "transforms.site.type": "org.apache.kafka.connect.transforms.InsertHeader",
      "transforms.site.header": "site",
      "transforms.site.value.literal": "edge-1",
      "transforms.count.type": "org.apache.kafka.connect.transforms.InsertHeader",
      "transforms.count.header": "attempt",
      "transforms.count.value.literal": "3",
    });
    appendFileSync(file, "with headers\n");
    const [record] = await readTopic(headerTopic, 1);
    expect(record!.value!.toString("utf8")).toBe("with headers");
    expect(String(record!.headers.site)).toBe("edge-1");
    expect(String(record!.headers.attempt)).toBe("3");
  });
});

describe("transforms", () => {
  test("a chain (HoistField, InsertField, RegexRouter) with a predicate-guarded Filter runs on real records", async () => {
    const topic = uniqueTopic("chain");
    const file = await source("chain", topic, {
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
      transforms: "dropSkip,hoist,insert,route",
      "transforms.dropSkip.type": "org.apache.kafka.connect.transforms.Filter",
      "transforms.dropSkip.predicate": "isSkip",
      predicates: "isSkip",
      "predicates.isSkip.type": "org.apache.kafka.connect.transforms.predicates.HasHeaderKey",
      "predicates.isSkip.name": "never-set",
      "transforms.hoist.type": "org.apache.kafka.connect.transforms.HoistField$Value",
      "transforms.hoist.field": "line",
      "transforms.insert.type": "org.apache.kafka.connect.transforms.InsertField$Value",
      "transforms.insert.static.field": "origin",
      "transforms.insert.static.value": "edge-1",
      "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
      "transforms.route.regex": "(.*)",
      "transforms.route.replacement": "$1-routed",
    });
    appendFileSync(file, "a\nb\n");
    const records = await readTopic(`${topic}-routed`, 2);
    expect(records.map((r) => JSON.parse(r.value!.toString("utf8")))).toEqual([
      { line: "a", origin: "edge-1" },
      { line: "b", origin: "edge-1" },
    ]);
    const topics = await waitFor(async () => {
      const r = (await suite.gw.rest.get("/connectors/chain/topics")).body.chain.topics;
      return r.length > 0 ? r : undefined;
    });
    expect(topics).toEqual([`${topic}-routed`]);
  });

  test("validate checks each transforms.<alias> block against the transform's own config", async () => {
    const r = await suite.gw.rest.put("/connector-plugins/FileStreamSource/config/validate", {
      "connector.class": "FileStreamSource",
      name: "v",
      topic: "t",
      transforms: "extract,neg",
      "transforms.extract.type": "org.apache.kafka.connect.transforms.ExtractField$Value",
      "transforms.neg.type": "org.apache.kafka.connect.transforms.Filter",
      "transforms.neg.negate": "true",
    });
    expect(r.status).toBe(200);
    const byName = new Map<string, any>(r.body.configs.map((c: any) => [c.value?.name ?? c.definition?.name, c]));
    expect(byName.get("transforms.extract.field").value.errors).toEqual([
      'Missing required configuration "transforms.extract.field" which has no default value.',
    ]);
    expect(byName.get("transforms.extract.field").definition.group).toBe("Transforms: extract");
    expect(byName.get("transforms.extract.type").value.recommended_values).toContain(
      "org.apache.kafka.connect.transforms.InsertField$Value",
    );
    // As Connect 4.3.1: the type key's validator refuses a negate without a predicate.
    expect(byName.get("transforms.neg.type").value.errors).toEqual([
      "Config 'transforms.neg.negate' was provided but there is no config 'transforms.neg.predicate' defining a predicate to be negated.",
    ]);
    expect(r.body.error_count).toBe(2);
    expect(r.body.groups).toContain("Transforms: extract");
  });
});

describe("errors.tolerance and the dead letter queue", () => {
  test("poison records go to the DLQ with Connect's headers while good records flow on", async () => {
    const topic = uniqueTopic("poison");
    // A name (so a consumer group) of its own on the shared broker, whoever else runs meanwhile.
    const connector = uniqueTopic("poison");
    const dlq = `${topic}-dlq`;
    await produce(topic, [
      { value: '{"n":1}' },
      { value: "not json", headers: { source: "device-9" } },
      { value: '{"n":2}' },
      { value: "{broken" },
      { value: '{"n":3}' },
    ]);
    const out = suite.dir.file("poison.out");
    const created = await suite.gw.rest.post("/connectors", {
      name: connector,
      config: {
        "connector.class": "FileStreamSink",
        topics: topic,
        file: out,
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
        ...deadLetterKeys(dlq),
      },
    });
    expect(created.status).toBe(201);
    await waitFor(() => lines(out).length === 3, { what: "3 good records" });
    expect(lines(out)).toEqual(["{n=1}", "{n=2}", "{n=3}"]);
    const dead = await readTopic(dlq, 2);
    expect(dead.map((r) => r.value!.toString("utf8"))).toEqual(["not json", "{broken"]);
    const headers = Object.fromEntries(Object.entries(dead[0]!.headers).map(([k, v]) => [k, String(v)]));
    expect(Object.keys(headers)).toEqual([
      "source",
      "__connect.errors.topic",
      "__connect.errors.partition",
      "__connect.errors.offset",
      "__connect.errors.connector.name",
      "__connect.errors.task.id",
      "__connect.errors.stage",
      "__connect.errors.class.name",
      "__connect.errors.exception.class.name",
      "__connect.errors.exception.message",
      "__connect.errors.exception.stacktrace",
    ]);
    expect(headers).toMatchObject({
      source: "device-9",
      "__connect.errors.topic": topic,
      "__connect.errors.partition": "0",
      "__connect.errors.offset": "1",
      "__connect.errors.connector.name": connector,
      "__connect.errors.task.id": "0",
      "__connect.errors.stage": "VALUE_CONVERTER",
      "__connect.errors.class.name": "org.apache.kafka.connect.json.JsonConverter",
      "__connect.errors.exception.class.name": "org.apache.kafka.connect.errors.DataException",
    });
    expect(headers["__connect.errors.exception.message"]).toStartWith(
      "Converting byte[] to Kafka Connect data failed due to serialization error",
    );
    expect(suite.gw.output()).toContain(
      `Error encountered in task ${connector}-0. Executing stage 'VALUE_CONVERTER' with class 'org.apache.kafka.connect.json.JsonConverter'`,
    );
    expect((await suite.gw.rest.get(`/connectors/${connector}/status`)).body.tasks[0].state).toBe("RUNNING");

    const metrics = await waitFor(
      async () => {
        const text = await (await fetch(`${suite.gw.url}/metrics`)).text();
        return text.includes(
          `kafka_connect_sink_task_metrics_sink_record_read_total{connector="${connector}",task="0"} 5`,
        )
          ? text
          : undefined;
      },
      { what: "metrics for the poison connector" },
    );
    const value = (name: string) =>
      Number(new RegExp(`^${name}\\{connector="${connector}",task="0"\\} (\\S+)$`, "m").exec(metrics)?.[1]);
    expect(value("kafka_connect_sink_task_metrics_sink_record_send_total")).toBe(3);
    expect(value("kafka_connect_task_error_metrics_total_record_errors")).toBe(2);
    expect(value("kafka_connect_task_error_metrics_total_records_skipped")).toBe(2);
    expect(value("kafka_connect_task_error_metrics_total_errors_logged")).toBe(2);
    expect(value("kafka_connect_task_error_metrics_deadletterqueue_produce_requests")).toBe(2);
    expect(value("kafka_connect_task_error_metrics_deadletterqueue_produce_failures")).toBe(0);
  });

  test("the DLQ topic is created with 1 partition when the task starts, before any bad record", async () => {
    const topic = uniqueTopic("dlq-at-start");
    // A name (so a consumer group) of its own on the shared broker, whoever else runs meanwhile.
    const name = uniqueTopic("dlq-at-start");
    const dlq = `${topic}-dlq`;
    await produce(topic, [{ value: '{"n":1}' }]);
    const admin = (await testClient()).admin();
    await admin.connect();
    try {
      expect(await admin.listTopics()).not.toContain(dlq);
      const { created } = await jsonSink(name, topic, {
        "errors.tolerance": "all",
        "errors.deadletterqueue.topic.name": dlq,
        "errors.deadletterqueue.topic.replication.factor": "1",
      });
      expect(created.status).toBe(201);
      await waitFor(
        async () => (await suite.gw.rest.get(`/connectors/${name}/status`)).body.tasks?.[0]?.state === "RUNNING",
        { what: `task ${name}-0 RUNNING` },
      );
      const { topics } = await admin.fetchTopicMetadata({ topics: [dlq] });
      expect(topics.map((t) => ({ name: t.name, partitions: t.partitions.length }))).toEqual([
        { name: dlq, partitions: 1 },
      ]);
      expect(await admin.fetchTopicOffsets(dlq)).toMatchObject([{ partition: 0, low: "0", high: "0" }]);
      // The topic takes the first bad record as usual.
      await produce(topic, [{ value: "not json" }]);
      const [dead] = await readTopic(dlq, 1);
      expect([dead!.value!.toString("utf8"), dead!.offset]).toEqual(["not json", "0"]);
    } finally {
      await admin.disconnect();
    }
  });

  test("a DLQ topic the broker cannot create fails the task at start, as in Connect", async () => {
    const topic = uniqueTopic("dlq-refused");
    // A name (so a consumer group) of its own on the shared broker, whoever else runs meanwhile.
    const name = uniqueTopic("dlq-refused");
    const dlq = `${topic}-dlq`;
    await produce(topic, [{ value: '{"n":1}' }]);
    const { out } = await jsonSink(name, topic, {
      "errors.deadletterqueue.topic.name": dlq,
      // More replicas than any test broker has.
      "errors.deadletterqueue.topic.replication.factor": "100",
    });
    const status = await failedStatus(name);
    expect(status.tasks[0].trace).toStartWith(
      `org.apache.kafka.connect.errors.ConnectException: Could not initialize dead letter queue with topic=${dlq}\n`,
    );
    expect(status.tasks[0].trace).toContain("Caused by: ");
    // The task never ran: the good record was not written.
    expect(lines(out)).toEqual([]);
  });

  test("an invalid DLQ producer configuration fails the task at start with the client's message, as in Connect", async () => {
    const topic = uniqueTopic("dlq-bad-producer");
    // A name (so a consumer group) of its own on the shared broker, whoever else runs meanwhile.
    const name = uniqueTopic("dlq-bad-producer");
    const dlq = `${topic}-dlq`;
    await produce(topic, [{ value: '{"n":1}' }]);
    const { out } = await jsonSink(name, topic, {
      "errors.tolerance": "all",
      "errors.deadletterqueue.topic.name": dlq,
      "errors.deadletterqueue.topic.replication.factor": "1",
      "producer.override.acks": "banana",
    });
    const status = await failedStatus(name);
    expect(status.tasks[0].trace).toStartWith(
      "org.apache.kafka.common.config.ConfigException: Invalid value banana for configuration acks: String must be one of: all, -1, 0, 1\n",
    );
    // The task never ran: the good record was not written.
    expect(lines(out)).toEqual([]);
  });

  test("errors.tolerance=none fails the task with 'Tolerance exceeded in error handler'", async () => {
    const topic = uniqueTopic("intolerant");
    // A name (so a consumer group) of its own on the shared broker, whoever else runs meanwhile.
    const name = uniqueTopic("intolerant");
    await produce(topic, [{ value: '{"n":1}' }, { value: "not json" }, { value: '{"n":2}' }]);
    const { out } = await jsonSink(name, topic);
    const status = await failedStatus(name);
    expect(status.tasks[0].trace).toStartWith(
      "org.apache.kafka.connect.errors.ConnectException: Tolerance exceeded in error handler\n",
    );
    expect(status.tasks[0].trace).toContain(
      "Caused by: org.apache.kafka.connect.errors.DataException: Converting byte[] to Kafka Connect data failed",
    );
    // Nothing after the poison record was written or committed.
    expect(lines(out)).toEqual([]);
  });

  test("a topic none of whose records converted is not active (GET topics), as in Connect (explore9 F2)", async () => {
    const bad = uniqueTopic("unconvertible");
    const good = uniqueTopic("convertible");
    // A name (so a consumer group) of its own on the shared broker, whoever else runs meanwhile.
    const name = uniqueTopic("active-topics");
    await produce(bad, [{ value: "not json" }]);
    await produce(good, [{ value: '{"n":1}' }]);
    const { out, created } = await jsonSink(name, `${bad},${good}`, { "errors.tolerance": "all" });
    expect(created.status).toBe(201);
    await waitFor(() => lines(out).length === 1, { what: "the good record" });
    await waitFor(
      async () =>
        (await (await fetch(`${suite.gw.url}/metrics`)).text()).includes(
          `kafka_connect_task_error_metrics_total_records_skipped{connector="${name}",task="0"} 1`,
        ),
      { what: "the bad record skipped" },
    );
    expect((await suite.gw.rest.get(`/connectors/${name}/topics`)).body).toEqual({ [name]: { topics: [good] } });
  });
});

describe("metrics", () => {
  test("GET /metrics counts records as they flow", async () => {
    const topic = uniqueTopic("metered");
    const file = await source("metered", topic, {
      "value.converter": "JsonConverter",
      "value.converter.schemas.enable": "false",
    });
    appendFileSync(file, Array.from({ length: 25 }, (_, i) => `m${i}\n`).join(""));
    await readTopic(topic, 25);
    const text = await waitFor(async () => {
      const t = await (await fetch(`${suite.gw.url}/metrics`)).text();
      return t.includes('kafka_connect_source_task_metrics_source_record_write_total{connector="metered",task="0"} 25')
        ? t
        : undefined;
    });
    expect(text).toContain(
      'kafka_connect_source_task_metrics_source_record_poll_total{connector="metered",task="0"} 25',
    );
    expect(text).toContain('kafka_connect_connector_metrics_status{connector="metered",status="running"} 1');
    expect(text).toContain(
      'kafka_connect_connector_task_metrics_status{connector="metered",task="0",status="running"} 1',
    );
    expect(text).toMatch(/^# TYPE kafka_connect_connect_worker_metrics_connector_count gauge$/m);
    expect(Number(/source_record_write_rate\{connector="metered",task="0"\} (\S+)/.exec(text)?.[1])).toBeGreaterThan(0);
  });
});
