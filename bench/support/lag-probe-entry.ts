/**
 * The gateway from source with an event-loop lag probe, for bench/isolation.ts: a 5 ms timer notes
 * how late each of its turns fires (the time the loop was held by something else), and on SIGUSR2
 * writes the lags since the last signal (max, p99, count) as JSON to BENCH_LAG_FILE and starts
 * over. Bench-only: the product has no such hook.
 */
import { renameSync, writeFileSync } from "node:fs";
import { main } from "../../src/main.ts";

const file = process.env.BENCH_LAG_FILE;
if (!file) throw new Error("BENCH_LAG_FILE is not set");
const EVERY_MS = 5;
let lags: number[] = [];
let last = performance.now();
const tick = () => {
  const now = performance.now();
  lags.push(Math.max(0, now - last - EVERY_MS));
  last = now;
  setTimeout(tick, EVERY_MS);
};
setTimeout(tick, EVERY_MS);
process.on("SIGUSR2", () => {
  // The turn in progress counts too (a stall still under way when asked).
  const seen = [...lags, Math.max(0, performance.now() - last - EVERY_MS)].sort((a, b) => a - b);
  lags = [];
  const p99 = seen[Math.min(seen.length - 1, Math.floor(seen.length * 0.99))] ?? 0;
  writeFileSync(`${file}.tmp`, JSON.stringify({ max: seen.at(-1) ?? 0, p99, count: seen.length }));
  renameSync(`${file}.tmp`, file);
});
await main(process.argv.slice(2));
