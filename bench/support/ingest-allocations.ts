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

const src = resolve(process.argv[2] ?? resolve(import.meta.dir, "..", "..", "src"));
const total = Number(process.argv[3] ?? "6400");
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
const app = ingestApp({
  routes,
  metrics: new IngestMetrics(),
  clock: systemClock,
  log: new LogManager().get("bench"),
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

async function run(handler: (req: Request) => Response | Promise<Response>, n: number): Promise<void> {
  for (let done = 0; done < n; done += 64) {
    const answers = new Array<Response | Promise<Response>>(64);
    for (let i = 0; i < 64; i++) answers[i] = handler(request());
    for (let i = 0; i < 64; i++) {
      const r = await answers[i]!;
      if (r.status !== 200) throw new Error(`status ${r.status}: ${await r.text()}`);
    }
  }
}

async function count(
  label: string,
  handler: (req: Request) => Response | Promise<Response>,
): Promise<Map<string, number>> {
  await run(handler, 640);
  const before = heapStats();
  await run(handler, total);
  const after = heapStats();
  const perRequest = new Map<string, number>();
  for (const [type, n] of Object.entries(after.objectTypeCounts)) {
    const grown = (n - (before.objectTypeCounts[type] ?? 0)) / total;
    if (grown >= 0.01) perRequest.set(type, grown);
  }
  console.log(`${label}: ${((after.heapSize - before.heapSize) / total).toFixed(0)} heap bytes per request`);
  return perRequest;
}

const gatewayServe = (req: Request) => app.serve(req, server);
const gatewayPath = (req: Request) => app.servePath("/s", req, server);
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
pollSignal.abort();
process.exit(0);
