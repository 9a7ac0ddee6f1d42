/**
 * Device ingest throughput (issue 9, point 10), one run, same broker, same machine:
 *   (a) 500-record JSON batch POSTs of 1 KB records over 16 connections to the gateway, against
 *       Kafka's own ProducerPerformance (acks=all, 1 KB records) as the limit;
 *   (b) single-record POSTs of 200 B over 64 connections to the gateway (its own path and the
 *       REST Proxy v2 shape), against a bare hono-on-Bun handler answering 200 (the HTTP limit)
 *       and Strimzi Kafka Bridge 0.33.1 doing the same v2 produce; also (BENCH_ONLY "deferred") a
 *       Bun.serve handler that reads the body and answers on the next turn, as the gateway does
 *       after Kafka's acknowledgement (what an asynchronous answer costs in Bun, without Kafka).
 * Load comes from wrk; CPU (cores busy) and RSS of the server process are sampled during each
 * load. The gateway runs with tasks.max=1 and again with BENCH_INGEST_TASKS (default 4: several
 * producers for large batches; single records fill the first task, see IngestRoute.writer). Before
 * the first measurement a throwaway gateway warms the broker for BENCH_BROKER_WARMUP_S (30; 0: none).
 * BENCH_B_ROUNDS (0) adds that many rounds of (b) after the run, each a fresh gateway (own path,
 * tasks.max=1) then the bare hono handler, and reports each round's ratio and their median: the
 * single-record rate of one gateway process or one hono run moves by ±10-20 % on a 2-core VM, so
 * the target is judged on the median of alternating rounds (BENCHMARKS.md, "eighth cut"). A fresh
 * process's single-record load (those rounds, the bare handlers) is measured after
 * BENCH_SINGLE_WARMUP_S (15) of the same load, the rest after BENCH_WARMUP_S (5).
 * `scripts/bench ingest` starts the broker, fetches ProducerPerformance and builds the
 * bridge, then passes them in through BENCH_* variables. Prints markdown; raw JSON goes to
 * bench/results/ingest-<timestamp>.json.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { startBenchGateway } from "./support/bench-gateway.ts";
import { freePort, pollUntil } from "./support/http-probe.ts";
import {
  batchBody,
  benchConnectors,
  singleBody,
  singleRecord,
  warmBroker as warmThrough,
} from "./support/ingest-load.ts";
import { machineInfo } from "./support/machine.ts";
import { type ProcessUsage, sampleProcess } from "./support/process-sampler.ts";
import { runProducerPerformance } from "./support/producer-performance-run.ts";
import { writeResultsFile } from "./support/results-file.ts";
import { runWrk, type WrkResult } from "./support/wrk.ts";

const env = process.env;
const bootstrap = required("BENCH_BOOTSTRAP");
const gatewayBin = required("BENCH_GATEWAY_BIN");
const toolsLib = env.BENCH_TOOLS_LIB;
const bridgeHome = env.BENCH_BRIDGE_HOME;
const durationS = Number(env.BENCH_DURATION_S ?? "15");
const threads = Number(env.BENCH_WRK_THREADS ?? "2");
const warmupS = Number(env.BENCH_WARMUP_S ?? "5");
/**
 * Warm-up of a fresh process before a single-record load (the alternating rounds, the bare
 * handlers): the gateway's request path is still being compiled by JSC's optimizing tiers for about
 * 10 s of this load (DFG/FTL compiles counted with BUN_JSC_report*CompileTimes), and its rate
 * rises ~5 % after that; both servers of a round get the same warm-up.
 */
const singleWarmupS = Number(env.BENCH_SINGLE_WARMUP_S ?? "15");
/** Seconds of single-record load on a throwaway gateway before anything is measured (0: none). */
const brokerWarmupS = Number(env.BENCH_BROKER_WARMUP_S ?? "30");
const resultsDir = resolve(import.meta.dir, "results");
const stamp = new Date().toISOString().replace(/[:.]/g, "-");

