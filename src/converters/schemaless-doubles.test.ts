/**
 * JSON numbers as Java types, against Apache Kafka's own classes: test/fixtures/schemaless-doubles
 * holds what JsonConverter (schemas.enable=false reads `3.0`, `1e20` as Doubles and `3` as a Long),
 * connect-transforms, SimpleHeaderConverter and String.valueOf (FileStreamSink's line) made of one
 * record per case. Each case runs here through our converter, our transformations of the same class
 * names, our header converter and FileStreamSink's rendering; a schemaless input runs twice: read
 * by JsonConverter.toConnectData, and as the JsonText a source hands over (parsed where a
 * transformation first needs it).
 */
import { describe, expect, test } from "bun:test";
import { readJsonText } from "../api/data/json-reader.ts";
import { materialized } from "../api/data/json-text.ts";
import { displayValue } from "../api/data/struct.ts";
import type { SinkRecord } from "../api/record.ts";
import type { Transformation } from "../api/transformation.ts";
import { javaClassOf } from "../errors.ts";
import { transformationPlugins } from "../transforms/index.ts";
import { sinkRecord } from "../transforms/util/test-support.ts";
import { JsonConverter } from "./json-converter.ts";
import { SimpleHeaderConverter } from "./simple-header-converter.ts";

interface Case {
  readonly name: string;
  readonly schemas: boolean;
  readonly input: string;
  readonly steps: readonly { readonly type: string; readonly config: Record<string, string> }[];
  readonly result: Output | { readonly error: { readonly class: string; readonly message: string } };
}

interface Output {
  readonly key: string | null;
  readonly value: string | null;
  readonly keyLine: string;
  readonly valueLine: string;
  readonly headers: Record<string, string | null>;
}

const cases = (await Bun.file(
  new URL("../../test/fixtures/schemaless-doubles/fixtures.json", import.meta.url),
).json()) as Case[];
const plugins = new Map(transformationPlugins.map((p) => [p.className, p]));
const decoder = new TextDecoder();
const text = (bytes: Uint8Array | null) => (bytes === null ? null : decoder.decode(bytes));

function converter(schemas: boolean, isKey: boolean): JsonConverter {
  const c = new JsonConverter();
  c.configure({ "schemas.enable": String(schemas) }, isKey);
  return c;
}

type Reading = "toConnectData" | "JsonText";

function run(c: Case, reading: Reading): unknown {
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
  return {
    key: canonicalJson(text(converter(false, true).fromConnectData("t", undefined, record.keySchema, record.key))),
    value: canonicalJson(text(values.fromConnectData("t", undefined, record.valueSchema, record.value))),
    keyLine: canonicalLine(displayValue(record.key, record.keySchema)),
    valueLine: canonicalLine(
      typeof record.value === "string" ? record.value : displayValue(record.value, record.valueSchema),
    ),
    headers: Object.fromEntries(
      [...record.headers].map((h) => [h.key, text(headers.fromConnectHeader("t", h.key, h.schema, h.value))]),
    ),
  };
}

/** The JSON text read exactly (number spellings kept: `3.0` is not `3`), so key order does not count. */
function canonicalJson(json: string | null): unknown {
  return json === null ? null : readJsonText(json, true);
}

/** A Java map's `{k=v, …}` as its sorted entries (a HashMap's order is the hash's, ours insertion). */
function canonicalLine(line: string): unknown {
  if (!line.startsWith("{")) return line;
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

function expected(c: Case): unknown {
  const r = c.result;
  if ("error" in r) return r;
  return {
    ...r,
    key: canonicalJson(r.key),
    value: canonicalJson(r.value),
    keyLine: canonicalLine(r.keyLine),
    valueLine: canonicalLine(r.valueLine),
  };
}

describe("JSON doubles and longs against Apache Kafka's JsonConverter, transformations and sink", () => {
  test.each(cases.map((c) => [c.name, c] as const))("%s (toConnectData)", (_name, c) => {
    expect(run(c, "toConnectData")).toEqual(expected(c));
  });

  // Without a transformation a JsonText is written as its bytes (the passthrough), not re-encoded.
  const jsonText = cases.filter((c) => !c.schemas && c.steps.length > 0);
  test.each(jsonText.map((c) => [c.name, c] as const))("%s (JsonText)", (_name, c) => {
    expect(run(c, "JsonText")).toEqual(expected(c));
  });
});
