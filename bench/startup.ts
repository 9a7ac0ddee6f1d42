/**
 * Cold start and memory benchmark: the gateway binary against Apache Kafka Connect's standalone
 * worker, same broker, same machine, same run. `scripts/bench startup` runs it (it starts the
 * broker and fetches the Connect jars, then passes them in through BENCH_* variables).
 *
 * Per run and system, in a fresh temp directory on a free loopback port:
 *   1. spawn → first HTTP answer from the REST listener, and → first 200 from GET /health;
 *   2. RSS (/proc/<pid>/status VmRSS) at readiness and after a settle interval (5 s by default);
 *   3. POST a FileStreamSource connector reading a file of 1,000 lines, wait until its task is
 *      RUNNING and the whole file's offset is committed, settle again, sample RSS;
 *   4. SIGTERM and time the graceful stop.
 * Runs alternate between the systems (pair i starts with the gateway when i is even, with Connect
 * when odd); one warm-up run per system comes first and is kept in the JSON but not in the table.
 * Prints markdown tables and writes raw results to bench/results/startup-<timestamp>.json.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { diskSize, javaInfo, machineInfo } from "./support/machine.ts";
import { writeResultsFile } from "./support/results-file.ts";
import { MiB, renderReport, type StartupReport, tableRows } from "./support/startup-report.ts";
import { measureRun, type RunResult, type RunSettings } from "./support/startup-run.ts";
import {
  type ConnectSystemOptions,
  connectSystem,
  gatewaySystem,
  killAllWorkers,
  type SystemName,
  type WorkerSystem,
} from "./support/worker-process.ts";

export interface StartupBenchOptions extends RunSettings {
  readonly runs: number;
  readonly warmupRuns: number;
  readonly bootstrap: string;
  readonly kafkaVersion: string;
  readonly gatewayBinary: string;
  readonly connect: Omit<ConnectSystemOptions, "bootstrap">;
  readonly resultsDir: string;
}

function required(env: Record<string, string | undefined>, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set (scripts/bench sets it)`);
  return value;
}

function nonNegativeInt(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return n;
}

function words(value: string | undefined): string[] {
  return (value ?? "").split(/\s+/).filter((w) => w !== "");
}

/** Options from BENCH_* environment variables, defaults resolved once; runs get directories under `workDir`. */
export function optionsFromEnv(
  workDir: string,
  env: Record<string, string | undefined> = process.env,
): StartupBenchOptions {
  const repo = resolve(import.meta.dir, "..");
  const javaHome = env.JAVA_HOME;
  return {
    runs: Math.max(1, nonNegativeInt(env.BENCH_RUNS, 5, "BENCH_RUNS")),
    warmupRuns: nonNegativeInt(env.BENCH_WARMUP_RUNS, 1, "BENCH_WARMUP_RUNS"),
    settleMs: nonNegativeInt(env.BENCH_SETTLE_MS, 5000, "BENCH_SETTLE_MS"),
    inputLines: nonNegativeInt(env.BENCH_INPUT_LINES, 1000, "BENCH_INPUT_LINES"),
    bootstrap: required(env, "BENCH_BOOTSTRAP"),
    kafkaVersion: env.BENCH_KAFKA_VERSION ?? "unknown",
    gatewayBinary: resolve(env.BENCH_GATEWAY_BIN ?? join(repo, "dist", "gateway")),
    connect: {
      java: env.BENCH_JAVA ?? (javaHome ? join(javaHome, "bin", "java") : "java"),
      libDir: resolve(required(env, "BENCH_CONNECT_LIB")),
      version: required(env, "BENCH_CONNECT_VERSION"),
      jvmOptions: words(env.BENCH_CONNECT_JVM_OPTS),
      workerOverrides: Object.fromEntries(
        words(env.BENCH_CONNECT_WORKER_PROPS).map((kv) => {
          const eq = kv.indexOf("=");
          if (eq <= 0) throw new Error(`BENCH_CONNECT_WORKER_PROPS: expected key=value, got "${kv}"`);
          return [kv.slice(0, eq), kv.slice(eq + 1)];
        }),
      ),
    },
    resultsDir: resolve(env.BENCH_RESULTS_DIR ?? join(repo, "bench", "results")),
    startTimeoutMs: 180_000,
    workDir,
  };
}

