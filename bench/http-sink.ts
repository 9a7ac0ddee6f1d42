/**
 * HTTP sink throughput: records per second from a Kafka topic (4 partitions, ~1 KB JSON records)
 * to a local endpoint answering 200, in batch mode (500 records per request) and single mode (one
 * request per record), for three systems in one run on the same broker, topic and endpoint:
 *   - the gateway binary with its HTTP sink connector (1 task, 4 requests at once: one per partition);
 *   - getindata flink-http-connector 0.25.0 (the Flink document's own connector) in a local Flink
 *     1.18 MiniCluster job: Kafka source (flink-connector-kafka) → HttpSink, parallelism 1;
 *   - a plain Bun consumer + fetch loop (bench/support/consume-post-loop.ts): the limit.
 * Each run reads the whole topic from the beginning with a fresh consumer group; the clock runs
 * from the endpoint's first request to its last record (so JVM and worker start-up are excluded).
 * Both connectors flush a partial batch after 100 ms (sink.flush-buffer.timeout). Runs rotate the
 * order of the systems. `scripts/bench http-sink` runs it (and compiles the Flink job).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { freePort, pollUntil, requestJson } from "./support/http-probe.ts";
import { machineInfo } from "./support/machine.ts";
import { writeResultsFile } from "./support/results-file.ts";
import { startSinkEndpoint } from "./support/sink-endpoint.ts";
import { summarize } from "./support/summary.ts";
import { sampleUsage, type Usage } from "./support/usage-sampler.ts";
import { gatewaySystem, killAllWorkers, WorkerProcess } from "./support/worker-process.ts";

const env = process.env;
const need = (name: string) =>
  env[name] ??
  (() => {
    throw new Error(`${name} is not set (scripts/bench sets it)`);
  })();
const repo = resolve(import.meta.dir, "..");
const bootstrap = need("BENCH_BOOTSTRAP");
const order = (env.BENCH_SINK_SYSTEMS ?? "gateway,flink,loop").split(",") as SystemName[];
const flinkClasspath = order.includes("flink") ? need("BENCH_FLINK_CLASSPATH") : "";
const runs = Number(env.BENCH_RUNS ?? "3");
const gatewayBin = resolve(env.BENCH_GATEWAY_BIN ?? join(repo, "dist", "gateway"));
/** A second gateway binary measured as system "gateway-b" (BENCH_SINK_SYSTEMS=gateway,gateway-b: a regression check). */
const compareBin = env.BENCH_GATEWAY_COMPARE_BIN ? resolve(env.BENCH_GATEWAY_COMPARE_BIN) : undefined;
if (order.includes("gateway-b") && !compareBin) throw new Error("gateway-b needs BENCH_GATEWAY_COMPARE_BIN");
const PARTITIONS = 4;
const BATCH = 500;
/** Record size (BENCH_SINK_RECORD_BYTES, default 1 KB); large records with a slow endpoint measure the sink's memory bound. */
const RECORD_BYTES = Number(env.BENCH_SINK_RECORD_BYTES ?? "1024");
/** The endpoint answers each request after this many ms (BENCH_SINK_ENDPOINT_DELAY_MS, default 0). */
const ENDPOINT_DELAY_MS = Number(env.BENCH_SINK_ENDPOINT_DELAY_MS ?? "0");
/** sink.requests.max-buffered.bytes for the gateway (BENCH_SINK_MAX_BUFFERED_BYTES; default: the connector's). */
const MAX_BUFFERED_BYTES = env.BENCH_SINK_MAX_BUFFERED_BYTES;
/** sink.writer.thread-pool.size for the gateway (BENCH_SINK_THREADS; default one request per partition at once). */
const THREADS = env.BENCH_SINK_THREADS ?? String(PARTITIONS);
const counts = {
  batch: Number(env.BENCH_SINK_BATCH_RECORDS ?? "100000"),
  single: Number(env.BENCH_SINK_SINGLE_RECORDS ?? "20000"),
};

type SystemName = "gateway" | "gateway-b" | "flink" | "loop";
type Mode = "batch" | "single";
interface Measurement {
  readonly system: SystemName;
  readonly mode: Mode;
  readonly run: number;
  readonly seconds: number;
  readonly recordsPerSecond: number;
  readonly requests: number;
  /** CPU of the system's process(es) from the endpoint's first request to its last record. */
  readonly usage: Usage;
}

