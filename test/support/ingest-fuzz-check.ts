/**
 * Checks of the ingest fuzz tests (test/ingest-fuzz.test.ts, test/ingest-fuzz-edges.test.ts):
 * sending cases a few clients at a time, what an answer breaks of /openapi.json (status declared,
 * body matching its schema, errors in REST Proxy's shape with a message, no 500), which records a
 * 2xx answer reports written (paired with what the request sent), and whether a record read back
 * from Kafka holds them.
 */
import type { Expected, FuzzCase, FuzzRecord } from "./ingest-fuzz-cases.ts";
import { type JsonSchema, schemaErrors } from "./json-schema.ts";
import { readAll } from "./kafka.ts";

/** Answers any request may get without its operation declaring them (README: Device ingest). */
export const GENERIC = ["413", "415", "429", "503"];

export interface Answer {
  readonly fuzz: FuzzCase;
  readonly status: number;
  readonly text: string;
}

/** Sends every case to the listener at `base`, `clients` at a time, keeping the answers in case order. */
export async function send(base: string, all: FuzzCase[], clients = 8): Promise<Answer[]> {
  const answers: Answer[] = new Array(all.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < all.length) {
        const i = next++;
        const fuzz = all[i]!;
        const r = await fetch(`${base}${fuzz.path}`, {
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
export function specErrors(a: Answer, biggestBody: number): string[] {
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

export interface Reported {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly record?: FuzzRecord;
}

/** The records a 2xx answer reports written, paired with what the request sent. */
export function reported(a: Answer): Reported[] {
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

export function matches(expected: Expected, actual: Buffer | null): boolean {
  if (expected === undefined) return true;
  if (expected === null) return actual === null;
  // A JSON null value is a tombstone (README: Device ingest).
  if (actual === null) return "json" in expected && expected.json === null;
  if ("bytes" in expected) return actual.equals(expected.bytes);
  return Bun.deepEquals(JSON.parse(actual.toString("utf8")), expected.json);
}

export function hasHeaders(record: FuzzRecord, actual: Record<string, unknown>): boolean {
  return Object.entries(record.headers ?? {}).every(([name, value]) => String(actual[name]) === value);
}

/** Every answer that breaks the spec, one line each (distinct). */
export function violations(answers: readonly Answer[], biggestBody: number): string[] {
  const out = answers
    .map((a) => ({ a, errors: specErrors(a, biggestBody) }))
    .filter((v) => v.errors.length > 0)
    .map(
      ({ a, errors }) =>
        `${a.fuzz.label} ${a.fuzz.operation.operationId} → ${a.status}: ${errors[0]} (${a.text.slice(0, 120)})`,
    );
  return [...new Set(out)];
}

/** Valid requests (their records known) not answered 2xx: a valid request must be taken. */
export function validRefused(answers: readonly Answer[]): string[] {
  return answers
    .filter((a) => a.fuzz.records !== undefined && (a.status < 200 || a.status >= 300))
    .map((a) => `${a.fuzz.label} ${a.fuzz.path} → ${a.status}: ${a.text.slice(0, 160)}`);
}

/** Per topic, how many records Kafka holds and 2xx answers reported, and every record that differs from its request. */
export async function kafkaCheck(
  answers: readonly Answer[],
  topics: readonly string[],
): Promise<{ counts: { topic: string; inKafka: number; reported: number }[]; written: number; mismatches: string[] }> {
  const written = answers.filter((a) => a.status >= 200 && a.status < 300).flatMap(reported);
  const counts: { topic: string; inKafka: number; reported: number }[] = [];
  const mismatches: string[] = [];
  for (const topic of topics) {
    const inKafka = await readAll(topic);
    const mine = written.filter((w) => w.topic === topic);
    counts.push({ topic, inKafka: inKafka.length, reported: mine.length });
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
  return { counts, written: written.length, mismatches };
}
