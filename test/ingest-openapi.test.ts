/**
 * The ingest listener's /openapi.json as the tools device teams use read it: the gateway (the
 * compiled binary when GATEWAY_BIN is set) on the real broker with single, batch and auto routes
 * (JSON and ByteArray converters, REST Proxy topics). The document is valid OpenAPI 3.1
 * (test/support/openapi-spec.ts); what client generators need is there (every array schema has
 * `items`, so openapi-python-client generates the batch route; request and response bodies are
 * named components, one model each; raw records also as application/octet-stream); and the
 * constraints it states on the Idempotency-Key and the partition path parameter are the ones the
 * gateway applies.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { createIngestConnector } from "./support/gateway.ts";
import { createTopic, uniqueTopic } from "./support/kafka.ts";
import { type OpenApiSpec, servedSpec } from "./support/openapi-spec.ts";
import { suiteGateway } from "./support/suite-gateway.ts";

const TOPIC = uniqueTopic("openapi");
const EXTRA = uniqueTopic("openapi-extra");
const ROUTES: Record<string, Record<string, string>> = {
  "oa-single": { "ingest.mode": "single" },
  "oa-batch": { "ingest.mode": "batch", "ingest.rest.proxy.topics": EXTRA },
  "oa-auto": {
    "ingest.mode": "auto",
    "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
  },
};

const suite = suiteGateway({ "ingest.listeners": "http://127.0.0.1:0" });
let raw: Record<string, unknown>;
let spec: OpenApiSpec;

beforeAll(async () => {
  await Promise.all([createTopic(TOPIC, 1), createTopic(EXTRA, 1)]);
  for (const [name, config] of Object.entries(ROUTES)) {
    await createIngestConnector(suite.gw, name, { "ingest.path": `/ingest/${name}`, "kafka.topic": TOPIC, ...config });
  }
  ({ raw, resolved: spec } = await servedSpec(suite.ingest));
}, 60_000);

/** Every schema object inside `node` (request, response and parameter schemas, nested ones too). */
function schemasIn(node: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(node)) for (const n of node) schemasIn(n, out);
  else if (node !== null && typeof node === "object") {
    const o = node as Record<string, unknown>;
    if (o.type !== undefined) out.push(o);
    for (const v of Object.values(o)) schemasIn(v, out);
  }
  return out;
}

const post = (path: string) => spec.paths[path]!.post as Record<string, any>;

