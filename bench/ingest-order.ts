/**
 * Does the single-record load (b) of bench/ingest.ts get slower after the batch load (a)?
 * (BENCHMARKS.md, Device ingest, "eighth cut".) On one broker, alternating, several rounds:
 *   fresh      a new gateway, (b) only;
 *   after-a    a new gateway, (a) then (b) in the same process (what bench/ingest.ts measures);
 *   broker-a   a new gateway takes (a) and is stopped, then a second new gateway takes (b): the
 *              broker's and the kernel's share of any slowdown, without the gateway's.
 * Each (b) reports requests/s, the gateway's CPU (cores, µs a request), its RSS before and after,
 * its collections over the window (JSC's `logGC`, BENCH_LOG_GC=1, parsed from its stderr), the
 * broker's CPU (BENCH_BROKER_PID), the machine's CPU split from /proc/stat (user, system, iowait,
 * softirq) and kworker threads' CPU, and Dirty + Writeback from /proc/meminfo at the start.
 * Env: BENCH_BOOTSTRAP, BENCH_GATEWAY_BIN, BENCH_BROKER_PID, BENCH_ROUNDS (3), BENCH_DURATION_S (10),
 * BENCH_WARMUP_S (5), BENCH_BROKER_WARMUP_S (30), BENCH_ORDER_CASES (fresh,after-a,broker-a).
 * Prints markdown; raw JSON goes to bench/results/ingest-order-<timestamp>.json.
 */
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { startBenchGateway } from "./support/bench-gateway.ts";
import { batchBody, benchConnectors, singleBody } from "./support/ingest-load.ts";
import { readCpuMs, readProcMemory } from "./support/proc-stats.ts";
import { writeResultsFile } from "./support/results-file.ts";
import { runWrk } from "./support/wrk.ts";

const env = process.env;
const bootstrap = env.BENCH_BOOTSTRAP ?? "";
const gatewayBin = env.BENCH_GATEWAY_BIN ?? "";
if (!bootstrap || !gatewayBin) throw new Error("BENCH_BOOTSTRAP and BENCH_GATEWAY_BIN must be set");
const brokerPid = Number(env.BENCH_BROKER_PID ?? "0");
const rounds = Number(env.BENCH_ROUNDS ?? "3");
const durationS = Number(env.BENCH_DURATION_S ?? "10");
const warmupS = Number(env.BENCH_WARMUP_S ?? "5");
const brokerWarmupS = Number(env.BENCH_BROKER_WARMUP_S ?? "30");
const logGc = env.BENCH_LOG_GC === "1";
const cases = (env.BENCH_ORDER_CASES ?? "fresh,after-a,broker-a").split(",");
const threads = 2;
const stamp = new Date().toISOString().replace(/[:.]/g, "-");

const children: ReturnType<typeof Bun.spawn>[] = [];
process.on("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});

interface Gw {
  dir: string;
  proc: ReturnType<typeof Bun.spawn>;
  url: string;
}

async function startGateway(): Promise<Gw> {
  const g = await startBenchGateway({
    bin: gatewayBin,
    bootstrap,
    connectors: benchConnectors,
    probePath: "/ingest/single",
    spawn: (cmd, cwd) => {
      const log = Bun.file(join(cwd, "process.log"));
      const extra = logGc ? { BUN_JSC_logGC: "1" } : {};
      const proc = Bun.spawn(cmd, { cwd, env: { ...env, ...extra }, stdout: log, stderr: log });
      children.push(proc);
      return proc;
    },
  });
  return { dir: g.dir, proc: g.proc, url: g.ingestUrl };
}

async function stopGateway(g: Gw): Promise<void> {
  g.proc.kill("SIGTERM");
  const r = await Promise.race([g.proc.exited, Bun.sleep(15_000).then(() => "timeout")]);
  if (r === "timeout") g.proc.kill("SIGKILL");
  rmSync(g.dir, { recursive: true, force: true });
}

const batchLoad = (g: Gw, s: number) =>
  runWrk({
    url: `${g.url}/ingest/batch`,
    body: batchBody,
    contentType: "application/json",
    connections: 16,
    threads,
    durationS: s,
  });
const singleLoad = (g: Gw, s: number) =>
  runWrk({
    url: `${g.url}/ingest/single`,
    body: singleBody,
    contentType: "application/json",
    connections: 64,
    threads,
    durationS: s,
  });

/** /proc/stat's first line: jiffies per state. */
function cpuStat(): Record<string, number> {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return { user: user + nice, system, idle, iowait, irq, softirq, steal };
}

/** CPU ms so far of every process, by pid (with its command name). */
function processCpu(): Map<number, { comm: string; ms: number }> {
  const out = new Map<number, { comm: string; ms: number }>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      out.set(Number(name), { comm, ms: readCpuMs(Number(name)) });
    } catch {
      // gone
    }
  }
  return out;
}

