/**
 * Device ingest security and spool costs (issue 12, point 8), one run, one broker of its own,
 * the compiled gateway:
 *   (a) ingest.ack.mode=spool vs kafka: 500-record JSON batches of 1 KB records over 16
 *       connections (wrk), records/s and p50/p99 (target: spool ≥ 0.5× kafka);
 *   (b) single-record POSTs (200 B) over 16 connections on plain HTTP (Bun.serve), HTTPS and
 *       HTTPS with a client certificate (the node:tls front end), from one Bun load client used
 *       for all three (wrk cannot present client certificates), so the ratios show the TLS cost;
 *   (c) drain rate after an outage: the broker stopped, the spool filled, the broker restarted,
 *       records/s until the spool is empty, against Kafka's ProducerPerformance (acks=all, 1 KB)
 *       on the same broker as the producer limit.
 * Run: `flock /work/bench.lock node_modules/.bin/bun bench/ingest-security.ts` (scripts/build
 * first). BENCH_DURATION_S (15), BENCH_WARMUP_S (5), BENCH_BROKER_WARMUP_S (30: the fresh broker
 * warmed with single records and batches before the first measurement; 0: none), BENCH_TOOLS_LIB (kafka-tools jars; default
 * the scripts/bench cache), BENCH_GATEWAY_BIN (another binary), BENCH_ONLY (scenarios to run, e.g.
 * `a` or `a,c`; default all), BENCH_A_SYSTEM (`kafka` or `spool`: only that system in (a), e.g. for a
 * CPU profile of one mode). Prints markdown; raw JSON goes to bench/results/.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { makeDevicePki } from "../test/support/device-pki.ts";
import { startOwnBroker } from "../test/support/own-broker.ts";
import { batchBody, singleBody, warmBroker } from "./support/ingest-load.ts";
import { machineInfo } from "./support/machine.ts";
import { type ProcessUsage, sampleProcess } from "./support/process-sampler.ts";
import { runProducerPerformance } from "./support/producer-performance-run.ts";
import { writeResultsFile } from "./support/results-file.ts";
import { runWrk } from "./support/wrk.ts";

const env = process.env;
const REPO = resolve(import.meta.dir, "..");
const gatewayBin = env.BENCH_GATEWAY_BIN ?? join(REPO, "dist", "gateway");
const durationS = Number(env.BENCH_DURATION_S ?? "15");
const warmupS = Number(env.BENCH_WARMUP_S ?? "5");
/** Seconds of single-record load before anything is measured (0: none); a quarter as much of batches. */
const brokerWarmupS = Number(env.BENCH_BROKER_WARMUP_S ?? "30");
const toolsLib = env.BENCH_TOOLS_LIB ?? join(homedir(), ".cache", "edge-gateway", "kafka-tools-4.4.0", "lib");
const only = new Set((env.BENCH_ONLY ?? "a,b,c").split(",").map((s) => s.trim()));
const stamp = new Date().toISOString().replace(/[:.]/g, "-");

