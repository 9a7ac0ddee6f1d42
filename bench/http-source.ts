/**
 * HTTP source throughput: records per second from a local paginated JSON API (100 records per
 * page, ~1 KB each) into Kafka, for three systems in one run on the same broker and API:
 *   - the gateway binary with its HTTP source connector (CURSOR pagination over `after`);
 *   - castorm kafka-connect-http 0.8.11 (built from its source by scripts/bench) on Apache Kafka
 *     Connect standalone (`after=${offset.key}`, no pause between requests, offsets flushed every
 *     BENCH_CASTORM_FLUSH_MS, default 10 ms: castorm's next request depends on the last commit);
 *   - a plain Bun fetch-and-produce loop (bench/support/fetch-produce-loop.ts): the limit.
 * Per run: a fresh topic (1 partition); the worker is started and ready before the clock starts;
 * the clock runs from the API's first request to the moment the topic's high watermark reaches the
 * record count. Runs rotate the order of the systems. `scripts/bench http-source` runs it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { freePort, pollUntil, requestJson } from "./support/http-probe.ts";
import { machineInfo } from "./support/machine.ts";
import { startPagedApi } from "./support/paged-api.ts";
import { writeResultsFile } from "./support/results-file.ts";
import { summarize } from "./support/summary.ts";
import { sampleUsage, type Usage } from "./support/usage-sampler.ts";
import { connectSystem, gatewaySystem, killAllWorkers, WorkerProcess } from "./support/worker-process.ts";

const env = process.env;
const need = (name: string) =>
  env[name] ??
  (() => {
    throw new Error(`${name} is not set (scripts/bench sets it)`);
  })();
const repo = resolve(import.meta.dir, "..");
const bootstrap = need("BENCH_BOOTSTRAP");
const total = Number(env.BENCH_HTTP_RECORDS ?? "50000");
const runs = Number(env.BENCH_RUNS ?? "3");
const gatewayBin = resolve(env.BENCH_GATEWAY_BIN ?? join(repo, "dist", "gateway"));
/** A second gateway binary measured as system "gateway-b" (BENCH_HTTP_SYSTEMS=gateway,gateway-b: a regression check). */
const compareBin = env.BENCH_GATEWAY_COMPARE_BIN ? resolve(env.BENCH_GATEWAY_COMPARE_BIN) : undefined;
/** The systems measured, in this order on the first run (default gateway,castorm,loop). */
const order = (env.BENCH_HTTP_SYSTEMS ?? "gateway,castorm,loop").split(",") as SystemName[];
const castorm = order.includes("castorm");
const connectLib = castorm ? resolve(need("BENCH_CONNECT_LIB")) : "";
const connectVersion = castorm ? need("BENCH_CONNECT_VERSION") : "";
const castormPluginPath = castorm ? resolve(need("BENCH_CASTORM_PLUGIN_PATH")) : "";
if (order.includes("gateway-b") && !compareBin) throw new Error("gateway-b needs BENCH_GATEWAY_COMPARE_BIN");
const PAGE = 100;
const castormFlushMs = env.BENCH_CASTORM_FLUSH_MS ?? "10";

type SystemName = "gateway" | "gateway-b" | "castorm" | "loop";
interface Measurement {
  readonly system: SystemName;
  readonly run: number;
  readonly seconds: number;
  readonly recordsPerSecond: number;
  readonly requests: number;
  /** CPU and peak RSS of the system's process from the API's first request to the last record acked. */
  readonly usage: Usage;
}

// kafkajs may reject a stray metadata request after a topic is deleted; that must not end the run.
process.on("unhandledRejection", (error) => console.error("ignored unhandled rejection:", (error as Error)?.message));
process.on("uncaughtException", (error) => console.error("ignored uncaught exception:", error?.message));
const kafka = new Kafka({ clientId: "bench-http-source", brokers: bootstrap.split(","), logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
using api = startPagedApi(total, PAGE);

async function highWatermark(topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high), 0);
}

