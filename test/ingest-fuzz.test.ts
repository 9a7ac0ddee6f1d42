/**
 * Fuzzing the device ingest listener from its own /openapi.json (src/ingest/openapi.ts): the gateway
 * (the compiled binary when GATEWAY_BIN is set) on the real broker with two HttpIngestSource routes
 * (ingest.mode=auto JSON with a key JSONPath and a header mapping; ByteArray/String converters with
 * a header key), their native paths and the REST Proxy v2/v3 routes of their topics. Valid and
 * mutated requests from a seeded PRNG (test/support/ingest-fuzz-cases.ts); every answer must have
 * a status the operation declares and a body matching that status' schema, never a 500; the tasks
 * stay RUNNING; and Kafka holds exactly the records 2xx answers reported, with the keys and values
 * the requests sent.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { taskState } from "./support/gateway.ts";
import {
  type Expected,
  type FuzzCase,
  type FuzzRecord,
  type FuzzTopic,
  mutatedCase,
  validCase,
} from "./support/ingest-fuzz-cases.ts";
import { type JsonSchema, pick, schemaErrors } from "./support/json-schema.ts";
import { createTopic, readAll, uniqueTopic } from "./support/kafka.ts";
import { mulberry32 } from "./support/prng.ts";
import { suiteGateway } from "./support/suite-gateway.ts";
import { waitFor } from "./support/wait-for.ts";

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
/** Answers any request may get without its operation declaring them (README: Device ingest). */
const GENERIC = ["413", "415", "429", "503"];

const suite = suiteGateway({ "ingest.listeners": "http://127.0.0.1:0", "offset.flush.interval.ms": "1000" });
let spec: { paths: Record<string, { post: Record<string, unknown> }> };

beforeAll(async () => {
  await createTopic(JSON_TOPIC.topic, 2);
  await createTopic(BYTES_TOPIC.topic, 1);
  for (const [name, c] of Object.entries(CONNECTORS)) {
    const config = { "connector.class": "HttpIngestSource", "kafka.topic": c.topic.topic, ...LIMITS, ...c.config };
    const created = await suite.gw.rest.post("/connectors", {
      name,
      config: { ...config, "ingest.max.body.bytes": String(c.maxBody) },
    });
    expect(created.status).toBe(201);
    await waitFor(async () => (await taskState(suite.gw, name)) === "RUNNING", { what: `${name} RUNNING` });
  }
  const answer = await fetch(`${suite.ingest}/openapi.json`);
  expect(answer.status).toBe(200);
  spec = (await answer.json()) as typeof spec;
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

interface Answer {
  readonly fuzz: FuzzCase;
  readonly status: number;
  readonly text: string;
}

/** Sends every case, `clients` at a time, keeping the answers in case order. */
async function send(all: FuzzCase[], clients = 8): Promise<Answer[]> {
  const answers: Answer[] = new Array(all.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < all.length) {
        const i = next++;
        const fuzz = all[i]!;
        const r = await fetch(`${suite.ingest}${fuzz.path}`, {
          method: "POST",
          headers: fuzz.headers,
          body: fuzz.body,
        });
        answers[i] = { fuzz, status: r.status, text: await r.text() };
      }
    }),
  );
  return answers;
}

/** The declared response for `status` (exact, then its class such as 5XX). */
function declared(operation: Record<string, unknown>, status: number) {
  const responses = operation.responses as Record<string, { content?: Record<string, { schema: JsonSchema }> }>;
  return responses[String(status)] ?? responses[`${String(status)[0]}XX`];
}

/** What an answer breaks of the spec (empty when it conforms). */
function specErrors(a: Answer, biggestBody: number): string[] {
  const body = typeof a.fuzz.body === "string" ? Buffer.byteLength(a.fuzz.body) : a.fuzz.body.length;
  // Bun's own 413 (no JSON body) for a body over its own limit (above every route's): README, "Request hardening".
  if (a.status === 413 && body > biggestBody) return [];
  const response = declared(a.fuzz.operation, a.status);
  if (!response && !GENERIC.includes(String(a.status))) return [`undeclared status ${a.status}`];
  if (a.status === 500) return ["500 for a request Kafka did not fail"];
  if (response && !response.content) return a.text === "" ? [] : [`a body where none is declared: ${a.text}`];
  let parsed: unknown;
  try {
    parsed = JSON.parse(a.text);
  } catch {
    return [`body is not JSON: ${a.text.slice(0, 80)}`];
  }
  const schema = response?.content
    ? Object.values(response.content)[0]!.schema
    : declared(a.fuzz.operation, 400)!.content!["application/json"]!.schema;
  const errors = schemaErrors(schema, parsed);
  if (a.status < 300)
    errors.push(...refusedBody(a.fuzz, parsed).map((e) => `accepted what its request schema refuses: ${e}`));
  if (
    a.status >= 400 &&
    !(
      typeof (parsed as { message?: unknown }).message === "string" &&
      (parsed as { message: string }).message.length > 0
    )
  )
    errors.push("error without a message");
  return errors;
}

