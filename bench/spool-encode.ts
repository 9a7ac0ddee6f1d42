/**
 * CPU of encoding a request's records for the spool (`encodeSpoolRecords`), alone in one process:
 * the body of bench/ingest-security.ts scenario (a) (500 JSON records of 1 KB), split into records
 * as parseNativeBody does (a JsonText per element, the request's shared headers and receive time),
 * then encoded; µs per record, median of rounds. A second body has non-ASCII text in every value.
 *
 * `bun bench/spool-encode.ts [path to a spool-record.ts]`: the module to measure (default this
 * tree's), so that an older tree's encoder is measured by the same harness (`git archive <commit>`).
 * In the gateway the same encode costs more (a fresh buffer per request, first-touched under load):
 * BENCHMARKS.md, "Spool record encoding".
 */
import { resolve } from "node:path";
import { JsonText } from "../src/api/data/json-text.ts";
import type { IngestRecord } from "../src/ingest/ingest-record.ts";
import { arrayElementTexts } from "../src/ingest/json-text.ts";

type Encode = (topic: string, records: readonly IngestRecord[]) => { data: Uint8Array };
const modulePath = resolve(process.argv[2] ?? new URL("../src/ingest/spool/spool-record.ts", import.meta.url).pathname);
const { encodeSpoolRecords } = (await import(modulePath)) as { encodeSpoolRecords: Encode };

function element(bytes: number, i: number, text: string): Record<string, unknown> {
  const base = { device: `dev-${i % 100}`, seq: i, payload: "" };
  base.payload = text.repeat(Math.floor((bytes - JSON.stringify(base).length) / text.length));
  return base;
}

function body(text: string): string {
  return JSON.stringify(Array.from({ length: 500 }, (_, i) => element(1024, i, text)));
}

const NO_HEADERS: IngestRecord["headers"] = Object.freeze([]);

/** A request's records as parseNativeBody builds them for a JsonConverter route. */
function records(source: string): IngestRecord[] {
  const receivedAt = Date.now();
  return arrayElementTexts(source).map((text) => ({
    key: null,
    value: new JsonText(text),
    headers: NO_HEADERS,
    partition: null,
    timestamp: receivedAt,
    bytes: Buffer.byteLength(text),
  }));
}

function measure(source: string, requests: number, rounds: number): number {
  const perRecord: number[] = [];
  let sink = 0;
  for (let round = 0; round < rounds + 1; round++) {
    const batches = Array.from({ length: requests }, () => records(source));
    const start = performance.now();
    for (const batch of batches) sink += encodeSpoolRecords("bench-spool", batch).data.byteLength;
    const us = ((performance.now() - start) * 1000) / (requests * 500);
    if (round > 0) perRecord.push(us); // the first round warms up
  }
  if (sink === 0) throw new Error("nothing encoded");
  perRecord.sort((a, b) => a - b);
  return perRecord[Math.floor(perRecord.length / 2)]!;
}

console.log(`module: ${modulePath}`);
for (const [name, text] of [
  ["ASCII values (scenario a)", "x"],
  ["non-ASCII values (é ✓ 𝄞)", "é✓𝄞"],
] as const) {
  console.log(`${name}: ${measure(body(text), 200, 7).toFixed(3)} µs/record`);
}