/** kworker/jbd2/kswapd CPU and the other busiest processes (not the gateway or broker) over a window. */
function cpuBetween(
  a: Map<number, { comm: string; ms: number }>,
  b: Map<number, { comm: string; ms: number }>,
  wallMs: number,
  exclude: number[],
): { kworkerCores: number; others: string; othersCores: number } {
  let kworker = 0;
  const byComm = new Map<string, number>();
  for (const [pid, end] of b) {
    const used = end.ms - (a.get(pid)?.ms ?? 0);
    if (used <= 0 || exclude.includes(pid)) continue;
    if (/^(kworker|jbd2|kswapd)/.test(end.comm)) kworker += used;
    else byComm.set(end.comm, (byComm.get(end.comm) ?? 0) + used);
  }
  const top = [...byComm].sort((x, y) => y[1] - x[1]);
  const othersMs = top.filter(([c]) => c !== "wrk").reduce((s, [, ms]) => s + ms, 0);
  return {
    kworkerCores: kworker / wallMs,
    others: top
      .slice(0, 4)
      .map(([c, ms]) => `${c} ${(ms / wallMs).toFixed(2)}`)
      .join(", "),
    othersCores: othersMs / wallMs,
  };
}

function meminfoMiB(field: string): number {
  const m = readFileSync("/proc/meminfo", "utf8").match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

interface Gc {
  eden: number;
  full: number;
  ms: number;
  heapAfterMiB: number;
}

/** JSC's logGC lines in the gateway's log between two byte offsets. */
function gcBetween(file: string, from: number, to: number): Gc {
  const text = readFileSync(file).subarray(from, to).toString("utf8");
  const gc: Gc = { eden: 0, full: 0, ms: 0, heapAfterMiB: Number.NaN };
  for (const m of text.matchAll(/=> (EdenCollection|FullCollection)/g)) {
    if (m[1] === "EdenCollection") gc.eden++;
    else gc.full++;
  }
  for (const m of text.matchAll(/=> (\d+)kb, p=[\d.]+ms \(max [\d.]+\), cycle ([\d.]+)ms END/g)) {
    gc.ms += Number(m[2]);
    gc.heapAfterMiB = Number(m[1]) / 1024;
  }
  return gc;
}

interface Row {
  round: number;
  case: string;
  requestsPerS: number;
  p50Ms: number;
  p99Ms: number;
  cpuCores: number;
  usPerRequest: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  gc: Gc | null;
  brokerCores: number;
  machine: Record<string, number>;
  kworkerCores: number;
  /** The busiest other processes over the window (wrk included), cores each. */
  others: string;
  /** Cores used by processes other than the gateway, the broker, wrk and kworkers. */
  othersCores: number;
  dirtyMiB: number;
  writebackMiB: number;
}
const rows: Row[] = [];

async function measureSingle(g: Gw, round: number, name: string): Promise<void> {
  await singleLoad(g, warmupS);
  const pid = g.proc.pid;
  const log = join(g.dir, "process.log");
  const logFrom = statSync(log).size;
  const rssBefore = readProcMemory(pid).rssKiB / 1024;
  const dirtyMiB = meminfoMiB("Dirty");
  const writebackMiB = meminfoMiB("Writeback");
  const [cpu0, broker0, stat0, kw0, t0] = [
    readCpuMs(pid),
    brokerPid ? readCpuMs(brokerPid) : 0,
    cpuStat(),
    processCpu(),
    performance.now(),
  ];
  const r = await singleLoad(g, durationS);
  const [cpu1, broker1, stat1, kw1, t1] = [
    readCpuMs(pid),
    brokerPid ? readCpuMs(brokerPid) : 0,
    cpuStat(),
    processCpu(),
    performance.now(),
  ];
  const rssAfter = readProcMemory(pid).rssKiB / 1024;
  const wallMs = t1 - t0;
  const ok = r.requests - r.failed;
  const total = Object.keys(stat1).reduce((s, k) => s + stat1[k]! - stat0[k]!, 0);
  const machine: Record<string, number> = {};
  // Shares of both cores (2.0 = the whole machine busy).
  for (const k of Object.keys(stat1)) machine[k] = ((stat1[k]! - stat0[k]!) / total) * 2;
  const row: Row = {
    round,
    case: name,
    requestsPerS: ok / r.durationS,
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    cpuCores: (cpu1 - cpu0) / wallMs,
    usPerRequest: ((cpu1 - cpu0) * 1000) / ok,
    rssBeforeMiB: rssBefore,
    rssAfterMiB: rssAfter,
    gc: logGc ? gcBetween(log, logFrom, statSync(log).size) : null,
    brokerCores: (broker1 - broker0) / wallMs,
    machine,
    ...cpuBetween(kw0, kw1, wallMs, [pid, brokerPid]),
    dirtyMiB,
    writebackMiB,
  };
  rows.push(row);
  process.stderr.write(
    `round ${round} ${name}: ${Math.round(row.requestsPerS)} req/s, ${row.usPerRequest.toFixed(1)} µs/req, gw ${row.cpuCores.toFixed(2)}, others: ${row.others}, broker ${row.brokerCores.toFixed(2)}, rss ${rssBefore.toFixed(0)}→${rssAfter.toFixed(0)}${row.gc ? `, gc ${row.gc.eden}e/${row.gc.full}f ${row.gc.ms.toFixed(0)} ms heap ${row.gc.heapAfterMiB.toFixed(0)} MiB` : ""}\n`,
  );
}

async function runCase(name: string, round: number): Promise<void> {
  const g = await startGateway();
  try {
    if (name === "fresh") return await measureSingle(g, round, name);
    await batchLoad(g, warmupS);
    await batchLoad(g, durationS);
    if (name === "after-a") return await measureSingle(g, round, name);
  } finally {
    await stopGateway(g);
  }
  const g2 = await startGateway();
  try {
    await measureSingle(g2, round, name);
  } finally {
    await stopGateway(g2);
  }
}

const TOPICS = ["bench-ingest-batch", "bench-ingest-single"];
const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
await admin.connect();
await admin
  .createTopics({
    topics: TOPICS.map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })),
    waitForLeaders: true,
  })
  .catch(() => undefined);

