/**
 * Isolation on the worker's one event loop: for each scenario of bench/support/isolation-scenarios.ts
 * (ONE misbehaving connector or client), a fresh gateway from source with an event-loop lag probe,
 * a healthy ingest route answering single POSTs one after the other and a healthy HTTP sink; prints
 * the loop's max/p99 lag, the healthy route's p99/max latency, whether the healthy sink was
 * rebalanced and which tasks failed. Needs KAFKA_INFO_FILE (or scripts/bench's broker).
 * Usage: bun bench/isolation.ts [scenario-name-substring]
 */
import { kafkaBroker } from "../test/support/kafka.ts";
import { tempDir } from "../test/support/temp-dir.ts";
import { damage, pingRoute, startHealthy, takeLag } from "./support/isolation-probe.ts";
import { SCENARIOS } from "./support/isolation-scenarios.ts";

const only = process.argv[2];
const kafka = await kafkaBroker();
const rows: string[] = [];
for (const scenario of SCENARIOS.filter((s) => !only || s.name.includes(only))) {
  await using dir = await tempDir("bench-isolation-");
  const run = scenario.prepare(dir.path)();
  await using h = await startHealthy(dir.path, kafka.bootstrap);
  await scenario.setup?.(h);
  await takeLag(h, dir.path);
  const logFrom = h.gw.output().length;
  const stop = new AbortController();
  const pinging = pingRoute(h, stop.signal);
  const started = performance.now();
  await run(h);
  const took = performance.now() - started;
  stop.abort();
  const route = await pinging;
  const lag = await takeLag(h, dir.path);
  const { rebalanced, failed } = await damage(h, logFrom);
  const row =
    `| ${scenario.name} | ${(took / 1000).toFixed(1)} s | ${lag.max.toFixed(0)} | ${lag.p99.toFixed(0)} | ` +
    `${route.p99.toFixed(0)} | ${route.max.toFixed(0)} | ${route.count}${route.failed ? ` (${route.failed} failed)` : ""} | ` +
    `${rebalanced ? "yes" : "no"} | ${failed.join(", ") || "none"} |`;
  console.log(row);
  rows.push(row);
}
console.log(
  "\n| scenario | took | loop lag max, ms | loop lag p99, ms | healthy POST p99, ms | healthy POST max, ms | POSTs | healthy sink rebalanced | failed tasks |",
);
console.log("|---|---:|---:|---:|---:|---:|---:|---|---|");
for (const r of rows) console.log(r);
process.exit(0);
