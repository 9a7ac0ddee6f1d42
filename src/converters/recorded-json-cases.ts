/**
 * Test support for the tests that replay records through Apache Kafka's own classes as recorded in
 * test/fixtures (schemaless-doubles, java-floats): one record per case, read by JsonConverter (or
 * taken as the JsonText a source hands over), put through our transformations of the same class
 * names, then written the ways a worker writes it: JsonConverter (the case's schemas.enable and
 * schemas.enable=false), StringConverter, SimpleHeaderConverter for each header, and FileStreamSink's
 * line. `expected` compares only the outputs a fixture recorded, in a form where the JSON's key
 * order and a HashMap's entry order do not count but number spellings do (`3.0` is not `3`).
 */

import { javaToString } from "../api/data/java-text.ts";
import { readJsonText } from "../api/data/json-reader.ts";
import { materialized } from "../api/data/json-text.ts";
import type { SinkRecord } from "../api/record.ts";
import type { Transformation } from "../api/transformation.ts";
import { javaClassOf } from "../errors.ts";
import { transformationPlugins } from "../transforms/index.ts";
import { sinkRecord } from "../transforms/util/test-support.ts";
import { JsonConverter } from "./json-converter.ts";
import { SimpleHeaderConverter } from "./simple-header-converter.ts";
import { StringConverter } from "./string-converter.ts";

export interface RecordedJsonCase {
  readonly name: string;
  readonly schemas: boolean;
  readonly input: string;
  readonly steps: readonly { readonly type: string; readonly config: Record<string, string> }[];
  readonly result: RecordedOutput | { readonly error: { readonly class: string; readonly message: string } };
}

/** What a fixture recorded; each generator records some of these. */
export interface RecordedOutput {
  readonly key?: string | null;
  /** The key through StringConverter as key converter. */
  readonly stringKey?: string | null;
  readonly value?: string | null;
  readonly valueNoSchemas?: string | null;
  readonly stringValue?: string | null;
  readonly keyLine?: string;
  readonly valueLine?: string;
  readonly headers?: Record<string, string | null>;
}

export type Reading = "toConnectData" | "JsonText";

const plugins = new Map(transformationPlugins.map((p) => [p.className, p]));
const decoder = new TextDecoder();
const text = (bytes: Uint8Array | null) => (bytes === null ? null : decoder.decode(bytes));

function converter(schemas: boolean, isKey: boolean): JsonConverter {
  const c = new JsonConverter();
  c.configure({ "schemas.enable": String(schemas) }, isKey);
  return c;
}

/** Our answer for `c`, in the canonical form of the outputs its fixture recorded. */
export function runRecordedCase(c: RecordedJsonCase, reading: Reading): unknown {
  const values = converter(c.schemas, false);
  const bytes = new TextEncoder().encode(c.input);
  const read = reading === "JsonText" ? values.toConnectJsonText("t", undefined, bytes) : undefined;
  const { schema, value } = read ?? values.toConnectData("t", undefined, bytes);
  let record: SinkRecord = sinkRecord({ topic: "t", valueSchema: schema, value: materialized(value) });
  try {
    for (const step of c.steps) {
      const t = plugins.get(step.type)!.create() as Transformation;
      t.configure(step.config);
      record = t.apply(record) as SinkRecord;
    }
  } catch (e) {
    return { error: { class: javaClassOf(e), message: (e as Error).message } };
  }
  const headers = new SimpleHeaderConverter();
  headers.configure({});
  const strings = new StringConverter();
  strings.configure({}, false);
  const { keySchema, key, valueSchema, value: out } = record;
  const all: Required<RecordedOutput> = {
    key: text(converter(false, true).fromConnectData("t", undefined, keySchema, key)),
    stringKey: text(strings.fromConnectData("t", undefined, keySchema, key)),
    value: text(values.fromConnectData("t", undefined, valueSchema, out)),
    valueNoSchemas: text(converter(false, false).fromConnectData("t", undefined, valueSchema, out)),
    stringValue: text(strings.fromConnectData("t", undefined, valueSchema, out)),
    keyLine: javaToString(key, keySchema),
    valueLine: typeof out === "string" ? out : javaToString(out, valueSchema),
    headers: Object.fromEntries(
      [...record.headers].map((h) => [h.key, text(headers.fromConnectHeader("t", h.key, h.schema, h.value))]),
    ),
  };
  const recorded = c.result as RecordedOutput;
  return canonical(Object.fromEntries(Object.keys(recorded).map((k) => [k, all[k as keyof RecordedOutput]])));
}

/** Apache's answer for `c`, in the same canonical form. */
export function expectedOf(c: RecordedJsonCase): unknown {
  return "error" in c.result ? c.result : canonical(c.result);
}

function canonical(r: RecordedOutput): unknown {
  const out: Record<string, unknown> = { ...r };
  for (const k of ["key", "value", "valueNoSchemas"] as const) if (k in r) out[k] = canonicalJson(r[k] ?? null);
  for (const k of ["keyLine", "valueLine", "stringKey", "stringValue"] as const)
    if (k in r) out[k] = canonicalLine(r[k] ?? null);
  return out;
}

/** The JSON text read exactly (number spellings kept: `3.0` is not `3`), so key order does not count. */
function canonicalJson(json: string | null): unknown {
  return json === null ? null : readJsonText(json, true);
}

/** A Java map's `{k=v, …}` as its sorted entries (a HashMap's order is the hash's, ours insertion). */
function canonicalLine(line: string | null): unknown {
  if (line === null || !line.startsWith("{")) return line;
  const entries: string[] = [];
  let depth = 0;
  let from = 1;
  for (let i = 1; i < line.length - 1; i++) {
    const ch = line[i];
    if (ch === "{" || ch === "[") depth++;
    else if (ch === "}" || ch === "]") depth--;
    else if (ch === "," && depth === 0 && line[i + 1] === " ") {
      entries.push(line.slice(from, i));
      from = i + 2;
    }
  }
  entries.push(line.slice(from, -1));
  return entries.sort();
}