function required(name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set (scripts/bench ingest sets it)`);
  return value;
}

interface Row {
  readonly scenario: string;
  readonly system: string;
  readonly recordsPerS: number;
  readonly requestsPerS: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly failed: number;
  readonly usage: ProcessUsage | null;
}

const rows: Row[] = [];
const children: ReturnType<typeof Bun.spawn>[] = [];
process.on("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});

function spawn(cmd: string[], cwd: string, extraEnv: Record<string, string> = {}) {
  const log = Bun.file(join(cwd, "process.log"));
  const proc = Bun.spawn(cmd, { cwd, env: { ...env, ...extraEnv }, stdout: log, stderr: log });
  children.push(proc);
  return proc;
}

async function stop(proc: ReturnType<typeof Bun.spawn>): Promise<void> {
  proc.kill("SIGTERM");
  const exited = await Promise.race([proc.exited, Bun.sleep(15_000).then(() => "timeout")]);
  if (exited === "timeout") proc.kill("SIGKILL");
}

async function createTopics(topics: string[]): Promise<void> {
  const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({
    topics: topics.map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })),
    waitForLeaders: true,
  });
  await admin.disconnect();
}

/**
 * Writes out what earlier loads left in the page cache (`sync`) before a load and again before its
 * measurement (after its warm-up): the batch loads make the broker write GBs, which the kernel
 * writes back ~30 s later, in the middle of the loads after them (I/O wait and writeback work on
 * the same 2 cores), so a load would pay for the one before it.
 */
function flushDiskWrites(system: string): void {
  const started = performance.now();
  Bun.spawnSync(["sync"]);
  const ms = performance.now() - started;
  if (ms > 100)
    process.stderr.write(`(before ${system}: sync wrote back earlier loads' data for ${Math.round(ms)} ms)\n`);
}

async function load(
  scenario: string,
  system: string,
  pid: number | null,
  o: {
    url: string;
    body: string;
    contentType: string;
    connections: number;
    recordsPerRequest: number;
    warmupS?: number;
  },
): Promise<void> {
  flushDiskWrites(system);
  // Warm-up: connections, JIT, producer metadata (the bridge makes a producer per connection).
  await runWrk({ ...o, threads, durationS: o.warmupS ?? warmupS });
  flushDiskWrites(`${system}'s measurement`);
  const sampler = pid === null ? null : sampleProcess([pid]);
  const r: WrkResult = await runWrk({ ...o, threads, durationS });
  const usage = sampler?.stop() ?? null;
  const ok = r.requests - r.failed;
  rows.push({
    scenario,
    system,
    recordsPerS: (ok * o.recordsPerRequest) / r.durationS,
    requestsPerS: ok / r.durationS,
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    failed: r.failed,
    usage,
  });
  process.stderr.write(`${scenario} / ${system}: ${Math.round((ok * o.recordsPerRequest) / r.durationS)} records/s\n`);
}

const v2Body = JSON.stringify({ records: [{ value: singleRecord }] });
const V2 = "application/vnd.kafka.json.v2+json";

async function gateway(tasks: number): Promise<void> {
  const suffix = tasks === 1 ? "" : ` (tasks.max=${tasks})`;
  const tasksMax = { "tasks.max": String(tasks) };
  const {
    dir,
    proc,
    ingestUrl: ingest,
  } = await startBenchGateway({
    bin: gatewayBin,
    bootstrap,
    connectors: {
      batch: {
        "ingest.path": "/ingest/batch",
        "kafka.topic": "bench-ingest-batch",
        "ingest.mode": "batch",
        ...tasksMax,
      },
      single: {
        "ingest.path": "/ingest/single",
        "kafka.topic": "bench-ingest-single",
        "ingest.mode": "single",
        ...tasksMax,
      },
    },
    probePath: "/ingest/single",
    spawn: (cmd, cwd) => spawn(cmd, cwd),
  });
  try {
    await load("(a) 500 × 1 KB batches, 16 connections", `gateway${suffix}`, proc.pid, {
      url: `${ingest}/ingest/batch`,
      body: batchBody,
      contentType: "application/json",
      connections: 16,
      recordsPerRequest: 500,
    });
    await load("(b) single 200 B records, 64 connections", `gateway (own path)${suffix}`, proc.pid, {
      url: `${ingest}/ingest/single`,
      body: singleBody,
      contentType: "application/json",
      connections: 64,
      recordsPerRequest: 1,
    });
    if (tasks !== 1) return;
    await load("(b) single 200 B records, 64 connections", "gateway (REST Proxy v2)", proc.pid, {
      url: `${ingest}/topics/bench-ingest-single`,
      body: v2Body,
      contentType: V2,
      connections: 64,
      recordsPerRequest: 1,
    });
  } finally {
    await stop(proc);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Warms the broker before the first measurement: `scripts/bench ingest` starts a fresh broker, and
 * for its first tens of seconds under load (its JIT, the topics' first segments) it answers a
 * single-record gateway's Produce requests in 1.3-4 ms instead of 0.4-0.7 ms. With 64 connections
 * each waiting for its record's acknowledgement, that is what the first gateway measured would
 * then show: idle time and fewer requests a second (BENCHMARKS.md, Device ingest, "seventh cut").
 * Both loads, on the topics the measurements use, through a gateway that is then stopped.
 */
async function warmBroker(): Promise<void> {
  if (!(brokerWarmupS > 0)) return;
  const { dir, proc, ingestUrl } = await startBenchGateway({
    bin: gatewayBin,
    bootstrap,
    connectors: benchConnectors,
    probePath: "/ingest/single",
    spawn: (cmd, cwd) => spawn(cmd, cwd),
  });
  try {
    await warmThrough({
      batchUrl: `${ingestUrl}/ingest/batch`,
      singleUrl: `${ingestUrl}/ingest/single`,
      seconds: brokerWarmupS,
      threads,
    });
  } finally {
    await stop(proc);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function producerPerformance(): Promise<void> {
  if (!toolsLib) return;
  const pp = await runProducerPerformance({
    toolsLib,
    bootstrap,
    topic: "bench-ingest-pp",
    records: Number(env.BENCH_PP_RECORDS ?? "1000000"),
    onSpawn: (proc) => children.push(proc),
  });
  rows.push({
    scenario: "(a) 500 × 1 KB batches, 16 connections",
    system: "ProducerPerformance (acks=all, 1 KB)",
    recordsPerS: pp.recordsPerS,
    requestsPerS: Number.NaN,
    p50Ms: pp.p50Ms,
    p99Ms: pp.p99Ms,
    failed: 0,
    usage: pp.usage,
  });
}

const ROUNDS_SCENARIO = "(b) alternating rounds: single 200 B records, 64 connections";
const HONO = "bare hono on Bun (200, no Kafka)";

/** A fresh gateway with only the single-record connector, (b) on its own path. */
async function singleRecordGateway(system: string, scenario: string): Promise<void> {
  const { dir, proc, ingestUrl } = await startBenchGateway({
    bin: gatewayBin,
    bootstrap,
    connectors: { single: benchConnectors.single },
    probePath: "/ingest/single",
    spawn: (cmd, cwd) => spawn(cmd, cwd),
  });
  try {
    await load(scenario, system, proc.pid, {
      url: `${ingestUrl}/ingest/single`,
      body: singleBody,
      contentType: "application/json",
      connections: 64,
      recordsPerRequest: 1,
      warmupS: singleWarmupS,
    });
  } finally {
    await stop(proc);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A Bun process serving one of bench/support's 200 handlers, loaded like the gateway's (b). */
async function bareHttp(
  script: string,
  system: string,
  scenario = "(b) single 200 B records, 64 connections",
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "bench-ingest-http-"));
  const port = await freePort();
  const proc = spawn([process.execPath, resolve(import.meta.dir, "support", script), String(port)], dir);
  const url = `http://127.0.0.1:${port}/`;
  await pollUntil(async () => ((await fetch(url, { method: "POST" }).catch(() => null))?.ok ? true : undefined), {
    timeoutMs: 15_000,
    intervalMs: 200,
    what: script,
  });
  try {
    await load(scenario, system, proc.pid, {
      url,
      body: singleBody,
      contentType: "application/json",
      connections: 64,
      recordsPerRequest: 1,
      warmupS: singleWarmupS,
    });
  } finally {
    await stop(proc);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function bridge(): Promise<void> {
  if (!bridgeHome) return;
  const dir = mkdtempSync(join(tmpdir(), "bench-ingest-bridge-"));
  const port = await freePort();
  const config = join(dir, "application.properties");
  writeFileSync(
    config,
    [
      "bridge.id=bench",
      `kafka.bootstrap.servers=${bootstrap}`,
      "kafka.producer.acks=all",
      "http.host=127.0.0.1",
      `http.port=${port}`,
      "http.consumer.enabled=false",
      "http.producer.enabled=true",
    ].join("\n"),
  );
  const proc = spawn([join(bridgeHome, "bin", "kafka_bridge_run.sh"), `--config-file=${config}`], dir);
  const url = `http://127.0.0.1:${port}`;
  await pollUntil(async () => ((await fetch(`${url}/healthy`).catch(() => null))?.ok ? true : undefined), {
    timeoutMs: 60_000,
    intervalMs: 200,
    what: "bridge",
  });
  try {
    await load("(b) single 200 B records, 64 connections", "Strimzi Kafka Bridge 0.33.1 (v2)", proc.pid, {
      url: `${url}/topics/bench-ingest-bridge`,
      body: v2Body,
      contentType: V2,
      connections: 64,
      recordsPerRequest: 1,
      warmupS: Math.max(warmupS, 20),
    });
  } finally {
    await stop(proc);
    rmSync(dir, { recursive: true, force: true });
  }
}

function fmt(n: number, digits = 0): string {
  return Number.isNaN(n)
    ? "–"
    : n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function report(): string {
  const lines: string[] = [];
  for (const scenario of [...new Set(rows.map((r) => r.scenario))]) {
    lines.push(`#### ${scenario}`, "");
    lines.push("| system | records/s | requests/s | p50 ms | p99 ms | failed | CPU (cores) | RSS peak MiB |");
    lines.push("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (const r of rows.filter((x) => x.scenario === scenario)) {
      lines.push(
        `| ${r.system} | ${fmt(r.recordsPerS)} | ${fmt(r.requestsPerS)} | ${fmt(r.p50Ms, 1)} | ${fmt(r.p99Ms, 1)} | ${r.failed} | ${r.usage ? fmt(r.usage.cpuCores, 2) : "–"} | ${r.usage ? fmt(r.usage.rssPeakMiB) : "–"} |`,
      );
    }
    lines.push("");
  }
  const get = (system: string) => rows.find((r) => r.system === system)?.recordsPerS ?? Number.NaN;
  const gw = get("gateway");
  const ratio = (a: number, b: number) => (b > 0 ? fmt(a / b, 2) : "–");
  lines.push("Ratios:", "");
  lines.push(
    `- (a) gateway / ProducerPerformance: ${ratio(gw, get("ProducerPerformance (acks=all, 1 KB)"))}x (target ≥ 0.7x)`,
  );
  lines.push(`- (b) gateway own path / bare hono: ${ratio(get("gateway (own path)"), get(HONO))}x (target ≥ 0.5x)`);
  lines.push(
    `- (b) gateway REST Proxy v2 / Strimzi bridge: ${ratio(get("gateway (REST Proxy v2)"), get("Strimzi Kafka Bridge 0.33.1 (v2)"))}x (target ≥ 5x)`,
  );
  const rounds = rows.filter((r) => r.scenario === ROUNDS_SCENARIO);
  const ratios: number[] = [];
  for (let i = 0; i + 1 < rounds.length; i += 2) ratios.push(rounds[i]!.recordsPerS / rounds[i + 1]!.recordsPerS);
  if (ratios.length > 0) {
    const sorted = [...ratios].sort((a, b) => a - b);
    const mid = sorted.length / 2;
    const median = sorted.length % 2 === 1 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    lines.push(
      `- (b) alternating rounds, gateway own path / bare hono: ${ratios.map((r) => `${fmt(r, 2)}x`).join(", ")}; median **${fmt(median, 2)}x** (target ≥ 0.5x)`,
    );
  }
  return lines.join("\n");
}

await createTopics(["bench-ingest-batch", "bench-ingest-single", "bench-ingest-pp", "bench-ingest-bridge"]).catch(
  () => undefined,
);
const only = (env.BENCH_ONLY ?? "gateway,pp,hono,deferred,bridge").split(",");
const bRounds = Number(env.BENCH_B_ROUNDS ?? "0");
// The alternating rounds measure a gateway on this broker too: `BENCH_ONLY=none` with rounds must
// not start them on a cold broker (their first rounds then read ~15 % low).
if (bRounds > 0 || only.some((s) => s === "gateway" || s === "pp" || s === "bridge")) await warmBroker();
const loadBefore = loadavg()[0]!;
if (only.includes("gateway")) {
  await gateway(1);
  for (const tasks of (env.BENCH_INGEST_TASKS ?? "4")
    .split(",")
    .map(Number)
    .filter((n) => n > 1))
    await gateway(tasks);
}
if (only.includes("pp")) await producerPerformance();
if (only.includes("hono")) await bareHttp("hono-200.ts", HONO);
if (only.includes("deferred"))
  await bareHttp("deferred-200.ts", "Bun.serve, body read, 200 on the next turn (no Kafka)");
if (only.includes("bridge")) await bridge();
for (let round = 1; round <= bRounds; round++) {
  await singleRecordGateway(`gateway (own path), round ${round}`, ROUNDS_SCENARIO);
  await bareHttp("hono-200.ts", `${HONO}, round ${round}`, ROUNDS_SCENARIO);
}
const machine = machineInfo();
process.stdout.write(
  `Machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.memTotalMiB} MiB, ${machine.os}, Bun ${machine.bun}; wrk ${threads} threads, ${durationS} s per load after a ${warmupS} s warm-up (${singleWarmupS} s for a fresh process's single records, 20 s for the bridge); load average (1 min) ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after.\n\n${report()}\n`,
);
writeResultsFile(resultsDir, "ingest", stamp, { machine, durationS, threads, loadBefore, rows });
process.exit(0);
