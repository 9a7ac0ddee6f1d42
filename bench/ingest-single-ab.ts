/**
 * Single-record device ingest, two gateway builds alternating (A, B, A, B, …): 200 B JSON POSTs over
 * 64 keep-alive connections (wrk) to one HttpIngestSource (`ingest.mode=single`, tasks.max=1), on
 * the same broker. Alternating rounds spread the noise of a shared machine over both builds, and
 * records per CPU-second of the gateway process compare them even when the CPU they get differs.
 *
 *   flock /work/bench.lock env BENCH_BOOTSTRAP=host:port node_modules/.bin/bun bench/ingest-single-ab.ts \
 *     <label-a>=<gateway-binary-a> <label-b>=<gateway-binary-b>
 *
 * BENCH_ROUNDS (3), BENCH_DURATION_S (8), BENCH_WARMUP_S (15: JSC is still compiling the request path for ~10 s), BENCH_TASKS_MAX (1: the connector's
 * tasks.max), BENCH_SHAPE (`single`, or `batch`: the benchmark's (a) load instead, 500 × 1 KB JSON
 * records a request over 16 connections, `ingest.mode=batch`). Each round starts a fresh gateway (its own data dir, a new topic). Prints one markdown
 * row per measurement and the medians. BENCH_CONFIG_<label> (a JSON object) adds connector keys for
 * one build, so one binary can be compared with itself under two settings (e.g. a
 * `producer.override.linger.ms`).
 */
import { rmSync } from "node:fs";
import { alternatingRounds } from "./support/alternating-rounds.ts";
import { startBenchGateway } from "./support/bench-gateway.ts";
import { batchBody } from "./support/ingest-load.ts";
import { labelledArgs } from "./support/labelled-args.ts";
import { readMainThreadCpuMs } from "./support/proc-stats.ts";
import { sampleProcess } from "./support/process-sampler.ts";
import { runWrk } from "./support/wrk.ts";

const env = process.env;
const bootstrap = env.BENCH_BOOTSTRAP ?? "";
if (!bootstrap) throw new Error("BENCH_BOOTSTRAP is not set");
const builds = labelledArgs(process.argv.slice(2), "gateway binary").map(({ label, value }) => ({ label, bin: value }));
if (builds.length !== 2) throw new Error("two builds to compare: <label-a>=<binary-a> <label-b>=<binary-b>");
const rounds = Number(env.BENCH_ROUNDS ?? "3");
const durationS = Number(env.BENCH_DURATION_S ?? "8");
const warmupS = Number(env.BENCH_WARMUP_S ?? "15");
const tasksMax = env.BENCH_TASKS_MAX ?? "1";
const batch = env.BENCH_SHAPE === "batch";
const body = batch ? batchBody : JSON.stringify({ device: "dev-1", seq: 1, payload: "x".repeat(160) });
const recordsPerRequest = batch ? 500 : 1;

interface Measurement {
  readonly label: string;
  readonly recordsPerS: number;
  readonly p50Ms: number;
  readonly cpuCores: number;
  /** The main (JavaScript) thread's share of a core. */
  readonly mainCores: number;
  /** The gateway's peak RSS over the measured window. */
  readonly rssPeakMiB: number;
}

async function measure(label: string, bin: string): Promise<Measurement> {
  let proc: ReturnType<typeof Bun.spawn> | undefined;
  let dir: string | undefined;
  try {
    const gw = await startBenchGateway({
      bin,
      bootstrap,
      connectors: {
        single: {
          "ingest.path": "/s",
          "kafka.topic": `bench-ingest-ab-${Date.now().toString(36)}`,
          "ingest.mode": batch ? "batch" : "single",
          "tasks.max": tasksMax,
          ...(JSON.parse(env[`BENCH_CONFIG_${label}`] ?? "{}") as Record<string, string>),
        },
      },
      probePath: "/s",
      probeBody: batch ? "[{}]" : "{}",
      spawn: (cmd, cwd) => {
        dir = cwd;
        proc = Bun.spawn(cmd, { cwd, stdout: "ignore", stderr: "ignore" });
        return proc;
      },
    });
    const url = `${gw.ingestUrl}/s`;
    const load = { url, body, contentType: "application/json", connections: batch ? 16 : 64, threads: 2 };
    await runWrk({ ...load, durationS: warmupS });
    const sampler = sampleProcess([gw.proc.pid]);
    const mainStart = readMainThreadCpuMs(gw.proc.pid);
    const started = performance.now();
    const r = await runWrk({ ...load, durationS });
    const mainCores = (readMainThreadCpuMs(gw.proc.pid) - mainStart) / (performance.now() - started);
    const usage = sampler.stop();
    const recordsPerS = ((r.requests - r.failed) * recordsPerRequest) / r.durationS;
    return { label, recordsPerS, p50Ms: r.p50Ms, cpuCores: usage.cpuCores, mainCores, rssPeakMiB: usage.rssPeakMiB };
  } finally {
    proc?.kill("SIGTERM");
    await proc?.exited;
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  "| round | build | records/s | p50 ms | CPU (cores) | records per CPU-second | main thread (cores) | main-thread µs a record | peak RSS MiB | load (1 min) |",
);
console.log("|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|");
const results = await alternatingRounds(
  rounds,
  builds,
  ({ label, bin }) => measure(label, bin),
  (m) =>
    `${Math.round(m.recordsPerS).toLocaleString("en-US")} | ${m.p50Ms.toFixed(1)} | ${m.cpuCores.toFixed(2)} | ${Math.round(m.recordsPerS / m.cpuCores).toLocaleString("en-US")} | ${m.mainCores.toFixed(2)} | ${((m.mainCores * 1e6) / m.recordsPerS).toFixed(1)} | ${Math.round(m.rssPeakMiB)}`,
);
console.log();
for (const { label } of builds) {
  const mine = results.filter((m) => m.label === label);
  console.log(
    `- ${label}: median ${Math.round(median(mine.map((m) => m.recordsPerS))).toLocaleString("en-US")} records/s, ` +
      `${Math.round(median(mine.map((m) => m.recordsPerS / m.cpuCores))).toLocaleString("en-US")} records per CPU-second, ` +
      `${median(mine.map((m) => (m.mainCores * 1e6) / m.recordsPerS)).toFixed(1)} main-thread µs a record, ` +
      `peak RSS ${Math.round(median(mine.map((m) => m.rssPeakMiB)))} MiB`,
  );
}
