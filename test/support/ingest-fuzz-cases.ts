/**
 * Requests for the ingest fuzz test (test/ingest-fuzz.test.ts), built from the listener's own
 * /openapi.json with a seeded PRNG: valid ones (every content type an operation lists, bodies
 * sampled from its request schema, then made consistent where the schema cannot say so: base64 in
 * binary shapes, data matching its v3 type) carrying the records they should write, and mutated
 * ones (wrong types, missing/extra fields, huge numbers, deep nesting, bad base64, wrong
 * Content-Type, empty/truncated/non-UTF-8 bodies, oversized headers and bodies).
 */
import { int, type JsonSchema, pick, randomJson, randomString, sampleOf } from "./json-schema.ts";

/** What one record should hold in Kafka: exact bytes, a JSON value (parsed from the record), or unchecked. */
export type Expected = { bytes: Buffer } | { json: unknown } | null | undefined;
export interface FuzzRecord {
  readonly key: Expected;
  readonly value: Expected;
  /** Kafka headers the record must carry (the route's header mapping). */
  readonly headers?: Record<string, string>;
}
export interface FuzzCase {
  readonly label: string;
  /** The topic the route writes to. */
  readonly topic: string;
  readonly path: string;
  readonly operation: Record<string, unknown>;
  readonly headers: Record<string, string>;
  readonly body: string | Uint8Array;
  /** The records a valid request writes (checked when it is answered 2xx); undefined for mutations. */
  readonly records?: FuzzRecord[];
}
export interface FuzzTopic {
  readonly topic: string;
  /** `json`: JsonConverter (schemas.enable=false) keys and values; `bytes`: ByteArray values, String keys. */
  readonly format: "json" | "bytes";
}

type Rng = () => number;
const b64 = (rng: Rng) => Buffer.from(Array.from({ length: int(rng, 9) }, () => int(rng, 256)));
/** Binary data for a key: UTF-8 text on `bytes` topics, whose StringConverter keys refuse other bytes. */
const keyBytes = (rng: Rng, f: FuzzTopic["format"]) => (f === "bytes" ? Buffer.from(randomString(rng)) : b64(rng));
const text = (s: string): Expected => ({ bytes: Buffer.from(s) });

/** A v3 key or value made consistent with its type, and what it writes under `format`. */
function v3Data(data: Record<string, unknown> | null | undefined, rng: Rng, f: FuzzTopic["format"], isKey: boolean) {
  if (data === null || data === undefined) return { expected: null as Expected };
  for (const k of ["subject", "subject_name_strategy", "schema_id", "schema_version", "schema"]) delete data[k];
  if (data.type === "AVRO" || data.type === "JSONSCHEMA" || data.type === "PROTOBUF") data.type = "STRING";
  if (data.type === "JSON") {
    data.data = randomJson(rng);
    return { expected: f === "json" ? { json: data.data } : isKey ? undefined : { json: data.data } };
  }
  if (data.type === "STRING") {
    data.data = randomString(rng);
    return { expected: f === "json" ? { json: data.data } : text(data.data as string) };
  }
  const bytes = isKey ? keyBytes(rng, f) : b64(rng);
  data.data = bytes.toString("base64");
  return { expected: f === "json" ? { json: data.data } : { bytes } };
}

function v3Record(r: Record<string, unknown>, rng: Rng, f: FuzzTopic["format"]): FuzzRecord {
  delete r.partition_id;
  if (r.timestamp !== undefined && r.timestamp !== null) r.timestamp = new Date(1_790_000_000_000).toISOString();
  if (Array.isArray(r.headers))
    for (const h of r.headers as Record<string, unknown>[]) {
      h.name = `h-${randomString(rng, 6).replace(/[^a-z0-9]/gi, "")}`;
      if (typeof h.value === "string") h.value = b64(rng).toString("base64");
    }
  const key = v3Data(r.key as Record<string, unknown> | null | undefined, rng, f, true).expected;
  return { key, value: v3Data(r.value as Record<string, unknown> | null | undefined, rng, f, false).expected };
}

function v2Record(r: Record<string, unknown>, rng: Rng, f: FuzzTopic["format"], binary: boolean): FuzzRecord {
  delete r.partition;
  if (!binary) {
    const json = (x: unknown): Expected => (x === undefined || x === null ? null : { json: x });
    return { key: f === "json" ? json(r.key) : undefined, value: json(r.value) };
  }
  const one = (field: "key" | "value"): Expected => {
    if (typeof r[field] !== "string") return r[field] === undefined || r[field] === null ? null : undefined;
    const bytes = field === "key" ? keyBytes(rng, f) : b64(rng);
    r[field] = bytes.toString("base64");
    return f === "json" ? { json: r[field] } : { bytes };
  };
  return { key: one("key"), value: one("value") };
}

