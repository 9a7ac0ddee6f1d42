/**
 * The gateway from source with a heap probe, for bench/soak.ts (BENCH_SOAK_HEAP=1): on SIGUSR2 it
 * collects garbage and writes `heapStats()` (object counts by type) as JSON to BENCH_HEAP_FILE, so
 * the soak can tell which objects grow with cycles. Bench-only: the product has no such hook.
 */
import { heapStats } from "bun:jsc";
import { renameSync, writeFileSync } from "node:fs";
import { main } from "../../src/main.ts";

const file = process.env.BENCH_HEAP_FILE;
if (!file) throw new Error("BENCH_HEAP_FILE is not set");
process.on("SIGUSR2", () => {
  Bun.gc(true);
  const stats = heapStats();
  if (process.env.BENCH_HEAP_SNAPSHOT === "1")
    writeFileSync(`${file}.${Date.now()}.snapshot.json`, JSON.stringify(Bun.generateHeapSnapshot()));
  writeFileSync(`${file}.tmp`, JSON.stringify(stats));
  renameSync(`${file}.tmp`, file);
});
await main(process.argv.slice(2));
