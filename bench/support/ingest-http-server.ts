/**
 * The ingest listener's HTTP side alone, for bench/ingest-http-cost.ts: the real ingest app
 * (ingest-handler.ts), route table, security stages and IngestServer, one HttpIngestSource route
 * (`/s`, ingest.mode=single) fed to a real IngestQueue whose records a stand-in for the runtime
 * acknowledges on the next event-loop turn after each poll (no Kafka, no converters). What the
 * process spends per request is then the request path from Bun.serve to the answer.
 * Usage: bun ingest-http-server.ts <port> [<src dir>] (the src dir of the build to measure).
 */
import { resolve } from "node:path";
import { ingestBenchRoute } from "./ingest-bench-route.ts";

const port = Number(process.argv[2]);
const src = resolve(process.argv[3] ?? resolve(import.meta.dir, "..", "..", "src"));
const { IngestServer } = await import(resolve(src, "ingest/ingest-server.ts"));
// The stand-in runtime polls for as long as the process runs.
const { app, routes, logs } = await ingestBenchRoute(src);
const server = new IngestServer({
  listeners: [`http://127.0.0.1:${port}`],
  originals: {},
  routes,
  log: logs.get("bench"),
  app,
});
server.start();
// A clean exit on a signal, so that `bun --cpu-prof` writes its profile.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(0));