/** The distinct commit ids a system's GET / reported over the runs. */
function commitsOf(runs: readonly RunResult[], system: SystemName): string[] {
  const commits = runs
    .filter((r) => r.system === system)
    .map((r) =>
      typeof r.serverInfo === "object" && r.serverInfo !== null
        ? (r.serverInfo as { commit?: unknown }).commit
        : undefined,
    );
  return [...new Set(commits.map((c) => String(c ?? "unknown")))];
}

/** Runs every measurement and returns the report (also written as JSON under resultsDir). */
export async function runStartupBench(options: StartupBenchOptions): Promise<StartupReport> {
  statSync(options.gatewayBinary);
  const date = new Date().toISOString();
  const loadAtStart = loadavg();
  const cores = availableParallelism();
  if ((loadAtStart[0] ?? 0) > cores / 2) {
    process.stderr.write(
      `warning: 1-minute load average is ${loadAtStart[0]?.toFixed(2)} on ${cores} cores; other work will skew the times\n`,
    );
  }
  const java = javaInfo(options.connect.java, options.connect.jvmOptions);
  const systems: Record<SystemName, WorkerSystem> = {
    gateway: gatewaySystem({ binary: options.gatewayBinary, bootstrap: options.bootstrap }),
    connect: connectSystem({ ...options.connect, bootstrap: options.bootstrap }),
  };
  const runs: RunResult[] = [];
  const total = options.warmupRuns + options.runs;
  for (let i = 0; i < total; i++) {
    const warmup = i < options.warmupRuns;
    const run = warmup ? i + 1 : i - options.warmupRuns + 1;
    const order: SystemName[] = i % 2 === 0 ? ["gateway", "connect"] : ["connect", "gateway"];
    for (const name of order) {
      const result = await measureRun(systems[name], options, run, warmup);
      runs.push(result);
      process.stderr.write(
        `${warmup ? "warm-up" : "run"} ${run} ${name}: healthy ${result.healthyMs.toFixed(0)} ms, idle RSS ${MiB(result.idle.rssKiB).toFixed(1)} MiB, with connector ${MiB(result.connector.memory.rssKiB).toFixed(1)} MiB\n`,
      );
    }
  }
  const settleS = `${options.settleMs / 1000} s`;
  const report: StartupReport = {
    date,
    machine: machineInfo(),
    loadAverage: { start: loadAtStart, end: loadavg() },
    java,
    kafkaVersion: options.kafkaVersion,
    peer: {
      label: systems.connect.label,
      version: options.connect.version,
      libDir: options.connect.libDir,
      jvmOptions: options.connect.jvmOptions,
      workerOverrides: options.connect.workerOverrides,
    },
    gateway: { binary: options.gatewayBinary, commits: commitsOf(runs, "gateway") },
    settleMs: options.settleMs,
    inputLines: options.inputLines,
    disk: {
      gateway: diskSize(options.gatewayBinary),
      connectJars: diskSize(options.connect.libDir),
      javaRuntime: java.home ? diskSize(java.home) : { bytes: 0, files: 0 },
    },
    runs,
    rows: tableRows(runs, settleS),
  };
  const file = writeResultsFile(options.resultsDir, "startup", report.date, report);
  process.stderr.write(`raw results: ${file}\n`);
  return report;
}

if (import.meta.main) {
  const workDir = mkdtempSync(join(tmpdir(), "edge-bench-"));
  const cleanUp = () => {
    killAllWorkers();
    rmSync(workDir, { recursive: true, force: true });
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      cleanUp();
      process.exit(signal === "SIGINT" ? 130 : 143);
    });
  }
  try {
    const report = await runStartupBench(optionsFromEnv(workDir));
    process.stdout.write(renderReport(report));
  } catch (error) {
    process.stderr.write(`bench/startup.ts: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  } finally {
    cleanUp();
  }
}