const kafka = new Kafka({ clientId: "bench-http-sink", brokers: bootstrap.split(","), logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
using endpoint = startSinkEndpoint(ENDPOINT_DELAY_MS);

/** `{"seq":n,"partition":p,"pad":"xxx…"}` padded to exactly RECORD_BYTES bytes. */
function recordValue(seq: number, partition: number): string {
  const head = `{"seq":${seq},"partition":${partition},"pad":"`;
  return `${head}${"x".repeat(RECORD_BYTES - head.length - 2)}"}`;
}

async function prepareTopic(mode: Mode): Promise<string> {
  const topic = `bench-http-sink-${mode}-${Date.now()}`;
  await admin.createTopics({
    topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  const producer = kafka.producer();
  await producer.connect();
  try {
    // Per send at most ~3 MB (under the broker's message.max.bytes per partition's batch).
    const chunk = Math.max(PARTITIONS, Math.min(2000, Math.floor(3_000_000 / RECORD_BYTES)));
    for (let start = 0; start < counts[mode]; start += chunk) {
      const messages = [];
      for (let seq = start; seq < Math.min(start + chunk, counts[mode]); seq++) {
        messages.push({ partition: seq % PARTITIONS, value: recordValue(seq, seq % PARTITIONS) });
      }
      // A broker under load may not know the new topic on every connection yet: retry a while.
      for (let attempt = 1; ; attempt++) {
        try {
          await producer.send({ topic, acks: -1, messages });
          break;
        } catch (error) {
          if (attempt >= 20 || !(error as { retriable?: boolean }).retriable) throw error;
          await Bun.sleep(250 * attempt);
        }
      }
    }
  } finally {
    await producer.disconnect();
  }
  if (env.BENCH_DEBUG) console.error(`  produced ${counts[mode]} records to ${topic}`);
  return topic;
}

async function measure(system: SystemName, mode: Mode, topic: string, run: number): Promise<Measurement> {
  const total = counts[mode];
  const dir = mkdtempSync(join(tmpdir(), `bench-http-sink-${system}-`));
  let worker: WorkerProcess | undefined;
  let child: ReturnType<typeof Bun.spawn> | undefined;
  try {
    endpoint.reset(total);
    if (system === "gateway" || system === "gateway-b") {
      const port = await freePort();
      const binary = system === "gateway" ? gatewayBin : compareBin!;
      const w = new WorkerProcess(gatewaySystem({ binary, bootstrap }).prepare(dir, port), dir);
      worker = w;
      const rest = `http://127.0.0.1:${port}`;
      await pollUntil(
        async () => ((await requestJson("GET", `${rest}/connectors`)).status === 200 ? true : undefined),
        {
          timeoutMs: 60_000,
          intervalMs: 50,
          what: "gateway REST",
          abortIf: () => w.exitedMessage(),
        },
      );
      const created = await requestJson("POST", `${rest}/connectors`, {
        name: `bench-sink-${system}-${mode}-${run}`,
        config: {
          "connector.class": "HttpSink",
          "tasks.max": "1",
          topics: topic,
          url: endpoint.url,
          "sink.writer.request.mode": mode,
          "sink.request.batch.size": String(BATCH),
          "sink.batch.max-size": String(BATCH),
          "sink.flush-buffer.timeout": "100",
          "sink.writer.thread-pool.size": THREADS,
          "value.converter": "org.apache.kafka.connect.json.JsonConverter",
          "value.converter.schemas.enable": "false",
          ...(MAX_BUFFERED_BYTES ? { "sink.requests.max-buffered.bytes": MAX_BUFFERED_BYTES } : {}),
        },
      });
      if (created.status !== 201) throw new Error(`creating the connector answered ${created.status}\n${w.logTail()}`);
    } else if (system === "loop") {
      child = Bun.spawn(
        [
          process.execPath,
          join(import.meta.dir, "support", "consume-post-loop.ts"),
          bootstrap,
          topic,
          endpoint.url,
          mode,
          String(BATCH),
        ],
        { stdout: "inherit", stderr: "inherit" },
      );
    } else {
      child = Bun.spawn(
        [
          env.BENCH_JAVA ?? "java",
          "--add-opens=java.base/java.util=ALL-UNNAMED",
          "--add-opens=java.base/java.lang=ALL-UNNAMED",
          "-cp",
          flinkClasspath,
          "FlinkHttpSinkBench",
          bootstrap,
          topic,
          endpoint.url,
          mode,
          String(BATCH),
          "1",
          "100",
        ],
        { cwd: dir, stdout: "ignore", stderr: "inherit" },
      );
    }
    await pollUntil(async () => (endpoint.firstRequestAt !== undefined ? true : undefined), {
      timeoutMs: 120_000,
      intervalMs: 5,
      what: `${system}'s first request`,
      abortIf: () => worker?.exitedMessage(),
    });
    const sampler = sampleUsage([worker?.pid ?? child!.pid]);
    let lastReport = performance.now();
    await pollUntil(
      async () => {
        if (env.BENCH_DEBUG && performance.now() - lastReport > 2000) {
          lastReport = performance.now();
          console.error(`  ${system} ${mode}: ${endpoint.records} records, ${endpoint.requests} requests`);
        }
        return endpoint.doneAt !== undefined ? true : undefined;
      },
      {
        timeoutMs: 600_000,
        intervalMs: 20,
        what: `${total} records at the endpoint (${system}, ${mode})`,
        abortIf: () =>
          worker?.exitedMessage() ??
          (child?.exitCode !== null && child?.exitCode !== undefined && endpoint.doneAt === undefined
            ? `${system} exited ${child.exitCode} after ${endpoint.records} records`
            : undefined),
      },
    );
    const usage = sampler.stop();
    const seconds = (endpoint.doneAt! - endpoint.firstRequestAt!) / 1000;
    return { system, mode, run, seconds, recordsPerSecond: total / seconds, requests: endpoint.requests, usage };
  } finally {
    await worker?.stop();
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await child?.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

const modes = (env.BENCH_SINK_MODES ?? "batch,single").split(",") as Mode[];
const results: Measurement[] = [];
const started = new Date().toISOString();
const topics = Object.fromEntries(
  await Promise.all(modes.map(async (m) => [m, await prepareTopic(m)] as const)),
) as Record<Mode, string>;
try {
  for (let run = 0; run < runs; run++) {
    for (const mode of modes) {
      for (let i = 0; i < order.length; i++) {
        const system = order[(i + run) % order.length]!;
        const m = await measure(system, mode, topics[mode], run);
        results.push(m);
        console.error(
          `run ${run} ${mode} ${system}: ${m.recordsPerSecond.toFixed(0)} records/s (${m.seconds.toFixed(2)} s, ${m.requests} requests, ${m.usage.cores.toFixed(2)} cores, peak RSS ${m.usage.peakRssMiB.toFixed(0)} MiB, ${((counts[mode] * 1000) / m.usage.cpuMs).toFixed(0)} records per CPU-second)`,
        );
      }
    }
  }
} finally {
  killAllWorkers();
  await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
  await admin.disconnect();
}

const label: Record<SystemName, string> = {
  gateway: "Gateway (HttpSink connector, 1 task)",
  "gateway-b": `Gateway B (HttpSink connector, 1 task, ${compareBin})`,
  flink: "getindata flink-http-connector 0.25.0 on a Flink 1.18.1 MiniCluster (parallelism 1)",
  loop: "Plain Bun consumer + fetch loop (the limit)",
};
const lines = [
  `${PARTITIONS} partitions, records of ${RECORD_BYTES} bytes, endpoint delay ${ENDPOINT_DELAY_MS} ms, gateway sink.requests.max-buffered.bytes ${MAX_BUFFERED_BYTES ?? "default"}; batch mode ${counts.batch} records (${BATCH} per request), single mode ${counts.single} records; ${runs} runs per system; load average at the end ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
  "",
  "| Mode | System | records/s median | min | max | CPU (cores) | records per CPU-second | peak RSS MiB median | max | gateway ÷ system |",
  "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|",
];
for (const mode of modes) {
  const rate = (s: SystemName) =>
    summarize(results.filter((r) => r.system === s && r.mode === mode).map((r) => r.recordsPerSecond));
  const gw = rate("gateway");
  for (const s of order) {
    const r = rate(s);
    const rows = results.filter((m) => m.system === s && m.mode === mode);
    const cores = summarize(rows.map((m) => m.usage.cores)).median;
    const perCpuSecond = summarize(rows.map((m) => (counts[mode] * 1000) / m.usage.cpuMs)).median;
    const rss = summarize(rows.map((m) => m.usage.peakRssMiB));
    lines.push(
      `| ${mode} | ${label[s]} | ${r.median.toFixed(0)} | ${r.min.toFixed(0)} | ${r.max.toFixed(0)} | ${cores.toFixed(2)} | ${perCpuSecond.toFixed(0)} | ${rss.median.toFixed(0)} | ${rss.max.toFixed(0)} | ${(gw.median / r.median).toFixed(2)} |`,
    );
  }
}
console.log(lines.join("\n"));
const file = writeResultsFile(join(repo, "bench", "results"), "http-sink", started, {
  machine: machineInfo(),
  counts,
  batch: BATCH,
  results,
});
console.error(`raw results: ${file}`);
