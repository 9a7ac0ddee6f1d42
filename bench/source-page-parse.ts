/**
 * The HTTP source's page parse (records.ts parseJsonBody) on 1000-record pages, in process:
 * `readJsonText(text, false, false)` (integral doubles as plain numbers, what the page parse uses)
 * against `readJsonText(text)` (schemaless Doubles: `3.0` kept as its text, what JsonText.value()
 * and JsonConverter use). Pages: fractions whose digits after the point start with 0 (`20.05`,
 * candidates the Double check must look at), integral doubles (`21.0`), 16-digit timestamps.
 * Prints ms per page, the best of several runs; a quick cost check, not a benchmark of the gateway.
 * Run: node_modules/.bin/bun bench/source-page-parse.ts
 */
import { readJsonText } from "../src/api/data/json-reader.ts";

const page = (record: (i: number) => string) =>
  `{"data":[${Array.from({ length: 1000 }, (_, i) => record(i)).join(",")}]}`;
const pages: Record<string, string> = {
  "fractions 20.0x": page((i) => `{"id":${i},"device":"valve-${i}","temp":20.0${1 + (i % 9)},"p":1.05,"ok":true}`),
  "integral doubles": page((i) => `{"id":${i},"device":"valve-${i}","temp":${20 + (i % 5)}.0,"ok":true}`),
  "16-digit longs": page((i) => `{"id":${i},"ts":1732975200123456${i % 10},"temp":21.5}`),
};
const ROUNDS = 50;
const REPEATS = 7;

function best(parse: (text: string) => unknown, text: string): number {
  for (let i = 0; i < ROUNDS; i++) parse(text);
  let fastest = Number.POSITIVE_INFINITY;
  for (let r = 0; r < REPEATS; r++) {
    const start = performance.now();
    for (let i = 0; i < ROUNDS; i++) parse(text);
    fastest = Math.min(fastest, (performance.now() - start) / ROUNDS);
  }
  return fastest;
}

for (const [name, text] of Object.entries(pages)) {
  const plain = best((t) => readJsonText(t, false, false), text);
  const doubles = best((t) => readJsonText(t), text);
  const parse = best((t) => JSON.parse(t), text);
  console.log(
    `${name} (${(text.length / 1024).toFixed(0)} KiB): page parse ${plain.toFixed(3)} ms, with Doubles ${doubles.toFixed(3)} ms, JSON.parse ${parse.toFixed(3)} ms`,
  );
}
