/**
 * HTTP sink throughput (issue 11, point 8): records per second from a Kafka topic (~1 KB JSON
 * records, 4 partitions) to a local endpoint that answers 200, in batch mode (500 records per
 * request) and single mode (one request per record), for three systems in one run on the same
 * broker and endpoint:
 *   - the gateway binary with its HTTP sink connector (JsonConverter, schemas.enable=false);
 *   - getindata flink-http-connector 0.25.0 in a local Flink 1.18 MiniCluster job
 *     (bench/flink-http-sink/, built by scripts/bench): bounded KafkaSource → HttpSink;
 *   - a plain Bun consumer + fetch loop (bench/support/consume-fetch-loop.ts): the limit.
 * Every system gets the same batch size and the same request concurrency (BENCH_SINK_CONCURRENCY,
 * default 4 = the partition count: the gateway's and Flink's writer thread pools, the loop's
 * partitions consumed concurrently), one task / parallelism 1. Per measurement: the system is
 * started with a fresh consumer group on a topic filled once up front; the clock runs from the first
 * record reaching the endpoint until the endpoint has counted the whole topic; CPU (cores busy) and
 * peak RSS of the system's process are sampled over that window. Runs rotate the order.
 * `scripts/bench http-sink` runs it; prints markdown, raw JSON to bench/results/http-sink-<ts>.json.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CompressionTypes, Kafka, logLevel } from "kafkajs";
import { freePort, pollUntil, requestJson } from "./support/http-probe.ts";
import { machineInfo } from "./support/machine.ts";
import { startRecordEndpoint } from "./support/record-endpoint.ts";
import { writeResultsFile } from "./support/results-file.ts";
import { summarize } from "./support/summary.ts";
import { sampleUsage, type Usage } from "./support/usage-sampler.ts";
import { gatewaySystem, killAllWorkers, WorkerProcess } from "./support/worker-process.ts";

const env = process.env;
const need = (name: string): string => {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set (scripts/bench http-sink sets it)`);
  return value;
};
const repo = resolve(import.meta.dir, "..");
const bootstrap = need("BENCH_BOOTSTRAP");
const gatewayBin = resolve(env.BENCH_GATEWAY_BIN ?? join(repo, "dist", "gateway"));
const flinkJob = env.BENCH_FLINK_JOB ? resolve(env.BENCH_FLINK_JOB) : undefined;
const java = env.BENCH_JAVA ?? "java";
const runs = Number(env.BENCH_RUNS ?? "3");
const concurrency = Number(env.BENCH_SINK_CONCURRENCY ?? "4");
const BATCH = 500;
const PARTITIONS = 4;
const counts: Record<Mode, number> = {
  batch: Number(env.BENCH_SINK_BATCH_RECORDS ?? "100000"),
  single: Number(env.BENCH_SINK_SINGLE_RECORDS ?? "20000"),
};
const modes = (env.BENCH_SINK_MODES ?? "batch,single").split(",") as Mode[];

type Mode = "batch" | "single";
type SystemName = "gateway" | "gateway-bytes" | "flink" | "loop";
const systems = (env.BENCH_ONLY ?? "gateway,gateway-bytes,flink,loop").split(",") as SystemName[];
if (systems.includes("flink") && !flinkJob)
  throw new Error("BENCH_FLINK_JOB is not set (scripts/bench builds the job)");

interface Measurement {
  readonly system: SystemName;
  readonly mode: Mode;
  readonly run: number;
  readonly records: number;
  readonly seconds: number;
  readonly recordsPerSecond: number;
  readonly requests: number;
  readonly usage: Usage;
}

const label: Record<SystemName, string> = {
  gateway: "Gateway (HttpSink connector, JsonConverter)",
  "gateway-bytes": "Gateway (HttpSink connector, ByteArrayConverter: values passed as is)",
  flink: "getindata flink-http-connector 0.25.0 (Flink 1.18.1 MiniCluster)",
  loop: "Plain Bun consumer + fetch loop",
};

const kafka = new Kafka({ clientId: "bench-http-sink", brokers: bootstrap.split(","), logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
using endpoint = startRecordEndpoint();

/** A ~1 KB JSON object; `{"id":` first, which the endpoint counts. */
function recordJson(id: number): string {
  const base = { id, ts: Date.UTC(2020, 0, 1) + id, device: `device-${id % 97}`, status: id % 2 ? "ok" : "warn" };
  const head = JSON.stringify(base);
  return `${head.slice(0, -1)},"payload":"${"x".repeat(1024 - head.length - 14)}"}`;
}