describe("/openapi.json for client generators", () => {
  test("every route and REST Proxy path, operationIds distinct", () => {
    expect(Object.keys(spec.paths).sort()).toEqual(
      [
        ...Object.keys(ROUTES).map((n) => `/ingest/${n}`),
        "/topics/{topic}",
        "/topics/{topic}/partitions/{partition}",
        "/v3/clusters/{cluster_id}/topics/{topic_name}/records",
        "/v3/clusters/{cluster_id}/topics/{topic_name}/records:batch",
      ].sort(),
    );
    const ids = Object.values(spec.paths).map((p) => p.post.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(post("/topics/{topic}").parameters[0].schema.enum).toEqual([TOPIC, EXTRA].sort());
  });

  test("every array schema says what its items are (the batch route's body included)", () => {
    const arrays = schemasIn(spec).filter((s) => s.type === "array");
    expect(arrays.length).toBeGreaterThan(0);
    expect(arrays.filter((s) => s.items === undefined)).toEqual([]);
    expect(post("/ingest/oa-batch").requestBody.content["application/json"].schema).toEqual({
      type: "array",
      minItems: 1,
      maxItems: 10000,
      items: {},
    });
  });

  test("bodies are named components: one model for a body several content types share", () => {
    const components = (raw.components as { schemas: Record<string, unknown> }).schemas;
    expect(Object.keys(components)).toEqual(
      expect.arrayContaining(["ErrorResponse", "NativeResponse", "V2BinaryProduceRequest", "V3BatchRequest"]),
    );
    const v2 = (raw.paths as Record<string, any>)["/topics/{topic}"].post.requestBody.content;
    expect(v2["application/vnd.kafka.binary.v2+json"].schema).toEqual({
      $ref: "#/components/schemas/V2BinaryProduceRequest",
    });
    expect(v2["application/json"].schema).toEqual(v2["application/vnd.kafka.binary.v2+json"].schema);
    expect(post("/topics/{topic}").requestBody.content["application/vnd.kafka.json.v2+json"].schema.required).toEqual([
      "records",
    ]);
  });

  // Review of routedtopic (P3): the entry's optional topic and v3's topic_name said nothing of what they mean.
  test("an answer's per-record topic says it is the topic the record was written to (a transformation may change it)", () => {
    const components = (raw.components as { schemas: Record<string, any> }).schemas;
    const routed = "a transformation (RegexRouter, TimestampRouter, any SMT setting the topic)";
    const entry = components.NativeResponse.properties.offsets.items;
    expect(entry.required).not.toContain("topic");
    expect(entry.properties.topic).toEqual({
      type: "string",
      description: `The topic the record was written to, present only when ${routed} wrote it to another topic than the route's (the answer's top-level topic); partition and offset are in this topic.`,
    });
    const topicName = {
      type: "string",
      description: `The topic the record was written to: the URL's {topic_name}, or another one when ${routed} changed it; partition_id and offset are in this topic.`,
    };
    expect(components.V3DeliveryReport.properties.topic_name).toEqual(topicName);
    expect(components.V3BatchResponse.properties.successes.items.properties.topic_name).toEqual(topicName);
  });

  test("raw records are offered as application/octet-stream too, where the mode takes them", () => {
    for (const name of ["oa-single", "oa-auto"])
      expect(Object.keys(post(`/ingest/${name}`).requestBody.content)).toEqual(
        expect.arrayContaining(["application/octet-stream", "*/*"]),
      );
    expect(Object.keys(post("/ingest/oa-batch").requestBody.content)).toEqual([
      "application/json",
      "application/x-ndjson",
    ]);
  });

  test("Retry-After and WWW-Authenticate are declared where the gateway sends them", () => {
    const responses = post("/ingest/oa-single").responses;
    for (const status of ["409", "429", "503"]) expect(Object.keys(responses[status].headers)).toEqual(["Retry-After"]);
    expect(Object.keys(responses["401"].headers)).toEqual(["WWW-Authenticate"]);
  });
});

describe("/openapi.json states the constraints the gateway applies", () => {
  test("Idempotency-Key: the document's pattern and lengths accept exactly the keys the gateway takes", async () => {
    const schema = post("/ingest/oa-single").parameters[0].schema;
    const declared = (key: string) =>
      key.length >= schema.minLength && key.length <= schema.maxLength && new RegExp(schema.pattern).test(key);
    for (const key of ["k-1", "A~!", "a b", "tab\tkey", "é", "x".repeat(255), "x".repeat(256)]) {
      const answer = await fetch(`${suite.ingest}/ingest/oa-single`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Idempotency-Key": key },
        body: `{"key":${JSON.stringify(key)}}`,
      });
      await answer.arrayBuffer();
      expect({ key, status: answer.status }).toEqual({ key, status: declared(key) ? 200 : 400 });
    }
  });

  test("partition path parameter: Java int range, as REST Proxy's (beyond it 404)", async () => {
    const schema = post("/topics/{topic}/partitions/{partition}").parameters[1].schema;
    expect(schema).toEqual({ type: "integer", minimum: 0, maximum: 2147483647 });
    const answer = await fetch(`${suite.ingest}/topics/${TOPIC}/partitions/2147483648`, {
      method: "POST",
      headers: { "Content-Type": "application/vnd.kafka.json.v2+json" },
      body: '{"records":[{"value":1}]}',
    });
    expect(answer.status).toBe(404);
  });
});