/**
 * Drops what the loads wrote (Kafka's DeleteRecords up to the end of each partition): a batch load
 * writes ~2-3 GB, and a few rounds would otherwise fill the disk (the broker frees the segments a
 * minute later, file.delete.delay.ms).
 */
async function truncateTopics(): Promise<void> {
  for (const topic of TOPICS) {
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.deleteTopicRecords({
      topic,
      partitions: offsets.map((o) => ({ partition: o.partition, offset: "-1" })),
    });
  }
}

if (brokerWarmupS > 0) {
  const g = await startGateway();
  try {
    await batchLoad(g, Math.max(1, Math.round(brokerWarmupS / 4)));
    await singleLoad(g, brokerWarmupS);
  } finally {
    await stopGateway(g);
  }
  await truncateTopics();
  process.stderr.write("broker warmed up\n");
}

for (let round = 1; round <= rounds; round++) {
  const order = round % 2 === 1 ? cases : [...cases].reverse();
  for (const c of order) {
    await runCase(c, round);
    await truncateTopics();
  }
}

const f = (n: number, d = 0) => (Number.isNaN(n) ? "–" : n.toFixed(d));
const lines = [
  "| round | case | requests/s | p50/p99 ms | gateway cores | µs/request | RSS before→after MiB | GC eden/full, ms, heap MiB | broker cores | machine user/sys/iowait/softirq/idle | kworker cores | other processes (cores) | Dirty/Writeback MiB |",
  "|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
];
for (const r of rows) {
  const m = r.machine;
  lines.push(
    `| ${r.round} | ${r.case} | ${f(r.requestsPerS)} | ${f(r.p50Ms, 1)}/${f(r.p99Ms, 1)} | ${f(r.cpuCores, 2)} | ${f(r.usPerRequest, 1)} | ${f(r.rssBeforeMiB)}→${f(r.rssAfterMiB)} | ${r.gc ? `${r.gc.eden}/${r.gc.full}, ${f(r.gc.ms)}, ${f(r.gc.heapAfterMiB)}` : "–"} | ${f(r.brokerCores, 2)} | ${f(m.user!, 2)}/${f(m.system!, 2)}/${f(m.iowait!, 2)}/${f(m.softirq!, 2)}/${f(m.idle!, 2)} | ${f(r.kworkerCores, 2)} | ${r.others} (rest ${f(r.othersCores, 2)}) | ${f(r.dirtyMiB)}/${f(r.writebackMiB)} |`,
  );
}
await admin.disconnect();
process.stdout.write(`${lines.join("\n")}\n`);
writeResultsFile(resolve(import.meta.dir, "results"), "ingest-order", stamp, {
  durationS,
  warmupS,
  rounds,
  logGc,
  rows,
});
process.exit(0);