/** How the body breaks the schema the spec gives its JSON Content-Type (empty when it conforms or is not one JSON text). */
function refusedBody(fuzz: FuzzCase, answer: unknown): string[] {
  const content = (fuzz.operation.requestBody as { content: Record<string, { schema: JsonSchema }> }).content;
  const type = (fuzz.headers["Content-Type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (!content[type] && !content["*/*"]) return [`Content-Type ${type} is not in the spec`];
  const schema = content[type]?.schema;
  // Only JSON media types carry a JSON document (NDJSON and raw bodies are text the route splits or keeps).
  if (!schema || !(type === "application/json" || type.endsWith("+json"))) return [];
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(fuzz.body).toString("utf8"));
  } catch {
    return [];
  }
  const successes = (answer as { successes?: { id: string }[] }).successes;
  if (!successes) return schemaErrors(schema, body);
  // A 207 fails bad entries alone (REST Proxy): none of them may be among the successes.
  const entries = (body as { entries: { id?: unknown }[] }).entries;
  const entry = (schema.properties as { entries: { items: JsonSchema } }).entries.items;
  const ok = new Set(successes.map((e) => e.id));
  return entries.filter((e) => ok.has(e.id as string)).flatMap((e) => schemaErrors(entry, e));
}

interface Reported {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly record?: FuzzRecord;
}

/** The records a 2xx answer reports written, paired with what the request sent. */
function reported(a: Answer): Reported[] {
  const body = JSON.parse(a.text);
  const places: ({ partition: number; offset: number } | null)[] =
    "successes" in body
      ? body.successes.map((s: { partition_id: number; offset: number }) => ({
          partition: s.partition_id,
          offset: s.offset,
        }))
      : "offsets" in body
        ? body.offsets.map((o: { partition: number | null; offset: number | null; error_code?: number | null }) =>
            o.partition === null || o.offset === null || (o.error_code ?? null) !== null ? null : o,
          )
        : [body.error_code === 200 ? { partition: body.partition_id, offset: body.offset } : null];
  // A 207 lists successes by entry id, not in entry order.
  const ids: string[] | undefined = "successes" in body ? body.successes.map((s: { id: string }) => s.id) : undefined;
  const entries: { id: string }[] = ids && a.fuzz.records ? JSON.parse(String(a.fuzz.body)).entries : [];
  const out: Reported[] = [];
  places.forEach((p, i) => {
    const index = ids ? entries.findIndex((e) => e.id === ids[i]) : i;
    if (p) out.push({ topic: a.fuzz.topic, ...p, record: a.fuzz.records?.[index] });
  });
  return out;
}

function matches(expected: Expected, actual: Buffer | null): boolean {
  if (expected === undefined) return true;
  if (expected === null) return actual === null;
  // A JSON null value is a tombstone (README: Device ingest).
  if (actual === null) return "json" in expected && expected.json === null;
  if ("bytes" in expected) return actual.equals(expected.bytes);
  return Bun.deepEquals(JSON.parse(actual.toString("utf8")), expected.json);
}

function hasHeaders(record: FuzzRecord, actual: Record<string, unknown>): boolean {
  return Object.entries(record.headers ?? {}).every(([name, value]) => String(actual[name]) === value);
}

describe("ingest listener fuzzed from /openapi.json", () => {
  test(`${CASES_PER_ROUTE} cases per route: declared answers, no 500, tasks RUNNING, Kafka holds what 2xx reported`, async () => {
    const all = cases();
    const answers = await send(all);
    const biggest = Math.max(...Object.values(CONNECTORS).map((c) => c.maxBody));
    const violations = answers
      .map((a) => ({ a, errors: specErrors(a, biggest) }))
      .filter((v) => v.errors.length > 0)
      .map(
        ({ a, errors }) =>
          `${a.fuzz.label} ${a.fuzz.operation.operationId} → ${a.status}: ${errors[0]} (${a.text.slice(0, 120)})`,
      );
    expect([...new Set(violations)].slice(0, 20)).toEqual([]);

    const topics = Object.values(CONNECTORS).map((c) => c.topic.topic);
    const written = answers.filter((a) => a.status >= 200 && a.status < 300).flatMap(reported);
    // Enough valid requests were accepted for the accounting to mean something.
    expect(written.length).toBeGreaterThan(CASES_PER_ROUTE);
    for (const name of Object.keys(CONNECTORS)) expect(await taskState(suite.gw, name)).toBe("RUNNING");

    const mismatches: string[] = [];
    for (const topic of topics) {
      const inKafka = await readAll(topic);
      const mine = written.filter((w) => w.topic === topic);
      expect({ topic, records: inKafka.length }).toEqual({ topic, records: mine.length });
      const at = new Map(inKafka.map((r) => [`${r.partition}:${r.offset}`, r]));
      for (const w of mine) {
        const r = at.get(`${w.partition}:${w.offset}`);
        if (!r) mismatches.push(`${topic} ${w.partition}:${w.offset} missing`);
        else if (
          w.record &&
          !(matches(w.record.key, r.key) && matches(w.record.value, r.value) && hasHeaders(w.record, r.headers))
        )
          mismatches.push(
            `${topic} ${w.partition}:${w.offset} holds ${r.key}/${r.value} for ${JSON.stringify(w.record)}`,
          );
      }
    }
    expect(mismatches.slice(0, 20)).toEqual([]);
  }, 120_000);
});
