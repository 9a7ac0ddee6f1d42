/**
 * Values.parseString (SimpleHeaderConverter's reading of every header) on large header texts:
 * a long digit string, a big decimal, a long fraction (a FLOAT32), an array of 20,000 ints, a
 * map of 20,000 date keys, a plain long string and a long quoted-string array. Prints ms per parse, the best of several
 * runs, and ms per KiB, so a super-linear shape shows as a growing ms/KiB between sizes.
 * Run: node_modules/.bin/bun bench/values-parse.ts
 */
import { parseString } from "../src/api/data/values.ts";

const digits = (n: number) => "7".repeat(n);
const ints = (n: number) => `[${Array.from({ length: n }, (_, i) => i * 7919).join(",")}]`;
const dateKeys = (n: number) =>
  `{${Array.from({ length: n }, (_, i) => `${new Date(i * 86_400_000).toISOString().slice(0, 10)}:${i}`).join(",")}}`;
const strings = (n: number) => `[${Array.from({ length: n }, (_, i) => `"s${i}"`).join(",")}]`;

const shapes: [string, string][] = [
  ["digits 30 KB", digits(30_000)],
  ["digits 300 KB", digits(300_000)],
  ["decimal 300 KB", `${digits(150_000)}.${digits(150_000)}`],
  ["fraction 300 KB", `0.${digits(300_000)}`],
  ["ints 2k", ints(2_000)],
  ["ints 20k", ints(20_000)],
  ["date keys 2k", dateKeys(2_000)],
  ["date keys 20k", dateKeys(20_000)],
  ["strings 20k", strings(20_000)],
  ["plain 300 KB", "x".repeat(300_000)],
];

for (const [name, text] of shapes) {
  let best = Number.POSITIVE_INFINITY;
  for (let run = 0; run < 5; run++) {
    const start = performance.now();
    parseString(text);
    best = Math.min(best, performance.now() - start);
  }
  const kib = text.length / 1024;
  console.log(`${name.padEnd(16)} ${best.toFixed(2).padStart(9)} ms  ${(best / kib).toFixed(4)} ms/KiB`);
}
