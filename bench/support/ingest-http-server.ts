/**
 * The ingest listener's HTTP side alone, for bench/ingest-http-cost.ts: the real ingest app
 * (ingest-handler.ts), route table, security stages and IngestServer, one HttpIngestSource route
 * (`/s`, ingest.mode=single) fed to a real IngestQueue whose records a stand-in for the runtime
 * acknowledges on the next event-loop turn after each poll (no Kafka, no converters). What the
 * process spends per request is then the request path from Bun.serve to the answer.
 * Usage: bun ingest-http-server.ts <port> [<src dir>] (the src dir of the build to measure).
 */
import { resolve } from "node:path";

const port = Number(process.argv[2]);
const src = resolve(process.argv[3] ?? resolve(import.meta.dir, "..", "..", "src"));
const load = (path: string) => import(resolve(src, path));

const { ingestApp } = await load("ingest/ingest-handler.ts");
const { IngestServer } = await load("ingest/ingest-server.ts");
const { IngestMetrics } = await load("ingest/ingest-metrics.ts");
const { IngestRouteTable } = await load("ingest/route-table.ts");
const { IngestSecurity } = await load("ingest/ingest-security.ts");
const { IngestQueue } = await load("connectors/http-ingest/ingest-queue.ts");
const { httpIngestConfig, routeSettings } = await load("connectors/http-ingest/config.ts");
const { toSourceRecord } = await load("connectors/http-ingest/task.ts");
const { systemClock } = await load("util/clock.ts");
const { LogManager } = await load("util/logger.ts");

const config = { "ingest.path": "/s", "kafka.topic": "t", "ingest.mode": "single" };
const parsed = httpIngestConfig.parse(config);
const routes = new IngestRouteTable();
const security = new IngestSecurity({ mtlsIdentity: "cn", clock: systemClock, global: {} });
routes.open("single", routeSettings(parsed), await security.stagesFactory("single", config));
const queue = new IngestQueue({
  maxQueued: parsed["ingest.queue.max.records"],
  maxPoll: parsed["ingest.poll.max.records"],
  retryAfterSeconds: parsed["ingest.retry.after.seconds"],
  toSourceRecord,
});
routes.attach("single", queue);
const logs = new LogManager();
const server = new IngestServer({
  listeners: [`http://127.0.0.1:${port}`],
  originals: {},
  routes,
  log: logs.get("bench"),
  app: ingestApp({
    routes,
    metrics: new IngestMetrics(),
    clock: systemClock,
    log: logs.get("bench"),
    redact: (text: string) => text,
  }),
});
server.start();
// A clean exit on a signal, so that `bun --cpu-prof` writes its profile.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(0));

// The runtime's stand-in: polls as the worker does (the next poll without waiting for the previous
// batch's acknowledgement) and acknowledges each batch on the next turn, offsets counting up.
let offset = 0;
const signal = new AbortController().signal;
for (;;) {
  const records = await queue.poll(signal);
  if (records.length === 0) continue;
  setImmediate(() => {
    const timestamp = Date.now();
    for (const record of records) queue.ack(record, { topic: "t", partition: 0, offset: offset++, timestamp });
  });
}
