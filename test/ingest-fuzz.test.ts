/**
 * Fuzzing the device ingest listener from its own /openapi.json (src/ingest/openapi.ts): the gateway
 * (the compiled binary when GATEWAY_BIN is set) on the real broker with two HttpIngestSource routes
 * (ingest.mode=auto JSON with a key JSONPath and a header mapping; ByteArray/String converters with
 * a header key), their native paths and the REST Proxy v2/v3 routes of their topics. Valid and
 * mutated requests from a seeded PRNG (test/support/ingest-fuzz-cases.ts); every answer must have
 * a status the operation declares and a body matching that status' schema, never a 500, and every
 * valid request a 2xx (checks in test/support/ingest-fuzz-check.ts); the tasks
 * stay RUNNING; and Kafka holds exactly the records 2xx answers reported, with the keys and values
 * the requests sent.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { createIngestConnector, taskState } from "./support/gateway.ts";
import { type FuzzCase, type FuzzTopic, mutatedCase, validCase } from "./support/ingest-fuzz-cases.ts";
import { kafkaCheck, send, validRefused, violations } from "./support/ingest-fuzz-check.ts";
import { pick } from "./support/json-schema.ts";
import { createTopic, uniqueTopic } from "./support/kafka.ts";
import { type OpenApiSpec, servedSpec } from "./support/openapi-spec.ts";
import { mulberry32 } from "./support/prng.ts";
import { suiteGateway } from "./support/suite-gateway.ts";

const SEED = 20261201;
const CASES_PER_ROUTE = 300;
const JSON_TOPIC: FuzzTopic = { topic: uniqueTopic("fuzz-json"), format: "json" };
const BYTES_TOPIC: FuzzTopic = { topic: uniqueTopic("fuzz-bytes"), format: "bytes" };
const LIMITS = { "ingest.max.records": "20", "ingest.max.record.bytes": "1024", "ingest.max.json.depth": "20" };
const CONNECTORS: Record<string, { topic: FuzzTopic; maxBody: number; config: Record<string, string> }> = {
  "fuzz-json": {
    topic: JSON_TOPIC,
    maxBody: 4096,
    config: {
      "ingest.path": "/ingest/fuzz-json",
      "ingest.key.source": "field",
      "ingest.key.field": "$.id",
      "ingest.headers.allowlist": "X-Site:site",
    },
  },
  "fuzz-bytes": {
    topic: BYTES_TOPIC,
    maxBody: 16384,
    config: {
      "ingest.path": "/ingest/fuzz-bytes",
      "ingest.key.source": "header",
      "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
      "key.converter": "org.apache.kafka.connect.storage.StringConverter",
    },
  },
};

const suite = suiteGateway({ "ingest.listeners": "http://127.0.0.1:0", "offset.flush.interval.ms": "1000" });
let spec: OpenApiSpec;

beforeAll(async () => {
  await createTopic(JSON_TOPIC.topic, 2);
  await createTopic(BYTES_TOPIC.topic, 1);
  for (const [name, c] of Object.entries(CONNECTORS)) {
    await createIngestConnector(suite.gw, name, {
      "kafka.topic": c.topic.topic,
      ...LIMITS,
      ...c.config,
      "ingest.max.body.bytes": String(c.maxBody),
    });
  }
  spec = (await servedSpec(suite.ingest)).resolved;
});

/** Every request to send: per operation and topic, valid cases and mutations of them. */
function cases(): FuzzCase[] {
  const rng = mulberry32(SEED);
  const out: FuzzCase[] = [];
  const add = (path: string, operation: Record<string, unknown>, target: FuzzTopic, maxBody: number) => {
    for (let i = 0; i < CASES_PER_ROUTE; i++) {
      const valid = validCase(rng, path, operation, target);
      out.push(i % 2 === 0 ? valid : mutatedCase(rng, valid, maxBody));
    }
  };
  for (const c of Object.values(CONNECTORS)) {
    const path = c.config["ingest.path"]!;
    add(path, spec.paths[path]!.post, c.topic, c.maxBody);
    const t = encodeURIComponent(c.topic.topic);
    const cluster = (): string => pick(rng, [suite.kafka.clusterId, "c1", "any-cluster"]);
    add(`/topics/${t}`, spec.paths["/topics/{topic}"]!.post, c.topic, c.maxBody);
    add(`/topics/${t}/partitions/0`, spec.paths["/topics/{topic}/partitions/{partition}"]!.post, c.topic, c.maxBody);
    add(
      `/v3/clusters/${cluster()}/topics/${t}/records`,
      spec.paths["/v3/clusters/{cluster_id}/topics/{topic_name}/records"]!.post,
      c.topic,
      c.maxBody,
    );
    add(
      `/v3/clusters/${cluster()}/topics/${t}/records:batch`,
      spec.paths["/v3/clusters/{cluster_id}/topics/{topic_name}/records:batch"]!.post,
      c.topic,
      c.maxBody,
    );
  }
  // Unknown topics and partitions: the same bodies on paths that name nothing the listener serves.
  const wrongPaths = (p: string) => [
    p.replace(/\/topics\/[^/]+/, "/topics/no-such-topic"),
    p.replace(
      /partitions\/0$/,
      pick(rng, ["partitions/7", "partitions/-1", "partitions/abc", "partitions/99999999999"]),
    ),
  ];
  const restProxy = out.filter((c) => c.path.includes("/topics/") && c.records);
  for (let i = 0; i < 200; i++) {
    const c = pick(rng, restProxy);
    const path = pick(rng, wrongPaths(c.path));
    if (path !== c.path) out.push({ ...c, label: `wrong path ${path}`, path, records: undefined });
  }
  return out;
}

describe("ingest listener fuzzed from /openapi.json", () => {
  test(`${CASES_PER_ROUTE} cases per route: declared answers, no 500, tasks RUNNING, Kafka holds what 2xx reported`, async () => {
    const all = cases();
    const answers = await send(suite.ingest, all);
    const biggest = Math.max(...Object.values(CONNECTORS).map((c) => c.maxBody));
    expect(violations(answers, biggest).slice(0, 20)).toEqual([]);
    expect(validRefused(answers).slice(0, 20)).toEqual([]);
    for (const name of Object.keys(CONNECTORS)) expect(await taskState(suite.gw, name)).toBe("RUNNING");

    const topics = Object.values(CONNECTORS).map((c) => c.topic.topic);
    const { counts, written, mismatches } = await kafkaCheck(answers, topics);
    // Enough valid requests were accepted for the accounting to mean something.
    expect(written).toBeGreaterThan(CASES_PER_ROUTE);
    // A refused request wrote nothing: Kafka holds exactly what 2xx answers reported.
    for (const c of counts) expect(c.inKafka).toBe(c.reported);
    expect(mismatches.slice(0, 20)).toEqual([]);
  }, 120_000);
});
