/**
 * Schemaless JSON through one transformation, in process: the record value as a source hands it
 * over (a JsonText) parsed where the chain first needs it, InsertField$Value adding a static field,
 * and JsonConverter (schemas.enable=false) writing it; then the sink side, JsonConverter reading
 * the bytes (toConnectData) into the same transformation. Two payloads: a typical device reading
 * (fractions only) and the same with integral doubles (`61.0`, `1e3`, which must stay Doubles).
 * Prints µs per record, the best of several runs; a quick cost check of the data path, not a benchmark of the gateway.
 * Run: node_modules/.bin/bun bench/schemaless-smt.ts
 */
import { JsonText, materialized } from "../src/api/data/json-text.ts";
import type { Transformation } from "../src/api/transformation.ts";
import { JsonConverter } from "../src/converters/json-converter.ts";
import { transformationPlugins } from "../src/transforms/index.ts";
import { deviceReading, schemalessRecord } from "./support/schemaless-record.ts";

const reading = deviceReading;
const fractions = JSON.stringify(reading);
const integral = fractions.replace("61.25", "61.0").replace("12.5", "1e3");

const converter = new JsonConverter();
converter.configure({ "schemas.enable": "false" }, false);
const insert = transformationPlugins
  .find((p) => p.className === "org.apache.kafka.connect.transforms.InsertField$Value")!
  .create() as Transformation;
insert.configure({ "static.field": "origin", "static.value": "bench" });
const ROUNDS = 50_000;
const REPEATS = 7;
const encoder = new TextEncoder();

/** The best of REPEATS runs of ROUNDS records: other load on the machine only slows a run down. */
function run(name: string, once: () => Uint8Array | null): void {
  for (let i = 0; i < 20_000; i++) once();
  let best = Number.POSITIVE_INFINITY;
  let bytes = 0;
  for (let r = 0; r < REPEATS; r++) {
    const start = performance.now();
    bytes = 0;
    for (let i = 0; i < ROUNDS; i++) bytes += once()!.length;
    best = Math.min(best, ((performance.now() - start) * 1000) / ROUNDS);
  }
  console.log(`${name}: ${best.toFixed(2)} µs/record (best of ${REPEATS}; ${bytes / ROUNDS} bytes out)`);
}

const record = schemalessRecord;

for (const [label, payload] of [
  ["fractions", fractions],
  ["integral doubles", integral],
] as const) {
  const bytes = encoder.encode(payload);
  run(`source ${label}: JsonText → InsertField → JsonConverter`, () => {
    const out = insert.apply(record(materialized(new JsonText(payload, bytes))));
    return converter.fromConnectData("t", undefined, null, out!.value);
  });
  run(`sink ${label}: JsonConverter → InsertField → JsonConverter`, () => {
    const out = insert.apply(record(converter.toConnectData("t", undefined, bytes).value));
    return converter.fromConnectData("t", undefined, null, out!.value);
  });
}