async function measure(system: SystemName, run: number): Promise<Measurement> {
  const topic = `bench-http-${system}-${run}-${Date.now()}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  // Metadata reaches every part of the client a little later; start once the topic is readable.
  await pollUntil(async () => ((await highWatermark(topic)) === 0 ? true : undefined), {
    timeoutMs: 30_000,
    intervalMs: 50,
    what: `topic ${topic}`,
  });
  const dir = mkdtempSync(join(tmpdir(), `bench-http-${system}-`));
  let worker: WorkerProcess | undefined;
  let loop: ReturnType<typeof Bun.spawn> | undefined;
  try {
    api.reset();
    if (system === "loop") {
      loop = Bun.spawn(
        [process.execPath, join(import.meta.dir, "support", "fetch-produce-loop.ts"), api.base, bootstrap, topic],
        {
          stdout: "inherit",
          stderr: "inherit",
        },
      );
    } else {
      const port = await freePort();
      const prepared =
        system === "gateway" || system === "gateway-b"
          ? gatewaySystem({ binary: system === "gateway" ? gatewayBin : compareBin!, bootstrap }).prepare(dir, port)
          : connectSystem({
              java: env.BENCH_JAVA ?? "java",
              libDir: connectLib,
              version: connectVersion,
              bootstrap,
              jvmOptions: [],
              // castorm moves its offset (the `after` of its next request) only when Connect commits
              // offsets; until then it asks for the same page again. Its best case is a short flush.
              workerOverrides: { "plugin.path": castormPluginPath, "offset.flush.interval.ms": castormFlushMs },
            }).prepare(dir, port);
      const w = new WorkerProcess(prepared, dir);
      worker = w;
      const rest = `http://127.0.0.1:${port}`;
      await pollUntil(
        async () => ((await requestJson("GET", `${rest}/connectors`)).status === 200 ? true : undefined),
        {
          timeoutMs: 120_000,
          intervalMs: 100,
          what: `${system} REST`,
          abortIf: () => w.exitedMessage(),
        },
      );
      const created = await requestJson(
        "POST",
        `${rest}/connectors`,
        { name: "bench-http", config: connectorConfig(system, topic) },
        60_000,
      );
      if (created.status !== 201)
        throw new Error(
          `${system}: creating the connector answered ${created.status}: ${JSON.stringify(created.body)}\n${w.logTail()}`,
        );
    }
    await pollUntil(async () => (api.firstRequestAt() !== undefined ? true : undefined), {
      timeoutMs: 120_000,
      intervalMs: 5,
      what: `${system}'s first request`,
      abortIf: () => worker?.exitedMessage(),
    });
    const sampler = sampleUsage([worker?.pid ?? loop!.pid]);
    await pollUntil(async () => ((await highWatermark(topic)) >= total ? true : undefined), {
      timeoutMs: 600_000,
      intervalMs: 20,
      what: `${total} records in ${topic}`,
      abortIf: () => worker?.exitedMessage() ?? (loop?.exitCode ? `the loop exited ${loop.exitCode}` : undefined),
    });
    const end = performance.now();
    const usage = sampler.stop();
    const seconds = (end - api.firstRequestAt()!) / 1000;
    return { system, run, seconds, recordsPerSecond: total / seconds, requests: api.requests(), usage };
  } finally {
    await worker?.stop();
    if (loop) await loop.exited;
    rmSync(dir, { recursive: true, force: true });
    topicsToDelete.push(topic);
  }
}

