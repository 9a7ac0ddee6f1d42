/**
 * Throughput benchmark: the gateway against a warm Apache Kafka Connect standalone worker, same
 * broker, same machine, same run. `scripts/bench throughput` runs it (broker, Connect jars and the
 * kafka-tools jar come in through BENCH_* variables).
 *
 * Both workers start once and stay up (as users run Connect: long-lived, JIT warm). Round 0 is an
 * untimed warm-up per system; then `runs` rounds alternate the order of the systems. Each round:
 *   - FileStreamSource → Kafka: the input file (N lines of 200 B) into a fresh one-partition topic;
 *     checked: the topic's end offset is exactly N;
 *   - Kafka → FileStreamSink: a topic holding the input into a fresh file; checked: the file is
 *     byte-identical to the input.
 * Then the client limits, `runs` times each: ProducerPerformance (defaults, and linger.ms=5
 * batch.size=262144), ConsumerPerformance, and bench/port-loop.ts (a bare Bun producer / consumer
 * through the project's Kafka port) for each gateway adapter. Every figure carries the process's
 * CPU time and peak RSS. Prints markdown; raw results go to bench/results/throughput-<time>.json.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { consumerPerformance, portLoop, producerPerformance } from "./support/client-limits.ts";
import { machineInfo } from "./support/machine.ts";
import { writeResultsFile } from "./support/results-file.ts";
import {
  benchKafka,
  createTopic,
  disconnectAdmins,
  type Measurement,
  sha256,
  sinkRun,
  sourceRun,
} from "./support/throughput-run.ts";
import { fmt, type Row, render } from "./support/throughput-table.ts";
import {
  connectSystem,
  gatewaySystem,
  killAllWorkers,
  type LiveWorker,
  startWorker,
  type WorkerSystem,
} from "./support/worker-process.ts";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (scripts/bench sets it)`);
  return value;
}

function int(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

const repo = resolve(import.meta.dir, "..");
const options = {
  records: Math.max(1, int("BENCH_RECORDS", 1_000_000)),
  recordSize: Math.max(16, int("BENCH_RECORD_SIZE", 200)),
  runs: Math.max(1, int("BENCH_RUNS", 3)),
  bootstrap: required("BENCH_BOOTSTRAP"),
  kafkaVersion: process.env.BENCH_KAFKA_VERSION ?? "unknown",
  gatewayBinary: resolve(process.env.BENCH_GATEWAY_BIN ?? join(repo, "dist", "gateway")),
  /** Gateway variants by Kafka adapter (worker key kafka.client); the first is the binary's default. */
  clients: (process.env.BENCH_GATEWAY_CLIENTS ?? "default").split(/\s+/).filter((c) => c !== ""),
  /** More gateway binaries (space-separated paths) measured beside the first in the same rounds: a regression check. */
  compareBinaries: (process.env.BENCH_GATEWAY_COMPARE_BIN ?? "")
    .split(/\s+/)
    .filter((b) => b !== "")
    .map((b) => resolve(b)),
  java: process.env.BENCH_JAVA ?? (process.env.JAVA_HOME ? join(process.env.JAVA_HOME, "bin", "java") : "java"),
  /** BENCH_SKIP_CONNECT=1: the gateway rows only (no Connect peer, no limits). */
  connect: process.env.BENCH_SKIP_CONNECT !== "1",
  connectLib: process.env.BENCH_SKIP_CONNECT === "1" ? "" : resolve(required("BENCH_CONNECT_LIB")),
  connectVersion: process.env.BENCH_SKIP_CONNECT === "1" ? "" : required("BENCH_CONNECT_VERSION"),
  toolsLib:
    process.env.BENCH_SKIP_CONNECT === "1" || process.env.BENCH_SKIP_LIMITS === "1"
      ? ""
      : resolve(required("BENCH_TOOLS_LIB")),
  bun: process.execPath,
  limits: process.env.BENCH_SKIP_LIMITS !== "1" && process.env.BENCH_SKIP_CONNECT !== "1",
  resultsDir: resolve(process.env.BENCH_RESULTS_DIR ?? join(repo, "bench", "results")),
};

