/**
 * The REST Proxy single-record parse's look for numbers JSON.parse would change (exact-json-data.ts
 * `exactReading`), in process, on one v3 record each: plain numbers, a UUID in a string, an ISO
 * time with milliseconds in a string, a 19-digit timestamp and integer-like member names (the ones
 * that must be read twice: the exact numbers, the order sent), and the whole `parseV3Records` /
 * `parseV2Body` of the same record; then the same look and parseV2Body on a v2 body of 100
 * telemetry records (12.8 KB), where the look costs per record. Prints µs per record (per body for
 * the 100 records), the median of 7 runs of N records (N/100 bodies; default 200,000); a quick
 * cost check, not a benchmark of the gateway.
 * Run: [N=10000] node_modules/.bin/bun bench/rest-proxy-exact-data.ts
 */
import { exactReading } from "../src/ingest/exact-json-data.ts";
import { parseV2Body } from "../src/ingest/rest-proxy-v2.ts";
import { parseV3Records } from "../src/ingest/rest-proxy-v3.ts";
import { bytes, post, testSettings } from "../src/ingest/test-support.ts";

const data: Record<string, string> = {
  plain: '{"device":"dev-17","temp":21.5,"hum":40,"ok":true}',
  uuid: '{"device":"550e8400-e29b-41d4-a716-446655440000","temp":21.5,"hum":40}',
  "iso time": '{"device":"dev-17","at":"2026-12-02T10:00:00.120Z","temp":21.5}',
  "19 digits": '{"ts":1733130000123456789,"temp":21.5}',
  "10 as name": '{"device":"dev-17","r":{"2":20.5,"10":3}}',
};
const N = Number(process.env.N ?? 200_000);
const settings = testSettings();
const request = post("x", "application/json");

function median(f: () => unknown, n = N): number {
  const runs: number[] = [];
  for (let r = 0; r < 7; r++) {
    for (let i = 0; i < n / 10; i++) f();
    const start = performance.now();
    for (let i = 0; i < n; i++) f();
    runs.push(((performance.now() - start) * 1000) / n);
  }
  return runs.sort((a, b) => a - b)[3]!;
}

console.log("record      exactReading  parseV3Records  parseV2Body  (µs)");
for (const [name, d] of Object.entries(data)) {
  const v3 = `{"value":{"type":"JSON","data":${d}}}`;
  const v3Bytes = bytes(v3);
  const v2Bytes = bytes(`{"records":[{"value":${d}}]}`);
  const parsed = JSON.parse(v3);
  const exact = median(() => exactReading(v3, parsed));
  const p3 = median(() => parseV3Records(settings, request, v3Bytes, 1));
  const p2 = median(() => parseV2Body(settings, request, v2Bytes, 1, "json", null));
  console.log(
    `${name.padEnd(12)}${exact.toFixed(3).padStart(12)}${p3.toFixed(3).padStart(16)}${p2.toFixed(3).padStart(13)}`,
  );
}

const telemetry = Array.from(
  { length: 100 },
  (_, i) =>
    `{"value":{"device":"dev-${i}","at":"2026-12-02T10:00:${String(i % 60).padStart(2, "0")}.120Z","temp":21.5,"hum":40,"ok":true,"seq":${i}}}`,
);
const batch = `{"records":[${telemetry.join(",")}]}`;
const batchParsed = JSON.parse(batch);
const batchBytes = bytes(batch);
const batchLook = median(() => exactReading(batch, batchParsed), N / 100);
const batchParse = median(() => parseV2Body(settings, request, batchBytes, 1, "json", null), N / 100);
console.log(
  `v2 body of 100 records (${(batch.length / 1000).toFixed(1)} KB): exactReading ${batchLook.toFixed(2)} µs, parseV2Body ${batchParse.toFixed(1)} µs`,
);
