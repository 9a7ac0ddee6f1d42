/**
 * The ingest request path in-process, without sockets, for bench/ingest-http-cost.ts's question
 * on a busy machine: the server of support/ingest-http-server.ts (real ingest app, route table,
 * security stages, IngestQueue, a stand-in runtime acknowledging each poll batch on the next turn)
 * driven by `IngestApp.serve` with requests made in JavaScript, 64 at a time (as 64 connections
 * would), answers awaited; and the same loop around a handler that reads the body and answers on
 * the next turn ("deferred"). Prints this process's CPU µs per request for each, after a warm-up.
 * Usage: bun ingest-request-path.ts [<src dir>] [requests=400000]
 */
import { resolve } from "node:path";
import { ingestBenchRoute } from "./ingest-bench-route.ts";
import { type BenchHandler, deferred, drive, loopbackPeer } from "./ingest-in-process.ts";

const src = resolve(process.argv[2] ?? resolve(import.meta.dir, "..", "..", "src"));
const total = Number(process.argv[3] ?? "400000");
const { app, stop } = await ingestBenchRoute(src);

async function run(handler: BenchHandler, n: number): Promise<number> {
  const started = process.cpuUsage();
  await drive(handler, n);
  const used = process.cpuUsage(started);
  return (used.user + used.system) / n;
}

const gateway = (req: Request) => app.serve(req, loopbackPeer);
await run(gateway, 50_000);
await run(deferred, 50_000);
// Rounds alternate; the gateway's extra over the deferred handler of the same round is what counts.
const rounds = 8;
const deferredUs: number[] = [];
const gatewayUs: number[] = [];
for (let round = 0; round < rounds; round++) {
  deferredUs.push(await run(deferred, total / rounds));
  gatewayUs.push(await run(gateway, total / rounds));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fixed = (x: number) => Number(x.toFixed(2));
console.log(
  JSON.stringify({
    deferredUs: fixed(median(deferredUs)),
    gatewayUs: fixed(median(gatewayUs)),
    extraUs: fixed(median(gatewayUs.map((g, i) => g - deferredUs[i]!))),
  }),
);
stop();
process.exit(0);