interface Row {
  readonly scenario: string;
  readonly system: string;
  readonly recordsPerS: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly failed: number;
  readonly usage: ProcessUsage | null;
}
const rows: Row[] = [];

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** N keep-alive loops POSTing one body with Bun's fetch for `seconds`; latencies in ms. */
async function bunLoad(url: string, body: string, connections: number, seconds: number, tls?: Record<string, string>) {
  const latencies: number[] = [];
  let failed = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          const r = await fetch(url, {
            method: "POST",
            body,
            headers: { "Content-Type": "application/json" },
            ...(tls ? { tls } : {}),
          } as RequestInit);
          await r.arrayBuffer();
          if (r.status === 200) latencies.push(performance.now() - t0);
          else failed++;
        } catch {
          failed++;
        }
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { ok: latencies.length, failed, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function metric(restUrl: string, name: string, connector: string): Promise<number | undefined> {
  const text = await (await fetch(`${restUrl}/metrics`)).text();
  const m = new RegExp(`${name}\\{connector="${connector}"\\} ([\\d.e+]+)`).exec(text);
  return m ? Number(m[1]) : undefined;
}

async function until(probe: () => Promise<boolean>, what: string, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

const dir = mkdtempSync(join(tmpdir(), "bench-ingest-security-"));
const broker = await startOwnBroker(join(dir, "kafka"));
let gateway: ReturnType<typeof Bun.spawn> | undefined;
try {
  const pki = await makeDevicePki(dir);
  const device = await pki.issue("bench-device", "bench-device");
  await Bun.write(
    join(dir, "server-store.pem"),
    (await Bun.file(pki.serverKey).text()) + (await Bun.file(pki.serverCert).text()),
  );
  const admin = broker.client().admin();
  await admin.connect();
  await admin.createTopics({
    topics: ["bench-kafka", "bench-spool", "bench-single", "bench-drain", "bench-pp"].map((topic) => ({
      topic,
      numPartitions: 3,
      replicationFactor: 1,
    })),
    waitForLeaders: true,
  });
  await admin.disconnect();

  writeFileSync(
    join(dir, "worker.properties"),
    [
      `bootstrap.servers=${broker.bootstrap}`,
      "listeners=http://127.0.0.1:0",
      `data.dir=${join(dir, "data")}`,
      "ingest.listeners=http://127.0.0.1:0,https://127.0.0.1:0",
      `ingest.listeners.https.ssl.keystore.location=${join(dir, "server-store.pem")}`,
      `ingest.listeners.https.ssl.truststore.location=${pki.caCert}`,
      "ingest.listeners.https.ssl.client.auth=requested",
      "request.timeout.ms=3000",
    ].join("\n"),
  );
  let output = "";
  gateway = Bun.spawn([gatewayBin, join(dir, "worker.properties")], { cwd: dir, stdout: "pipe", stderr: "pipe" });
  void (async () => {
    for await (const c of gateway!.stdout as ReadableStream<Uint8Array>) output += new TextDecoder().decode(c);
  })();
  void (async () => {
    for await (const c of gateway!.stderr as ReadableStream<Uint8Array>) output += new TextDecoder().decode(c);
  })();
  await until(
    async () => /REST server listening at/.test(output) && /Ingest listener open at https/.test(output),
    "the gateway",
    60_000,
  ).catch((error) => {
    throw new Error(`${(error as Error).message}\n${output}`);
  });
  const restUrl = /REST server listening at (http:\/\/[^\s,]+?)\/?,/.exec(output)![1]!;
  const httpUrl = /Ingest listener open at (http:\/\/[^\s]+?)\/?\s/.exec(output)![1]!;
  const httpsUrl = /Ingest listener open at (https:\/\/[^\s]+?)\/?\s/.exec(output)![1]!;
  const connector = async (name: string, config: Record<string, string>) => {
    const r = await fetch(`${restUrl}/connectors`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name, config: { "connector.class": "HttpIngestSource", ...config } }),
    });
    if (r.status !== 201) throw new Error(`creating ${name}: ${r.status} ${await r.text()}`);
  };
  await connector("kafka-mode", { "ingest.path": "/ingest/kafka", "kafka.topic": "bench-kafka" });
  await connector("spool-mode", {
    "ingest.path": "/ingest/spool",
    "kafka.topic": "bench-spool",
    "ingest.ack.mode": "spool",
  });
  await connector("single", { "ingest.path": "/ingest/single", "kafka.topic": "bench-single" });
  for (const path of ["/ingest/kafka", "/ingest/spool", "/ingest/single"]) {
    await until(
      async () =>
        (
          await fetch(`${httpUrl}${path}`, {
            method: "POST",
            body: "{}",
            headers: { "Content-Type": "application/json" },
          })
        ).status === 200,
      path,
    );
  }

  // The broker is fresh: for its first tens of seconds of load it answers Produce requests several
  // times slower (BENCHMARKS.md, Device ingest, "seventh cut"), which would be charged to whatever
  // is measured first (kafka mode in (a), plain HTTP in (b)). Both kinds of load warm it first.
  if (brokerWarmupS > 0) {
    await warmBroker({
      batchUrl: `${httpUrl}/ingest/kafka`,
      singleUrl: `${httpUrl}/ingest/single`,
      seconds: brokerWarmupS,
      threads: 2,
    });
  }

  // (a) spool vs kafka acknowledgement.
  for (const [system, path] of only.has("a")
    ? ([
        ["ingest.ack.mode=kafka", "/ingest/kafka"],
        ["ingest.ack.mode=spool", "/ingest/spool"],
      ] as const)
    : []) {
    if (env.BENCH_A_SYSTEM && !system.endsWith(`=${env.BENCH_A_SYSTEM}`)) continue;
    const o = {
      url: `${httpUrl}${path}`,
      body: batchBody,
      contentType: "application/json",
      connections: 16,
      threads: 2,
    };
    await runWrk({ ...o, durationS: warmupS });
    const spool = path === "/ingest/spool";
    const drainedBefore = spool ? ((await metric(restUrl, "ingest_spool_drained_total", "spool-mode")) ?? 0) : 0;
    const sampler = sampleProcess([gateway.pid]);
    const r = await runWrk({ ...o, durationS });
    const usage = sampler.stop();
    const drainedAfter = spool ? ((await metric(restUrl, "ingest_spool_drained_total", "spool-mode")) ?? 0) : 0;
    rows.push({
      scenario: "(a) 500 × 1 KB batches, 16 connections",
      system,
      recordsPerS: ((r.requests - r.failed) * 500) / r.durationS,
      p50Ms: r.p50Ms,
      p99Ms: r.p99Ms,
      failed: r.failed,
      usage,
    });
    process.stderr.write(`(a) ${system}: ${Math.round(rows.at(-1)!.recordsPerS)} records/s\n`);
    if (!spool) continue;
    // What the drainer sent to Kafka (and deleted) in the same window: over a long run, spool
    // mode can acknowledge no faster than this once the spool reached ingest.spool.max.bytes.
    rows.push({
      scenario: "(a) 500 × 1 KB batches, 16 connections",
      system: "ingest.ack.mode=spool, delivered to Kafka meanwhile",
      recordsPerS: (drainedAfter - drainedBefore) / r.durationS,
      p50Ms: Number.NaN,
      p99Ms: Number.NaN,
      failed: 0,
      usage: null,
    });
    const depth = (await metric(restUrl, "ingest_spool_records", "spool-mode")) ?? 0;
    const t0 = performance.now();
    await until(
      async () => (await metric(restUrl, "ingest_spool_records", "spool-mode")) === 0,
      "the spool to drain after (a)",
    );
    const s = (performance.now() - t0) / 1000;
    process.stderr.write(
      `(a) delivered meanwhile: ${Math.round(rows.at(-1)!.recordsPerS)} records/s; then ${depth} records left, drained in ${s.toFixed(1)} s (${Math.round(depth / s)} records/s without load)\n`,
    );
  }

  // (b) plain vs HTTPS vs mTLS, single records.
  const ca = await Bun.file(pki.caCert).text();
  const clientTls = { ca, cert: await Bun.file(device.cert).text(), key: await Bun.file(device.key).text() };
  for (const [system, url, tls] of only.has("b")
    ? ([
        ["plain HTTP (Bun.serve)", `${httpUrl}/ingest/single`, undefined],
        ["HTTPS (node:tls front end)", `${httpsUrl}/ingest/single`, { ca }],
        ["HTTPS + client certificate (mTLS)", `${httpsUrl}/ingest/single`, clientTls],
      ] as const)
    : []) {
    await bunLoad(url, singleBody, 16, warmupS, tls);
    const sampler = sampleProcess([gateway.pid]);
    const r = await bunLoad(url, singleBody, 16, durationS, tls);
    const usage = sampler.stop();
    rows.push({
      scenario: "(b) single 200 B records, 16 connections",
      system,
      recordsPerS: r.ok / durationS,
      p50Ms: r.p50,
      p99Ms: r.p99,
      failed: r.failed,
      usage,
    });
    process.stderr.write(`(b) ${system}: ${Math.round(r.ok / durationS)} requests/s\n`);
  }

  // (c) drain after an outage, against ProducerPerformance.
  if (only.has("c")) {
    await connector("drain", {
      "ingest.path": "/ingest/drain",
      "kafka.topic": "bench-drain",
      "ingest.ack.mode": "spool",
    });
    await until(
      async () =>
        (
          await fetch(`${httpUrl}/ingest/drain`, {
            method: "POST",
            body: "{}",
            headers: { "Content-Type": "application/json" },
          })
        ).status === 200,
      "/ingest/drain",
    );
    await until(async () => (await metric(restUrl, "ingest_spool_records", "drain")) === 0, "the drain spool empty");
    await broker.stop();
    await runWrk({
      url: `${httpUrl}/ingest/drain`,
      body: batchBody,
      contentType: "application/json",
      connections: 16,
      threads: 2,
      durationS: Math.max(5, Math.round(durationS / 2)),
    });
    const spooled = (await metric(restUrl, "ingest_spool_records", "drain")) ?? 0;
    await broker.restart();
    const t0 = performance.now();
    const sampler = sampleProcess([gateway.pid]);
    await until(
      async () => (await metric(restUrl, "ingest_spool_records", "drain")) === 0,
      "the spool to drain after the outage",
      600_000,
    );
    const usage = sampler.stop();
    const drainS = (performance.now() - t0) / 1000;
    rows.push({
      scenario: `(c) drain of ${spooled} spooled 1 KB records after an outage`,
      system: "gateway drainer",
      recordsPerS: spooled / drainS,
      p50Ms: Number.NaN,
      p99Ms: Number.NaN,
      failed: 0,
      usage,
    });
    process.stderr.write(`(c) drained ${spooled} in ${drainS.toFixed(1)} s\n`);

    if (existsSync(toolsLib)) {
      const records = Number(env.BENCH_PP_RECORDS ?? String(Math.max(100_000, spooled)));
      const pp = await runProducerPerformance({
        toolsLib,
        bootstrap: broker.bootstrap,
        topic: "bench-pp",
        records,
      });
      rows.push({
        scenario: rows.at(-1)!.scenario,
        system: "ProducerPerformance (acks=all, 1 KB)",
        recordsPerS: pp.recordsPerS,
        p50Ms: pp.p50Ms,
        p99Ms: pp.p99Ms,
        failed: 0,
        usage: pp.usage,
      });
    }
  }
} finally {
  gateway?.kill("SIGTERM");
  await gateway?.exited;
  await broker[Symbol.asyncDispose]();
  rmSync(dir, { recursive: true, force: true });
}

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString("en-US", { maximumFractionDigits: digits }) : "–";
const lines = [
  "| Scenario | System | records/s | ratio | p50 ms | p99 ms | failed | CPU cores | RSS peak MiB |",
  "|---|---|---:|---:|---:|---:|---:|---:|---:|",
];
const firstOf = new Map<string, number>();
for (const r of rows) {
  const base = firstOf.get(r.scenario.slice(0, 3)) ?? r.recordsPerS;
  firstOf.set(r.scenario.slice(0, 3), base);
  lines.push(
    `| ${r.scenario} | ${r.system} | ${fmt(r.recordsPerS)} | ${(r.recordsPerS / base).toFixed(2)}× | ${fmt(r.p50Ms, 1)} | ${fmt(r.p99Ms, 1)} | ${r.failed} | ${r.usage ? r.usage.cpuCores.toFixed(2) : "–"} | ${r.usage ? fmt(r.usage.rssPeakMiB) : "–"} |`,
  );
}
console.log(lines.join("\n"));
const file = writeResultsFile(resolve(import.meta.dir, "results"), "ingest-security", stamp, {
  machine: machineInfo(),
  durationS,
  warmupS,
  rows,
});
console.error(`raw results: ${file}`);