/** A device document; `id` is the JSON route's key field. */
const doc = (rng: Rng) => ({ id: randomString(rng, 8), t: int(rng, 1000) / 10, v: randomJson(rng, 2) });

/** A valid request for `content` of the native route at `path`. */
function nativeValid(
  rng: Rng,
  content: string,
  f: FuzzTopic["format"],
): Omit<FuzzCase, "path" | "operation" | "topic"> {
  const headers: Record<string, string> = {
    "Content-Type": content,
    "X-Site": `s-${randomString(rng, 8).replace(/[^a-z0-9]/gi, "")}`,
  };
  const key = f === "bytes" && rng() < 0.5 ? `k-${int(rng, 1e6)}` : undefined;
  if (key) headers["X-Kafka-Key"] = key;
  const keyOf = (d: { id: string }): Expected => (f === "json" ? { json: d.id } : key ? text(key) : null);
  const valueFor = (t: string): Expected => (f === "json" ? { json: JSON.parse(t) } : text(t));
  if (content === "*/*" || content === "application/octet-stream") {
    const bytes = b64(rng);
    headers["Content-Type"] = pick(rng, ["image/jpeg", "application/octet-stream", "text/plain"]);
    const value: Expected = f === "json" ? { json: bytes.toString("base64") } : { bytes };
    return {
      label: "valid raw",
      headers,
      body: bytes,
      records: [{ key: f === "json" ? undefined : keyOf(doc(rng)), value }],
    };
  }
  const docs = Array.from({ length: 1 + int(rng, 4) }, () => doc(rng));
  const texts = docs.map((d) => JSON.stringify(d));
  const mapped = f === "json" ? { site: headers["X-Site"]! } : undefined;
  const records = docs.map((d, i) => ({ key: keyOf(d), value: valueFor(texts[i]!), headers: mapped }));
  if (content === "application/x-ndjson")
    return { label: "valid ndjson", headers, body: `${texts.join("\n")}\n`, records };
  if (rng() < 0.5) {
    // ByteArrayConverter keeps the body as sent, white space around the value too (README).
    const body = ` ${texts[0]} `;
    return { label: "valid json", headers, body, records: [{ ...records[0]!, value: valueFor(body) }] };
  }
  return { label: "valid json array", headers, body: `[${texts.join(",")}]`, records };
}

/** A valid request for one content type of an operation, built from its request schema. */
export function validCase(rng: Rng, path: string, operation: Record<string, unknown>, target: FuzzTopic): FuzzCase {
  const content = (operation.requestBody as { content: Record<string, { schema: JsonSchema }> }).content;
  const type = pick(rng, Object.keys(content));
  const id = String(operation.operationId);
  if (id.startsWith("ingest_"))
    return { path, operation, topic: target.topic, ...nativeValid(rng, type, target.format) };
  const body = sampleOf(content[type]!.schema, rng) as Record<string, unknown>;
  let records: FuzzRecord[];
  if (id.startsWith("produceV2")) {
    const binary = !type.includes(".json.");
    records = (body.records as Record<string, unknown>[]).map((r) => v2Record(r, rng, target.format, binary));
  } else if (id === "produceRecord") records = [v3Record(body, rng, target.format)];
  else records = (body.entries as Record<string, unknown>[]).map((e) => v3Record(e, rng, target.format));
  return {
    label: `valid ${type}`,
    topic: target.topic,
    path,
    operation,
    headers: { "Content-Type": type },
    body: JSON.stringify(body),
    records,
  };
}

/** Replaces one value somewhere inside `root` by `f(old)`. */
function mutateSomewhere(root: unknown, rng: Rng, f: (old: unknown) => unknown): unknown {
  if (root === null || typeof root !== "object" || rng() < 0.3) return f(root);
  const keys = Object.keys(root);
  if (keys.length === 0) return f(root);
  const k = pick(rng, keys);
  const copy = (Array.isArray(root) ? [...root] : { ...root }) as Record<string, unknown>;
  copy[k] = mutateSomewhere((root as Record<string, unknown>)[k], rng, f);
  return copy;
}

const nest = (depth: number) => `${"[".repeat(depth)}1${"]".repeat(depth)}`;

