/**
 * The ingest request path without Kafka, as the benchmark support scripts (ingest-http-server.ts,
 * ingest-request-path.ts, ingest-allocations.ts) set it up from the `src` dir of any build (e.g.
 * from `git archive <commit> src package.json | tar -x -C <dir>`; the package.json only for
 * ingest-server.ts, whose src/version.ts imports it): the real ingest app (ingest-handler.ts), route
 * table and security stages, one HttpIngestSource route (`/s`, ingest.mode=single) fed to a real IngestQueue,
 * and a stand-in for the runtime that polls as the worker does (the next poll without waiting for the
 * previous batch's acknowledgement) and acknowledges each batch on the next event-loop turn, offsets
 * counting up (no converters). The modules are imported from `src` at run time, so only what every
 * build since the scripts were written has in common is used, and typed here as narrowly as used.
 */
import { resolve } from "node:path";

/** The `server` argument of `IngestApp.serve` (Bun's server: only its peer address is read). */
export interface BenchPeerLookup {
  requestIP(request: Request): { address: string } | null;
}

/** The part of the ingest app (ingest-handler.ts `IngestApp`) the benchmarks drive. */
export interface BenchIngestApp {
  serve(request: Request, server: BenchPeerLookup): Response | Promise<Response>;
  servePath(path: string, request: Request, server: BenchPeerLookup): Response | Promise<Response>;
}

export interface IngestBenchRoute {
  /** The ingest app serving `/s`. */
  readonly app: BenchIngestApp;
  /** The route table the app serves from (an IngestServer needs it too). */
  readonly routes: unknown;
  /** The LogManager whose "bench" logger the app logs to. */
  readonly logs: { get(name: string): unknown };
  /** Stops the stand-in runtime's polling (the poll in flight returns). */
  stop(): void;
}

/** The route `/s` of `src`'s modules, with the stand-in runtime already polling. */
export async function ingestBenchRoute(srcDir: string): Promise<IngestBenchRoute> {
  const src = resolve(srcDir);
  const load = (path: string) => import(resolve(src, path));

  const { ingestApp } = await load("ingest/ingest-handler.ts");
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
    maxQueuedBytes: parsed["ingest.queue.max.bytes"],
    maxPoll: parsed["ingest.poll.max.records"],
    retryAfterSeconds: parsed["ingest.retry.after.seconds"],
    toSourceRecord,
  });
  routes.attach("single", queue);
  const logs = new LogManager();
  const app: BenchIngestApp = ingestApp({
    routes,
    metrics: new IngestMetrics(),
    clock: systemClock,
    log: logs.get("bench"),
    redact: (text: string) => text,
  });

  let offset = 0;
  const polling = new AbortController();
  void (async () => {
    while (!polling.signal.aborted) {
      const records: unknown[] = await queue.poll(polling.signal);
      if (records.length === 0) continue;
      setImmediate(() => {
        const timestamp = Date.now();
        for (const record of records) queue.ack(record, { topic: "t", partition: 0, offset: offset++, timestamp });
      });
    }
  })();

  return { app, routes, logs, stop: () => polling.abort() };
}