async function fillTopic(topic: string, total: number): Promise<void> {
  await admin.createTopics({
    topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  const producer = kafka.producer();
  await producer.connect();
  try {
    for (let start = 0; start < total; start += 2000) {
      const messages = [];
      for (let id = start; id < Math.min(total, start + 2000); id++)
        messages.push({ key: String(id), value: recordJson(id) });
      await producer.send({ topic, acks: -1, compression: CompressionTypes.None, messages });
    }
  } finally {
    await producer.disconnect();
  }
}

interface Running {
  readonly pids: number[];
  readonly exited: () => string | undefined;
  stop(): Promise<void>;
}

async function startGateway(dir: string, topic: string, mode: Mode, bytes: boolean): Promise<Running> {
  const port = await freePort();
  const launch = gatewaySystem({ binary: gatewayBin, bootstrap }).prepare(dir, port);
  // BENCH_GATEWAY_CPU_PROF=<dir>: run the gateway from source under Bun's CPU profiler instead
  // (a .cpuprofile per measurement; bench/support/profile-summary.ts reads it).
  const profileDir = env.BENCH_GATEWAY_CPU_PROF;
  const command = profileDir
    ? [
        process.execPath,
        "--cpu-prof",
        `--cpu-prof-dir=${resolve(profileDir)}`,
        join(repo, "src", "main.ts"),
        ...launch.command.slice(1),
      ]
    : launch.command;
  const worker = new WorkerProcess({ ...launch, command }, dir);
  const rest = `http://127.0.0.1:${port}`;
  await pollUntil(async () => ((await requestJson("GET", `${rest}/connectors`)).status === 200 ? true : undefined), {
    timeoutMs: 60_000,
    intervalMs: 50,
    what: "gateway REST",
    abortIf: () => worker.exitedMessage(),
  });
  const config = {
    "connector.class": "HttpSink",
    "tasks.max": "1",
    topics: topic,
    url: endpoint.url,
    "sink.writer.request.mode": mode,
    "sink.request.batch.size": String(BATCH),
    "sink.batch.max-size": String(BATCH),
    "sink.writer.thread-pool.size": String(concurrency),
    "key.converter": "org.apache.kafka.connect.storage.StringConverter",
    ...(bytes
      ? { "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter" }
      : {
          "value.converter": "org.apache.kafka.connect.json.JsonConverter",
          "value.converter.schemas.enable": "false",
        }),
  };
  const created = await requestJson(
    "POST",
    `${rest}/connectors`,
    { name: `bench-sink-${mode}-${Date.now()}`, config },
    30_000,
  );
  if (created.status !== 201)
    throw new Error(`gateway: creating the connector answered ${created.status}: ${JSON.stringify(created.body)}`);
  return {
    pids: [worker.pid],
    exited: () => worker.exitedMessage(),
    stop: async () => void (await worker.stop()),
  };
}

/** Java 17 needs these for Flink 1.18 (its own env.java.opts.all default list). */
const FLINK_JVM_OPENS = [
  "java.base/java.util",
  "java.base/java.lang",
  "java.base/java.lang.reflect",
  "java.base/java.io",
  "java.base/java.net",
  "java.base/java.nio",
  "java.base/sun.nio.ch",
  "java.base/java.text",
  "java.base/java.time",
  "java.base/java.util.concurrent",
  "java.base/java.util.concurrent.atomic",
  "java.base/java.util.concurrent.locks",
].map((p) => `--add-opens=${p}=ALL-UNNAMED`);

function spawnProcess(command: string[], dir: string): Running {
  const log = Bun.file(join(dir, "process.log"));
  const proc = Bun.spawn(command, { cwd: dir, stdin: "ignore", stdout: log, stderr: log });
  children.add(proc);
  void proc.exited.then(() => children.delete(proc));
  return {
    pids: [proc.pid],
    exited: () =>
      proc.exitCode !== null && proc.exitCode !== 0 ? `the process exited with code ${proc.exitCode}` : undefined,
    stop: async () => {
      if (proc.exitCode === null) proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
      await proc.exited;
      clearTimeout(timer);
    },
  };
}

function startFlink(dir: string, topic: string, mode: Mode): Running {
  const log4j = join(dir, "log4j2.properties");
  writeFileSync(
    log4j,
    "rootLogger.level = WARN\nrootLogger.appenderRef.c.ref = C\nappender.c.type = Console\nappender.c.name = C\nappender.c.layout.type = PatternLayout\nappender.c.layout.pattern = %d %p %c - %m%n\n",
  );
  return spawnProcess(
    [
      java,
      ...FLINK_JVM_OPENS,
      `-Dlog4j2.configurationFile=${log4j}`,
      "-cp",
      `${flinkJob}/flink-http-sink-bench-1.jar:${flinkJob}/lib/*`,
      "bench.FlinkHttpSinkJob",
      bootstrap,
      topic,
      endpoint.url,
      mode,
      String(BATCH),
      "1",
    ],
    dir,
  );
}

function startLoop(dir: string, topic: string, mode: Mode, total: number): Running {
  return spawnProcess(
    [
      process.execPath,
      join(import.meta.dir, "support", "consume-fetch-loop.ts"),
      bootstrap,
      topic,
      endpoint.url,
      mode,
      String(BATCH),
      String(concurrency),
      String(total),
    ],
    dir,
  );
}

const children = new Set<ReturnType<typeof Bun.spawn>>();
function killChildren(): void {
  for (const c of children) c.kill("SIGKILL");
  killAllWorkers();
}

async function measure(system: SystemName, mode: Mode, topic: string, run: number): Promise<Measurement> {
  const total = counts[mode];
  const dir = mkdtempSync(join(tmpdir(), `bench-sink-${system}-`));
  const target = endpoint.expect(total);
  let running: Running | undefined;
  try {
    running =
      system === "gateway" || system === "gateway-bytes"
        ? await startGateway(dir, topic, mode, system === "gateway-bytes")
        : system === "flink"
          ? startFlink(dir, topic, mode)
          : startLoop(dir, topic, mode, total);
    const r = running;
    await pollUntil(async () => (target.firstAt() !== undefined ? true : undefined), {
      timeoutMs: 180_000,
      intervalMs: 5,
      what: `${system}'s first record`,
      abortIf: r.exited,
    });
    const sampler = sampleUsage(r.pids);
    await pollUntil(async () => (endpoint.reachedAt() !== undefined ? true : undefined), {
      timeoutMs: 900_000,
      intervalMs: 20,
      what: `${total} records at the endpoint from ${system} (${endpoint.records()} so far)`,
      abortIf: r.exited,
    });
    const usage = sampler.stop();
    const seconds = (endpoint.reachedAt()! - target.firstAt()!) / 1000;
    return {
      system,
      mode,
      run,
      records: total,
      seconds,
      recordsPerSecond: total / seconds,
      requests: endpoint.requests(),
      usage,
    };
  } catch (error) {
    const tail = await Bun.file(join(dir, running ? "process.log" : "worker.log"))
      .text()
      .catch(() => "");
    const wtail = await Bun.file(join(dir, "worker.log"))
      .text()
      .catch(() => "");
    throw new Error(
      `${system} ${mode}: ${(error as Error).message}\n${(tail || wtail).split("\n").slice(-30).join("\n")}`,
    );
  } finally {
    await running?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, () => {
    killChildren();
    process.exit(signal === "SIGINT" ? 130 : 143);
  });

const started = new Date().toISOString();
const loadBefore = loadavg();
const results: Measurement[] = [];
const topics: string[] = [];
try {
  for (const mode of modes) {
    const topic = `bench-http-sink-${mode}-${Date.now()}`;
    topics.push(topic);
    process.stderr.write(`filling ${topic} with ${counts[mode]} records of 1 KB over ${PARTITIONS} partitions\n`);
    await fillTopic(topic, counts[mode]);
    for (let run = 0; run < runs; run++) {
      for (let i = 0; i < systems.length; i++) {
        const system = systems[(i + run) % systems.length]!;
        const m = await measure(system, mode, topic, run);
        results.push(m);
        process.stderr.write(
          `${mode} run ${run} ${system}: ${m.recordsPerSecond.toFixed(0)} records/s (${m.seconds.toFixed(2)} s, ${m.requests} requests, ${m.usage.cores.toFixed(2)} cores, ${m.usage.peakRssMiB.toFixed(0)} MiB)\n`,
        );
      }
    }
  }
} finally {
  killChildren();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
}

const m = machineInfo();
const out = [
  `Date: ${started}; machine: ${m.cores} cores, ${m.cpuModel}, ${m.memTotalMiB} MiB; Bun ${m.bun}`,
  `Load average (1/5/15 min) before: ${loadBefore.map((l) => l.toFixed(2)).join(" ")}; after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
  `${PARTITIONS} partitions, ~1 KB JSON records, batch size ${BATCH}, request concurrency ${concurrency}, one task; ${runs} runs per system`,
];
for (const mode of modes) {
  const of = (s: SystemName) => results.filter((r) => r.mode === mode && r.system === s);
  const gw = summarize(of("gateway").map((r) => r.recordsPerSecond)).median;
  out.push(
    "",
    `**${mode} mode** (${counts[mode]} records per measurement)`,
    "",
    "| System | records/s median | min | max | requests/s | CPU (cores) | peak RSS (MiB) | gateway ÷ system |",
    "|---|--:|--:|--:|--:|--:|--:|--:|",
    ...systems.map((s) => {
      const rows = of(s);
      const rate = summarize(rows.map((r) => r.recordsPerSecond));
      const reqs = summarize(rows.map((r) => r.requests / r.seconds)).median;
      const cores = summarize(rows.map((r) => r.usage.cores)).median;
      const rss = summarize(rows.map((r) => r.usage.peakRssMiB)).median;
      return `| ${label[s]} | ${rate.median.toFixed(0)} | ${rate.min.toFixed(0)} | ${rate.max.toFixed(0)} | ${reqs.toFixed(0)} | ${cores.toFixed(2)} | ${rss.toFixed(0)} | ${(gw / rate.median).toFixed(2)} |`;
    }),
  );
}
console.log(out.join("\n"));
const file = writeResultsFile(join(repo, "bench", "results"), "http-sink", started, {
  machine: m,
  loadAverage: { before: loadBefore, after: loadavg() },
  batch: BATCH,
  concurrency,
  counts,
  results,
});
process.stderr.write(`raw results: ${file}\n`);
