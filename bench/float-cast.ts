/**
 * Floats through Cast and JsonConverter, in process: a schemaless reading (JsonConverter
 * schemas.enable=false) cast field by field to float64 and to float32 and written back, the same
 * bytes through JsonConverter alone (read and written, no transformation), and a struct with FLOAT32
 * and FLOAT64 fields written by JsonConverter schemas.enable=true. Prints µs per record, the best of
 * several runs; a quick cost check of the data path, not a benchmark of the gateway.
 * Run: node_modules/.bin/bun bench/float-cast.ts
 */
import { javaFloatToString } from "../src/api/data/java-number-text.ts";
import { SchemaBuilder, Schemas } from "../src/api/data/schema.ts";
import { Struct } from "../src/api/data/struct.ts";
import type { Transformation } from "../src/api/transformation.ts";
import { JsonConverter } from "../src/converters/json-converter.ts";
import { transformationPlugins } from "../src/transforms/index.ts";
import { schemalessRecord } from "./support/schemaless-record.ts";

const payload = JSON.stringify({
  device: "valve-0042",
  ts: 1732975200123456,
  readings: { pressure: 2.3178, temperature: 61.25, flow: 12.5 },
  p: 2.3178,
  t: 61.25,
  f: 12.5,
  v: 0.1,
});
const bytes = new TextEncoder().encode(payload);
const plain = new JsonConverter();
plain.configure({ "schemas.enable": "false" }, false);
const withSchemas = new JsonConverter();
withSchemas.configure({ "schemas.enable": "true" }, false);

function cast(spec: string): Transformation {
  const t = transformationPlugins
    .find((p) => p.className === "org.apache.kafka.connect.transforms.Cast$Value")!
    .create() as Transformation;
  t.configure({ spec });
  return t;
}
const toDouble = cast("p:float64,t:float64,f:float64,v:float64");
const toFloat = cast("p:float32,t:float32,f:float32,v:float32");
const ROUNDS = 50_000;
const REPEATS = 7;

function run(name: string, once: () => Uint8Array | null, rounds = ROUNDS): void {
  for (let i = 0; i < rounds / 2; i++) once();
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < REPEATS; r++) {
    const start = performance.now();
    for (let i = 0; i < rounds; i++) once();
    best = Math.min(best, ((performance.now() - start) * 1000) / rounds);
  }
  console.log(`${name}: ${best.toFixed(2)} µs (best of ${REPEATS})`);
}

const record = schemalessRecord;

run("JsonConverter read → write (no transformation)", () =>
  plain.fromConnectData("t", undefined, null, plain.toConnectData("t", undefined, bytes).value),
);
for (const [label, t] of [
  ["float64", toDouble],
  ["float32", toFloat],
] as const) {
  run(`JsonConverter → Cast to ${label} → JsonConverter`, () => {
    const out = t.apply(record(plain.toConnectData("t", undefined, bytes).value));
    return plain.fromConnectData("t", undefined, null, out!.value);
  });
}
const schema = SchemaBuilder.struct()
  .field("a", Schemas.FLOAT32)
  .field("b", Schemas.FLOAT32)
  .field("c", Schemas.FLOAT64)
  .field("d", Schemas.FLOAT64)
  .build();
const struct = new Struct(schema)
  .put("a", Math.fround(0.1))
  .put("b", Math.fround(61.25))
  .put("c", 2.3178)
  .put("d", 12.5);
run("JsonConverter schemas.enable=true of a struct of FLOAT32/FLOAT64", () =>
  withSchemas.fromConnectData("t", undefined, schema, struct),
);

// Float.toString alone, over typical readings (two decimals) and arbitrary floats.
const readings = Array.from({ length: 1000 }, (_, i) => Math.fround(((i * 7919) % 100000) / 100));
const bits = new Int32Array(Array.from({ length: 1000 }, (_, i) => (Math.imul(i + 1, 2654435761) >>> 1) % 0x7f000000));
const arbitrary = Array.from(new Float32Array(bits.buffer));
const sink = new Uint8Array(1);
for (const [label, floats] of [
  ["two-decimal readings", readings],
  ["arbitrary floats", arbitrary],
] as const) {
  run(
    `javaFloatToString × 1000 ${label}`,
    () => {
      let n = 0;
      for (const f of floats) n += javaFloatToString(f).length;
      sink[0] = n;
      return sink;
    },
    200,
  );
}
