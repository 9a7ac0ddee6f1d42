/**
 * Edge cases of the device ingest listener, fuzzed with a seeded PRNG (test/support/ingest-fuzz-edges.ts)
 * against the gateway (the compiled binary when GATEWAY_BIN is set) on the real broker: a
 * StringConverter route (key from X-Kafka-Key) and a JsonConverter one (key field `$.id`), both
 * mapping X-Site to a record header. Valid requests (charset parameters, UTF-8 request headers,
 * NDJSON with CRLF and blank lines, duplicate JSON keys, escaped NUL and lone surrogates, long
 * numbers, Idempotency-Key edge values) must be answered 2xx and land in Kafka exactly as sent
 * (values, keys, headers); invalid ones (bytes that are not text in their charset, unknown
 * charsets, raw NUL and invalid UTF-8 in JSON, bad NDJSON lines, bad Idempotency-Keys, compressed
 * bodies, non-UTF-8 binary data for a text converter) must get a 4xx in REST Proxy's error shape
 * and write nothing. A failure names its case's label and index: rerun with the same SEED.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { createIngestConnector, taskState } from "./support/gateway.ts";
import type { FuzzCase } from "./support/ingest-fuzz-cases.ts";
import { kafkaCheck, send, validRefused, violations } from "./support/ingest-fuzz-check.ts";
import { edgeInvalid } from "./support/ingest-fuzz-edge-refusals.ts";
import { type EdgeRoute, edgeValid } from "./support/ingest-fuzz-edges.ts";
import { createTopic, uniqueTopic } from "./support/kafka.ts";
import { servedSpec } from "./support/openapi-spec.ts";
import { mulberry32 } from "./support/prng.ts";
import { suiteGateway } from "./support/suite-gateway.ts";

const SEED = 20261202;
const CASES_PER_ROUTE = 300;
const MAX_BODY = 8192;
const ROUTES = {
  "edge-text": {
    topic: uniqueTopic("edge-text"),
    format: "text",
    config: {
      "ingest.key.source": "header",
      "value.converter": "org.apache.kafka.connect.storage.StringConverter",
      "key.converter": "org.apache.kafka.connect.storage.StringConverter",
    },
  },
  "edge-json": {
    topic: uniqueTopic("edge-json"),
    format: "json",
    config: { "ingest.key.source": "field", "ingest.key.field": "$.id" },
  },
} as const;

const suite = suiteGateway({ "ingest.listeners": "http://127.0.0.1:0", "offset.flush.interval.ms": "1000" });
const routes: EdgeRoute[] = [];

beforeAll(async () => {
  for (const [name, r] of Object.entries(ROUTES)) {
    await createTopic(r.topic, 2);
    await createIngestConnector(suite.gw, name, {
      "kafka.topic": r.topic,
      "ingest.path": `/ingest/${name}`,
      "ingest.headers.allowlist": "X-Site:site",
      "ingest.max.body.bytes": String(MAX_BODY),
      "ingest.max.json.depth": "20",
      ...r.config,
    });
  }
  const spec = (await servedSpec(suite.ingest)).resolved;
  for (const [name, r] of Object.entries(ROUTES))
    routes.push({
      path: `/ingest/${name}`,
      topic: r.topic,
      format: r.format,
      native: spec.paths[`/ingest/${name}`]!.post,
      v2: spec.paths["/topics/{topic}"]!.post,
      v3: spec.paths["/v3/clusters/{cluster_id}/topics/{topic_name}/records"]!.post,
    });
});

function cases(): FuzzCase[] {
  const rng = mulberry32(SEED);
  const out: FuzzCase[] = [];
  for (const route of routes)
    for (let i = 0; i < CASES_PER_ROUTE; i++) {
      const n = out.length;
      const valid = edgeValid(rng, route, n);
      const c = i % 2 === 0 ? valid : edgeInvalid(rng, route, valid);
      out.push({ ...c, label: `#${n} ${c.label}` });
    }
  return out;
}

describe("ingest listener edge cases fuzzed", () => {
  test(`${CASES_PER_ROUTE} cases per route: valid ones land exactly, invalid ones are 4xx and write nothing`, async () => {
    const answers = await send(suite.ingest, cases());
    expect(violations(answers, MAX_BODY).slice(0, 20)).toEqual([]);
    expect(validRefused(answers).slice(0, 20)).toEqual([]);
    const notRefused = answers
      .filter((a) => a.fuzz.records === undefined && (a.status < 400 || a.status >= 500))
      .map((a) => `${a.fuzz.label} ${a.fuzz.path} → ${a.status}: ${a.text.slice(0, 160)}`);
    expect(notRefused.slice(0, 20)).toEqual([]);
    for (const name of Object.keys(ROUTES)) expect(await taskState(suite.gw, name)).toBe("RUNNING");

    const { counts, written, mismatches } = await kafkaCheck(
      answers,
      routes.map((r) => r.topic),
    );
    expect(written).toBeGreaterThan(CASES_PER_ROUTE / 2);
    for (const c of counts) expect(c.inKafka).toBe(c.reported);
    expect(mismatches.slice(0, 20)).toEqual([]);
  }, 60_000);
});
