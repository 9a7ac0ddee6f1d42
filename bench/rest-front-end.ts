/**
 * The REST listener's HTTP/1.1 front end (issue 8 point 9) against Bun.serve, which served the
 * REST API before: the same hono app (connector routes over an in-process herder) behind each, a
 * client in a separate process sending GET /connectors over keep-alive connections, one at a time
 * (latency of normal REST use) and from 8 concurrent loops (throughput). Rounds alternate between
 * the two servers so drift on a shared machine hits both. Prints markdown; run it with
 * `flock /work/bench.lock node_modules/.bin/bun bench/rest-front-end.ts`.
 */
import { cpus } from "node:os";
import { startHttp1Server } from "../src/rest/http1/http1-server.ts";
import { connectorRoutes } from "../src/rest/routes/connectors.ts";
import { restApp, restEnv } from "../src/rest/server.ts";
import { inProcessWorker } from "../src/runtime/herder-test-support.ts";
import { LogManager } from "../src/util/logger.ts";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? "5000");
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? "3");

const CLIENT = `
const [url, total, loops] = process.argv.slice(-3).map((v, i) => (i === 0 ? v : Number(v)));
const latencies = [];
for (let i = 0; i < 200; i++) await (await fetch(url)).text();
const started = performance.now();
await Promise.all(Array.from({ length: loops }, async () => {
  for (let i = 0; i < total / loops; i++) {
    const t = performance.now();
    const r = await fetch(url);
    await r.text();
    if (r.status !== 200) throw new Error("status " + r.status);
    latencies.push(performance.now() - t);
  }
}));
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
console.log(JSON.stringify({ rps: latencies.length / seconds, p50: latencies[Math.floor(latencies.length / 2)], p99: latencies[Math.floor(latencies.length * 0.99)] }));
`;

interface Sample {
  rps: number;
  p50: number;
  p99: number;
}

async function load(url: string, loops: number): Promise<Sample> {
  const proc = Bun.spawn([process.execPath, "-e", CLIENT, url, String(REQUESTS), String(loops)], { stdout: "pipe" });
  const out = await new Response(proc.stdout).text();
  if ((await proc.exited) !== 0) throw new Error(`client failed: ${out}`);
  return JSON.parse(out) as Sample;
}

const worker = await inProcessWorker();
const app = restApp(connectorRoutes(), { herder: worker.herder, logs: new LogManager({ sink: () => undefined }) });
const bun = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.fetch, idleTimeout: 120 });
const own = startHttp1Server({
  host: "127.0.0.1",
  port: 0,
  handler: (request, info) => app.fetch(request, restEnv(info)),
});
const servers = [
  ["Bun.serve (before)", `http://127.0.0.1:${bun.port}/connectors`],
  ["HTTP/1.1 front end (now)", `http://127.0.0.1:${own.port}/connectors`],
] as const;
const results = new Map<string, { sequential: Sample[]; concurrent: Sample[] }>();
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, url] of servers) {
    const r = results.get(name) ?? { sequential: [], concurrent: [] };
    r.sequential.push(await load(url, 1));
    r.concurrent.push(await load(url, 8));
    results.set(name, r);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `${cpus().length} CPUs (${cpus()[0]?.model}), Bun ${Bun.version}, ${REQUESTS} requests per load, median of ${ROUNDS} rounds\n`,
);
console.log("| Server | 1 connection: req/s | p50 ms | p99 ms | 8 loops: req/s | p50 ms | p99 ms |");
console.log("|---|---|---|---|---|---|---|");
for (const [name] of servers) {
  const r = results.get(name)!;
  const s = (xs: Sample[], k: keyof Sample, d: number) => median(xs.map((x) => x[k])).toFixed(d);
  console.log(
    `| ${name} | ${s(r.sequential, "rps", 0)} | ${s(r.sequential, "p50", 3)} | ${s(r.sequential, "p99", 3)} | ${s(r.concurrent, "rps", 0)} | ${s(r.concurrent, "p50", 3)} | ${s(r.concurrent, "p99", 3)} |`,
  );
}
await bun.stop(true);
await own.stop();
await worker.stop();
