/**
 * What the ingest listener's HTTP side costs per single-record request, without Kafka: the server
 * of support/ingest-http-server.ts (the real request path, IngestQueue, answers once a stand-in
 * runtime acknowledged the poll batch on the next turn) under wrk, 64 keep-alive connections
 * POSTing the 200 B body of bench/ingest-single-ab.ts; server CPU µs per request. Builds given as
 * `<label>=<src dir>` (e.g. from `git archive <commit> src package.json`: the server's
 * src/version.ts imports ../package.json) alternate over BENCH_ROUNDS (3) rounds of
 * BENCH_DURATION_S (5) seconds after a 2 s warm-up, with the "deferred" peer of bench/ingest.ts
 * (Bun.serve reads the body, answers 200 on the next turn) as the floor. Medians printed.
 *
 *   flock /work/bench.lock node_modules/.bin/bun bench/ingest-http-cost.ts base=/tmp/base/src branch=src
 */
import { resolve } from "node:path";
import { freePort, pollUntil } from "./support/http-probe.ts";
import { labelledArgs } from "./support/labelled-args.ts";
import { sampleProcess } from "./support/process-sampler.ts";
import { runWrk } from "./support/wrk.ts";

const rounds = Number(process.env.BENCH_ROUNDS ?? "3");
const durationS = Number(process.env.BENCH_DURATION_S ?? "5");
const body = JSON.stringify({ device: "dev-1", seq: 1, payload: "x".repeat(160) });
const variants = [
  { label: "deferred", args: [resolve(import.meta.dir, "support", "deferred-200.ts")] },
  ...labelledArgs(process.argv.slice(2), "src dir").map(({ label, value }) => ({
    label,
    args: [resolve(import.meta.dir, "support", "ingest-http-server.ts"), "PORT", resolve(value)],
  })),
];

async function measure(args: string[]): Promise<{ usPerRequest: number; requestsPerS: number; failed: number }> {
  const port = await freePort();
  const argv = args.length === 1 ? [...args, String(port)] : args.map((a) => (a === "PORT" ? String(port) : a));
  const proc = Bun.spawn([process.execPath, ...argv], { stdout: "ignore", stderr: "inherit" });
  try {
    const url = `http://127.0.0.1:${port}/s`;
    const init = { method: "POST", body, headers: { "content-type": "application/json" } };
    await pollUntil(async () => ((await fetch(url, init).catch(() => null))?.ok ? true : undefined), {
      timeoutMs: 20_000,
      intervalMs: 100,
      what: `server ${argv.join(" ")}`,
    });
    const load = { url, body, contentType: "application/json", connections: 64, threads: 1 };
    await runWrk({ ...load, durationS: 2 });
    const sampler = sampleProcess([proc.pid]);
    const r = await runWrk({ ...load, durationS });
    const usage = sampler.stop();
    return {
      usPerRequest: (usage.cpuCores * r.durationS * 1e6) / r.requests,
      requestsPerS: r.requests / r.durationS,
      failed: r.failed,
    };
  } finally {
    proc.kill("SIGTERM");
    await proc.exited;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const perVariant = new Map<string, number[]>(variants.map((v) => [v.label, []]));
console.log("| round | server | requests/s | failed | server CPU µs per request | load (1 min) |");
console.log("|--:|---|--:|--:|--:|--:|");
for (let round = 1; round <= rounds; round++) {
  for (const { label, args } of variants) {
    const m = await measure(args);
    perVariant.get(label)!.push(m.usPerRequest);
    const load = (await Bun.file("/proc/loadavg").text()).split(" ")[0];
    console.log(
      `| ${round} | ${label} | ${Math.round(m.requestsPerS).toLocaleString("en-US")} | ${m.failed} | ${m.usPerRequest.toFixed(2)} | ${load} |`,
    );
  }
}
console.log();
for (const [label, us] of perVariant) console.log(`- ${label}: median ${median(us).toFixed(2)} µs per request`);
