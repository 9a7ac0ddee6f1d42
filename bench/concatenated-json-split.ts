/**
 * The whole-body split of REST Proxy v3 `…/records` bodies (concatenatedJsonTexts, json-text.ts):
 * CPU µs per body (the process's CPU time, less disturbed than wall time on a shared machine) for 10,000 bodies of 1 and of 100 concatenated 200-byte records (newline-separated and
 * back to back). Another checkout's sources are measured in the same process with
 * `BEFORE=/path/to/src`: the two are run in alternating rounds and each prints its best round.
 * Run: node_modules/.bin/bun bench/concatenated-json-split.ts
 */
import { resolve } from "node:path";

type Split = (text: string) => string[];
const load = async (src: string): Promise<Split> =>
  (await import(`${resolve(src)}/ingest/json-text.ts`)).concatenatedJsonTexts;

const sides: [string, Split][] = [["this checkout", await load(`${import.meta.dir}/../src`)]];
if (process.env.BEFORE) sides.unshift(["BEFORE", await load(process.env.BEFORE)]);

const BODIES = 10_000;
const ROUNDS = Number(process.env.ROUNDS ?? 15);
const POOL = 100;

/** A v3 record of exactly 200 characters: a key, a JSON value with strings (one escaped quote) and numbers. */
function record(n: number): string {
  const head = `{"key":{"type":"STRING","data":"device-${n}"},"value":{"type":"JSON","data":{"t":${1_700_000_000 + n},"temp":21.5,"ok":true,"tag":"a \\"quoted\\" {x}","pad":"`;
  const tail = `"}}}`;
  return head + "x".repeat(200 - head.length - tail.length) + tail;
}

const pool = (records: number, separator: string) =>
  Array.from({ length: POOL }, (_, b) =>
    Array.from({ length: records }, (_, r) => record(b * records + r)).join(separator),
  );

const shapes: [string, string[], number][] = [
  ["1 record", pool(1, ""), 1],
  ["100 records, newline-separated", pool(100, "\n"), 100],
  ["100 records, back to back", pool(100, ""), 100],
];
if (record(0).length !== 200) throw new Error(`record is ${record(0).length} characters`);

console.log(`| body | ${sides.map(([name]) => `${name} µs/body`).join(" | ")} |`);
console.log(`|---|${sides.map(() => "---|").join("")}`);
for (const [name, bodies, expected] of shapes) {
  const best = sides.map(() => Number.POSITIVE_INFINITY);
  for (let round = 0; round < ROUNDS; round++) {
    sides.forEach(([, split], side) => {
      let texts = 0;
      const start = process.cpuUsage();
      for (let i = 0; i < BODIES; i++) texts += split(bodies[i % POOL]!).length;
      const used = process.cpuUsage(start);
      const micros = (used.user + used.system) / BODIES;
      if (texts !== BODIES * expected) throw new Error(`${name}: ${texts} texts`);
      best[side] = Math.min(best[side]!, micros);
    });
  }
  console.log(`| ${name} | ${best.map((micros) => micros.toFixed(2)).join(" | ")} |`);
}