function connectorConfig(system: SystemName, topic: string): Record<string, string> {
  if (system === "gateway" || system === "gateway-b")
    return {
      "connector.class": "io.confluent.connect.http.HttpSourceConnector",
      "tasks.max": "1",
      "kafka.topic": topic,
      "http.url": `${api.base}/items?limit=${PAGE}`,
      "http.timer.interval.ms": "3600000",
      "http.response.records.path": "$.items[*]",
      "http.pagination.type": "CURSOR",
      "http.pagination.cursor.param": "after",
      "http.pagination.cursor.path": "$.next_after",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
    };
  return {
    "connector.class": "com.github.castorm.kafka.connect.http.HttpSourceConnector",
    "tasks.max": "1",
    "kafka.topic": topic,
    "http.request.url": `${api.base}/items`,
    "http.request.params": `after=\${offset.key}&limit=${PAGE}`,
    "http.request.template.factory":
      "com.github.castorm.kafka.connect.http.request.template.freemarker.FreeMarkerTemplateFactory",
    "http.offset.initial": "key=-1",
    "http.response.list.pointer": "/items",
    "http.response.record.offset.pointer": "key=/id, timestamp=/ts",
    "http.response.record.mapper": "com.github.castorm.kafka.connect.http.record.StringKvSourceRecordMapper",
    // No pause between requests, caught up or not (its defaults: 60 s and 30 s).
    "http.timer.interval.millis": "1",
    "http.timer.catchup.interval.millis": "1",
    "key.converter": "org.apache.kafka.connect.storage.StringConverter",
    "value.converter": "org.apache.kafka.connect.storage.StringConverter",
  };
}

const results: Measurement[] = [];
/** Topics are deleted at the end: deleting between runs disturbed the next run's metadata. */
const topicsToDelete: string[] = [];
const started = new Date().toISOString();
try {
  for (let run = 0; run < runs; run++) {
    for (let i = 0; i < order.length; i++) {
      const system = order[(i + run) % order.length]!;
      let m: Measurement;
      try {
        m = await measure(system, run);
      } catch (error) {
        console.error(`run ${run} ${system} failed (${(error as Error).message}); trying once more`);
        m = await measure(system, run);
      }
      results.push(m);
      console.error(
        `run ${run} ${system}: ${m.recordsPerSecond.toFixed(0)} records/s (${m.seconds.toFixed(2)} s, ${m.requests} requests, ${m.usage.cores.toFixed(2)} cores, ${((total * 1000) / m.usage.cpuMs).toFixed(0)} records per CPU-second, ${m.usage.peakRssMiB.toFixed(0)} MiB)`,
      );
    }
  }
} finally {
  killAllWorkers();
  await admin.deleteTopics({ topics: topicsToDelete }).catch(() => undefined);
  await admin.disconnect();
}

const label: Record<SystemName, string> = {
  gateway: "Gateway (HttpSource connector)",
  "gateway-b": `Gateway B (HttpSource connector, ${compareBin})`,
  castorm: `castorm kafka-connect-http 0.8.11 on Apache Connect ${connectVersion}`,
  loop: "Plain Bun fetch-and-produce loop",
};
const rate = (s: SystemName) => summarize(results.filter((r) => r.system === s).map((r) => r.recordsPerSecond));
const gw = rate("gateway");
const lines = [
  `${total} records of ~1 KB, ${PAGE} per page, ${runs} runs per system; load average at the end ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
  "",
  "| System | records/s median | min | max | CPU (cores) | records per CPU-second | peak RSS (MiB) | gateway ÷ system |",
  "|---|--:|--:|--:|--:|--:|--:|--:|",
  ...order.map((s) => {
    const r = rate(s);
    const rows = results.filter((m) => m.system === s);
    const cores = summarize(rows.map((m) => m.usage.cores)).median;
    const rss = summarize(rows.map((m) => m.usage.peakRssMiB)).median;
    const perCpuSecond = summarize(rows.map((m) => (total * 1000) / m.usage.cpuMs)).median;
    return `| ${label[s]} | ${r.median.toFixed(0)} | ${r.min.toFixed(0)} | ${r.max.toFixed(0)} | ${cores.toFixed(2)} | ${perCpuSecond.toFixed(0)} | ${rss.toFixed(0)} | ${(gw.median / r.median).toFixed(2)} |`;
  }),
];
console.log(lines.join("\n"));
const file = writeResultsFile(join(repo, "bench", "results"), "http-source", started, {
  machine: machineInfo(),
  total,
  page: PAGE,
  results,
});
console.error(`raw results: ${file}`);
