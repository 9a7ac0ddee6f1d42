/**
 * Objects the ingest request path allocates per single-record request, by type: the in-process
 * setup of support/ingest-request-path.ts (real ingest app, route table, security stages,
 * IngestQueue, a stand-in runtime acknowledging each poll batch on the next turn) driven by
 * `IngestApp.serve` (or `servePath`, as Bun's router calls it) with JavaScript-made requests, 64 at
 * a time. Run with the collector off, so that every cell allocated stays counted:
 *
 *   BUN_JSC_useGC=0 node_modules/.bin/bun bench/support/ingest-allocations.ts [<src dir>] [requests=6400]
 *
 * Prints, for the gateway and for the "deferred" handler (reads the body, answers on the next turn)
 * in the same loop, the JSC cell types whose count grew, per request, and the heap bytes per request.
 * The loop's own objects (the Request, its headers, the answers array) are in both.
 */
import { heapStats } from "bun:jsc";
import { resolve } from "node:path";
import { ingestBenchRoute } from "./ingest-bench-route.ts";
import { type BenchHandler, deferred, drive, loopbackPeer } from "./ingest-in-process.ts";

const src = resolve(process.argv[2] ?? resolve(import.meta.dir, "..", "..", "src"));
const total = Number(process.argv[3] ?? "6400");
const { app, stop } = await ingestBenchRoute(src);

async function count(label: string, handler: BenchHandler): Promise<Map<string, number>> {
  await drive(handler, 640);
  const before = heapStats();
  await drive(handler, total);
  const after = heapStats();
  const perRequest = new Map<string, number>();
  for (const [type, n] of Object.entries(after.objectTypeCounts)) {
    const grown = (n - (before.objectTypeCounts[type] ?? 0)) / total;
    if (grown >= 0.01) perRequest.set(type, grown);
  }
  console.log(`${label}: ${((after.heapSize - before.heapSize) / total).toFixed(0)} heap bytes per request`);
  return perRequest;
}

const gatewayServe = (req: Request) => app.serve(req, loopbackPeer);
const gatewayPath = (req: Request) => app.servePath("/s", req, loopbackPeer);
const d = await count("deferred", deferred);
const s = await count("serve", gatewayServe);
const p = await count("servePath", gatewayPath);
const types = [...new Set([...d.keys(), ...s.keys(), ...p.keys()])].sort(
  (a, b) => (p.get(b) ?? 0) - (d.get(b) ?? 0) - ((p.get(a) ?? 0) - (d.get(a) ?? 0)),
);
const f = (x: number | undefined) => (x ?? 0).toFixed(2);
console.log("| type | deferred | serve | servePath | servePath − deferred |");
console.log("|---|--:|--:|--:|--:|");
let sums = [0, 0, 0];
for (const t of types) {
  const row = [d.get(t) ?? 0, s.get(t) ?? 0, p.get(t) ?? 0];
  sums = sums.map((x, i) => x + row[i]!);
  console.log(`| ${t} | ${f(row[0])} | ${f(row[1])} | ${f(row[2])} | ${f(row[2]! - row[0]!)} |`);
}
console.log(`| all | ${f(sums[0])} | ${f(sums[1])} | ${f(sums[2])} | ${f(sums[2]! - sums[0]!)} |`);
stop();
process.exit(0);