/** A mutation of a valid case (its records no longer known). */
export function mutatedCase(rng: Rng, valid: FuzzCase, maxBodyBytes: number): FuzzCase {
  const bodyText = typeof valid.body === "string" ? valid.body : Buffer.from(valid.body).toString("latin1");
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    parsed = { raw: bodyText };
  }
  const json = (label: string, v: unknown, headers = valid.headers): FuzzCase => ({
    ...valid,
    label,
    headers,
    body: JSON.stringify(v),
    records: undefined,
  });
  const raw = (label: string, body: string | Uint8Array, headers = valid.headers): FuzzCase => ({
    ...valid,
    label,
    headers,
    body,
    records: undefined,
  });
  const wrongType = (old: unknown) =>
    typeof old === "string" ? 42 : typeof old === "number" ? "42" : old === null ? [] : "x";
  switch (int(rng, 15)) {
    case 0:
      return json("wrong type", mutateSomewhere(parsed, rng, wrongType));
    case 1:
      return json(
        "missing field",
        mutateSomewhere(parsed, rng, (o) => (o && typeof o === "object" ? {} : undefined)),
      );
    case 2:
      return json(
        "extra field",
        mutateSomewhere(parsed, rng, (o) =>
          o && typeof o === "object" && !Array.isArray(o) ? { ...o, extra: randomJson(rng) } : o,
        ),
      );
    case 3:
      return raw(
        "huge number",
        JSON.stringify(mutateSomewhere(parsed, rng, () => "§HUGE§")).replace(
          '"§HUGE§"',
          pick(rng, ["1e400", "18446744073709551616", "-1e309", "123456789012345678901234567890"]),
        ),
      );
    case 4:
      return raw(
        "deep nesting",
        JSON.stringify(mutateSomewhere(parsed, rng, () => "§DEEP§")).replace(
          '"§DEEP§"',
          nest(pick(rng, [25, 150, 1200])),
        ),
      );
    case 5:
      return json(
        "bad base64",
        mutateSomewhere(parsed, rng, (o) =>
          typeof o === "string" ? pick(rng, ["!!!", "abc", "YQ", "%%==", "a b"]) : o,
        ),
      );
    case 6:
      return raw("wrong content type", valid.body, {
        ...valid.headers,
        "Content-Type": pick(rng, [
          "text/plain",
          "application/xml",
          "application/vnd.kafka.avro.v2+json",
          "application/vnd.kafka.protobuf.v2+json",
          "application/json; charset=utf-16",
          "bogus",
        ]),
      });
    case 7:
      return raw("empty body", "");
    case 8:
      return raw("truncated json", bodyText.slice(0, Math.max(1, int(rng, bodyText.length))));
    case 9:
      return raw(
        "non-utf8",
        Buffer.concat([
          Buffer.from(bodyText.slice(0, 5)),
          Buffer.from([0xff, 0xfe, 0xc3, 0x28]),
          Buffer.from(bodyText.slice(5)),
        ]),
      );
    case 10: {
      const big = "h".repeat(pick(rng, [200, 256, 2000, 8000]));
      return raw("oversized header", valid.body, {
        ...valid.headers,
        "Idempotency-Key": `${int(rng, 1e9)}${big}`.slice(0, pick(rng, [255, 256])),
        "X-Site": big,
        "X-Kafka-Key": big,
      });
    }
    case 11:
      return raw("oversized body", JSON.stringify([{ pad: "p".repeat(maxBodyBytes + int(rng, 100)) }]));
    case 12:
      if (rng() < 0.5)
        return json(
          "array for object",
          mutateSomewhere(parsed, rng, (o) =>
            o && typeof o === "object" && !Array.isArray(o) ? pick(rng, [[], [o]]) : o,
          ),
        );
      return json(
        "many records",
        Array.from({ length: 30 + int(rng, 50) }, () => ({ id: "x" })),
        valid.headers,
      );
    case 14: {
      // A partition the topic does not have (or a negative one), in the body.
      const p = pick(rng, [7, -1, 2 ** 31]);
      const o = (parsed !== null && typeof parsed === "object" ? parsed : {}) as Record<string, unknown>;
      const list = (x: unknown) => (Array.isArray(x) ? x.filter((r) => r !== null && typeof r === "object") : []);
      for (const r of list(o.records)) r.partition = p;
      for (const e of list(o.entries)) e.partition_id = p;
      if (!o.records && !o.entries) o.partition_id = p;
      return json("wrong partition in body", o);
    }
    default:
      return json("null root", pick(rng, [null, 0, "s", [], {}, true]));
  }
}