const live: LiveWorker[] = [];

function inputFile(dir: string): string {
  const path = join(dir, "input.txt");
  const filler = "x".repeat(options.recordSize - 13);
  const lines: string[] = new Array(options.records);
  for (let i = 0; i < options.records; i++) lines[i] = `${String(i).padStart(12, "0")}${filler}\n`;
  writeFileSync(path, lines.join(""));
  return path;
}

async function main(workDir: string): Promise<void> {
  statSync(options.gatewayBinary);
  const date = new Date().toISOString();
  const loadStart = loadavg();
  const cores = availableParallelism();
  process.stderr.write(
    `${options.records} records of ${options.recordSize} B, ${options.runs} runs; load ${loadStart[0]?.toFixed(2)} on ${cores} cores\n`,
  );
  const input = inputFile(workDir);
  const inputInfo = { size: statSync(input).size, sha256: await sha256(input) };
  const kafka = benchKafka(options.bootstrap);
  const connectLabel = `Apache Connect ${options.connectVersion}`;
  const systems: { label: string; system: WorkerSystem }[] = [
    ...options.clients.map((client) => ({
      label: client === "default" ? "Gateway" : `Gateway (${client})`,
      system: gatewaySystem({
        binary: options.gatewayBinary,
        bootstrap: options.bootstrap,
        ...(client === "default" ? {} : { extra: { "kafka.client": client } }),
      }),
    })),
    ...options.compareBinaries.map((binary) => ({
      label: `Gateway (${binary})`,
      system: gatewaySystem({ binary, bootstrap: options.bootstrap }),
    })),
    ...(options.connect
      ? [
          {
            label: connectLabel,
            system: connectSystem({
              java: options.java,
              libDir: options.connectLib,
              version: options.connectVersion,
              bootstrap: options.bootstrap,
              jvmOptions: [],
              workerOverrides: {},
            }),
          },
        ]
      : []),
  ];
  const workers = live;
  for (const [i, s] of systems.entries()) {
    workers.push(await startWorker(s.system, s.label, mkdtempSync(join(workDir, `worker-${i}-`))));
  }
  const rows: Row[] = [];
  const record = (scenario: string, system: string, round: number, m: Measurement) => {
    rows.push({ scenario, system, round, warmup: round === 0, m });
    process.stderr.write(
      `${round === 0 ? "warm-up" : `run ${round}`} ${scenario} ${system}: ${fmt(m.recordsPerSecond)} records/s, ${fmt(m.cores, 2)} cores, peak RSS ${fmt(m.peakRssKiB / 1024, 1)} MiB (${m.verified})\n`,
    );
  };
  const stamp = Date.now().toString(36);
  let sinkInput: string | undefined;
  for (let round = 0; round <= options.runs; round++) {
    const order = round % 2 === 0 ? workers : [...workers].reverse();
    for (const w of order) {
      const ctx = { worker: w.process, base: w.base, kafka, records: options.records, timeoutMs: 600_000 };
      const id = `${stamp}-${round}-${workers.indexOf(w)}`;
      record(
        "FileStreamSource → Kafka",
        w.label,
        round,
        await sourceRun(ctx, `source-${id}`, input, `bench-source-${id}`),
      );
      sinkInput ??= `bench-source-${id}`;
    }
    for (const w of order) {
      const ctx = { worker: w.process, base: w.base, kafka, records: options.records, timeoutMs: 600_000 };
      const id = `${stamp}-${round}-${workers.indexOf(w)}`;
      const output = join(workDir, `sink-${id}.txt`);
      record("Kafka → FileStreamSink", w.label, round, await sinkRun(ctx, `sink-${id}`, sinkInput!, output, inputInfo));
      rmSync(output, { force: true });
    }
  }
  const serverInfo = await Promise.all(workers.map(async (w) => [w.label, await (await fetch(`${w.base}/`)).json()]));
  for (const w of workers) await w.process.stop();

  if (options.limits) {
    const tools = { java: options.java, libDir: options.toolsLib, bootstrap: options.bootstrap };
    // "default" is the worker's default client (kafka.client=platformatic), as for the gateway rows.
    const adapters = options.clients.map((c) => (c === "default" ? "platformatic" : c));
    for (let round = 1; round <= options.runs; round++) {
      const t = (name: string) => `bench-limit-${stamp}-${round}-${name}`;
      const tasks: [string, string, () => Promise<Measurement>][] = [
        [
          "Producer limit (acks=all)",
          "ProducerPerformance, defaults",
          async () => {
            await createTopic(kafka, t("pp"));
            return producerPerformance(tools, t("pp"), options.records, options.recordSize, { acks: "all" });
          },
        ],
        [
          "Producer limit (acks=all)",
          "ProducerPerformance, linger.ms=5 batch.size=262144",
          async () => {
            await createTopic(kafka, t("pp-batched"));
            return producerPerformance(tools, t("pp-batched"), options.records, options.recordSize, {
              acks: "all",
              "linger.ms": "5",
              "batch.size": "262144",
            });
          },
        ],
        ...adapters.map((adapter): [string, string, () => Promise<Measurement>] => [
          "Producer limit (acks=all)",
          `Bun loop through the Kafka port (${adapter}), 1000-record sends, 5 in flight`,
          async () => {
            await createTopic(kafka, t(`loop-${adapter}`));
            return portLoop(
              { bun: options.bun, bootstrap: options.bootstrap, adapter },
              "produce",
              t(`loop-${adapter}`),
              options.records,
              {
                BENCH_LOOP_SIZE: String(options.recordSize),
              },
            );
          },
        ]),
        ["Consumer limit", "ConsumerPerformance", () => consumerPerformance(tools, sinkInput!, options.records)],
        ...adapters.map((adapter): [string, string, () => Promise<Measurement>] => [
          "Consumer limit",
          `Bun loop through the Kafka port (${adapter})`,
          () =>
            portLoop(
              { bun: options.bun, bootstrap: options.bootstrap, adapter },
              "consume",
              sinkInput!,
              options.records,
            ),
        ]),
      ];
      const ordered = round % 2 === 1 ? tasks : [...tasks].reverse();
      for (const [scenario, system, go] of ordered) record(scenario, system, round, await go());
    }
  }

  const report = {
    date,
    machine: machineInfo(),
    loadAverage: { start: loadStart, end: loadavg() },
    kafkaVersion: options.kafkaVersion,
    options: { ...options },
    serverInfo: Object.fromEntries(serverInfo),
    rows,
  };
  const file = writeResultsFile(options.resultsDir, "throughput", date, report);
  process.stderr.write(`raw results: ${file}\n`);
  const text = [
    `### Connector throughput (${fmt(options.records)} records of ${options.recordSize} B, median of ${options.runs} after a warm-up round; ${date})`,
    "",
    render(
      rows.filter((r) => !r.scenario.includes("limit")),
      options.connect ? connectLabel : (systems[0]?.label ?? "Gateway"),
    ),
    options.limits
      ? `### Client limits (same broker, same run)\n\n${render(
          rows.filter((r) => r.scenario === "Producer limit (acks=all)"),
          "ProducerPerformance, linger.ms=5 batch.size=262144",
        )}\n${render(
          rows.filter((r) => r.scenario === "Consumer limit"),
          "ConsumerPerformance",
        )}`
      : "",
    `Load average (1/5/15 min) at start ${loadStart.map((l) => l.toFixed(2)).join("/")}, at end ${loadavg()
      .map((l) => l.toFixed(2))
      .join("/")}; ${cores} cores.`,
    "",
  ].join("\n");
  process.stdout.write(text);
}

if (import.meta.main) {
  const workDir = mkdtempSync(join(tmpdir(), "edge-bench-throughput-"));
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
    await main(workDir);
  } catch (error) {
    process.stderr.write(
      `bench/throughput.ts: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    for (const w of live) process.stderr.write(`--- ${w.label}: last log lines ---\n${w.process.logTail(40)}\n`);
    process.exitCode = 1;
  } finally {
    await disconnectAdmins();
    cleanUp();
    // The shared admin that polls end offsets stays connected and would keep the process (and
    // the benchmark lock) alive after the report.
    process.exit(process.exitCode ?? 0);
  }
}
