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

const src = resolve(process.argv[2] ?? resolve(import.meta.dir, "..", "..", "src"));
const total = Number(process.argv[3] ?? "400000");
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
  maxPoll: parsed["ingest.poll.max.records"],
  retryAfterSeconds: parsed["ingest.retry.after.seconds"],
  toSourceRecord,
});
routes.attach("single", queue);
const logs = new LogManager();
const app = ingestApp({
  routes,
  metrics: new IngestMetrics(),
  clock: systemClock,
  log: logs.get("bench"),
  redact: (text: string) => text,
});

let offset = 0;
const pollSignal = new AbortController();
void (async () => {
  while (!pollSignal.signal.aborted) {
    const records = await queue.poll(pollSignal.signal);
    if (records.length === 0) continue;
    setImmediate(() => {
      const timestamp = Date.now();
      for (const record of records) queue.ack(record, { topic: "t", partition: 0, offset: offset++, timestamp });
    });
  }
})();

const body = JSON.stringify({ device: "dev-1", seq: 1, payload: "x".repeat(160) });
const server = { requestIP: () => ({ address: "127.0.0.1" }) };
const request = () =>
  new Request("http://127.0.0.1:8080/s", {
    method: "POST",
    // As wrk sends it: with its length (a request without one is read as a stream).
    headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) },
    body,
  });

const init = { status: 200, headers: new Headers({ "content-type": "application/json" }) };
let waiting: Array<() => void> = [];
const releaseAll = () => {
  const released = waiting;
  waiting = [];
  for (const r of released) r();
};
const deferred = async (req: Request): Promise<Response> => {
  await req.arrayBuffer();
  await new Promise<void>((r) => {
    if (waiting.push(r) === 1) setImmediate(releaseAll);
  });
  return new Response('{"topic":"t","offsets":[{"partition":0,"offset":0,"timestamp":1}]}', init);
};

async function run(handler: (req: Request) => Response | Promise<Response>, n: number): Promise<number> {
  const started = process.cpuUsage();
  for (let done = 0; done < n; done += 64) {
    const answers = new Array<Response | Promise<Response>>(64);
    for (let i = 0; i < 64; i++) answers[i] = handler(request());
    for (let i = 0; i < 64; i++) {
      const r = await answers[i]!;
      if (r.status !== 200) throw new Error(`status ${r.status}: ${await r.text()}`);
    }
  }
  const used = process.cpuUsage(started);
  return (used.user + used.system) / n;
}

const gateway = (req: Request) => app.serve(req, server);
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
pollSignal.abort();
process.exit(0);
