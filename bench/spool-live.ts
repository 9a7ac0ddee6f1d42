/**
 * The spool's drain while devices keep posting: one broker of its own, the compiled gateway, one
 * `ingest.ack.mode=spool` route. Each round: the broker stopped, a backlog of BENCH_BACKLOG 1 KB
 * records spooled (500-record batches), the broker restarted, then
 *   - limit: the backlog drained with no other load (records/s until the drainer delivered it);
 *   - live:  the same, while a steady live load runs from the broker's restart on: BENCH_LIVE_RATE
 *            single-record POSTs of 1 KB a second over BENCH_LIVE_CONNECTIONS connections (open
 *            loop: each request has its slot in a fixed schedule and its latency is measured from
 *            that slot, so a stalled gateway is charged for the requests it delayed), kept
 *            BENCH_AFTER_S seconds past the drain for the live load's latency alone.
 * The backlog is delivered once the drainer delivered as many records as it held (the drain is in
 * spool order: the backlog first, then the live records appended meanwhile). CPU and RSS of the
 * gateway process over each drain.
 *
 *   flock /work/bench.lock node_modules/.bin/bun bench/spool-live.ts   # after scripts/build
 *
 * BENCH_BACKLOG (300000), BENCH_LIVE_RATE (2000), BENCH_LIVE_CONNECTIONS (16), BENCH_AFTER_S (10),
 * BENCH_ROUNDS (2: limit, live, limit, live), BENCH_POLL_MAX_RECORDS (the route's
 * ingest.poll.max.records; default its default), BENCH_GATEWAY_BIN. Prints markdown; raw JSON goes to
 * bench/results/.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startOwnBroker } from "../test/support/own-broker.ts";
import { batchBody, deviceRecord } from "./support/ingest-load.ts";
import { machineInfo } from "./support/machine.ts";
import { type ProcessUsage, sampleProcess } from "./support/process-sampler.ts";
import { writeResultsFile } from "./support/results-file.ts";

const env = process.env;
const REPO = resolve(import.meta.dir, "..");
const gatewayBin = env.BENCH_GATEWAY_BIN ?? join(REPO, "dist", "gateway");
const backlog = Number(env.BENCH_BACKLOG ?? "300000");
const liveRate = Number(env.BENCH_LIVE_RATE ?? "2000");
const liveConnections = Number(env.BENCH_LIVE_CONNECTIONS ?? "16");
const afterS = Number(env.BENCH_AFTER_S ?? "10");
const rounds = Number(env.BENCH_ROUNDS ?? "2");
const stamp = new Date().toISOString();
const liveBody = JSON.stringify(deviceRecord(1024, 1));

interface Latency {
  readonly requests: number;
  /** Requests answered 200 a second over the window. */
  readonly perS: number;
  readonly failed: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

interface Row {
  readonly round: number;
  readonly system: "limit" | "live";
  readonly backlog: number;
  readonly drainS: number;
  /** From the broker's restart to the first record delivered (the producer reconnecting). */
  readonly firstS: number;
  readonly drainedPerS: number;
  readonly usage: ProcessUsage;
  readonly liveDuringDrain?: Latency;
  readonly liveAfterDrain?: Latency;
}
const rows: Row[] = [];
let baseline: Latency | undefined;

function latency(samples: number[], failed: number, seconds: number): Latency {
  samples.sort((a, b) => a - b);
  const at = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))] ?? Number.NaN;
  return {
    requests: samples.length,
    perS: samples.length / seconds,
    failed,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: samples.at(-1) ?? Number.NaN,
  };
}

async function metric(restUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${restUrl}/metrics`)).text();
  const m = new RegExp(`${name}\\{connector="live"\\} ([\\d.e+]+)`).exec(text);
  return m ? Number(m[1]) : 0;
}

async function until(probe: () => Promise<boolean>, what: string, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

const post = (url: string, body: string) =>
  fetch(url, { method: "POST", body, headers: { "Content-Type": "application/json" } });

/** Spools `records` (500-record batches over 8 connections) while the broker is away. */
async function fill(url: string, records: number): Promise<void> {
  let sent = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (sent < records) {
        sent += 500;
        const r = await post(url, batchBody);
        await r.arrayBuffer();
        if (r.status !== 200) throw new Error(`filling the spool: ${r.status}`);
      }
    }),
  );
}

/** The live load: `rate` requests/s over `connections` loops, each request at its slot of a fixed schedule. */
function liveLoad(url: string, rate: number, connections: number) {
  const intervalMs = (connections * 1000) / rate;
  let stopped = false;
  let window: number[] = [];
  let failed = 0;
  let windowStart = performance.now();
  const loops = Array.from({ length: connections }, async (_, c) => {
    let slot = performance.now() + (c * intervalMs) / connections;
    while (!stopped) {
      const wait = slot - performance.now();
      if (wait > 0) await Bun.sleep(wait);
      try {
        const r = await post(url, liveBody);
        await r.arrayBuffer();
        if (r.status === 200) window.push(performance.now() - slot);
        else failed++;
      } catch {
        failed++;
      }
      slot += intervalMs;
    }
  });
  return {
    /** The latencies since the last cut, and a new window from now. */
    cut(): Latency {
      const now = performance.now();
      const out = latency(window, failed, (now - windowStart) / 1000);
      window = [];
      failed = 0;
      windowStart = now;
      return out;
    },
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

const dir = mkdtempSync(join(tmpdir(), "bench-spool-live-"));
const broker = await startOwnBroker(join(dir, "kafka"));
let gateway: ReturnType<typeof Bun.spawn> | undefined;
try {
  const admin = broker.client().admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: "bench-live", numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
  writeFileSync(
    join(dir, "worker.properties"),
    [
      `bootstrap.servers=${broker.bootstrap}`,
      "listeners=http://127.0.0.1:0",
      `data.dir=${join(dir, "data")}`,
      "ingest.listeners=http://127.0.0.1:0",
      "request.timeout.ms=3000",
    ].join("\n"),
  );
  let output = "";
  gateway = Bun.spawn([gatewayBin, join(dir, "worker.properties")], { cwd: dir, stdout: "pipe", stderr: "pipe" });
  for (const stream of [gateway.stdout, gateway.stderr] as ReadableStream<Uint8Array>[])
    void (async () => {
      for await (const c of stream) output += new TextDecoder().decode(c);
    })();
  // Both lines: they may come on different streams, one read after the other.
  await until(
    async () => /Ingest listener open at http/.test(output) && /REST server listening at http/.test(output),
    "the gateway",
    60_000,
  );
  const restUrl = /REST server listening at (http:\/\/[^\s,]+?)\/?,/.exec(output)![1]!;
  const url = `${/Ingest listener open at (http:\/\/[^\s]+?)\/?\s/.exec(output)![1]!}/ingest/live`;
  const created = await fetch(`${restUrl}/connectors`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      name: "live",
      config: {
        "connector.class": "HttpIngestSource",
        "ingest.path": "/ingest/live",
        "kafka.topic": "bench-live",
        "ingest.ack.mode": "spool",
        ...(env.BENCH_POLL_MAX_RECORDS ? { "ingest.poll.max.records": env.BENCH_POLL_MAX_RECORDS } : {}),
      },
    }),
  });
  if (created.status !== 201) throw new Error(`creating the connector: ${created.status}`);
  await until(async () => (await post(url, "{}")).status === 200, "the route");
  // Warm-up: the broker and the gateway's JIT, a backlog drained with live load once, not measured.
  await fill(url, 50_000);
  await until(async () => (await metric(restUrl, "ingest_spool_records")) === 0, "the warm-up drained");

  // The live load alone (nothing to drain): its latency without a backlog.
  const alone = liveLoad(url, liveRate, liveConnections);
  await Bun.sleep(afterS * 1000);
  const liveAlone = alone.cut();
  await alone.stop();
  process.stderr.write(`live load alone: ${JSON.stringify(liveAlone)}\n`);
  baseline = liveAlone;

  for (let round = 1; round <= rounds; round++) {
    for (const system of ["limit", "live"] as const) {
      await broker.stop();
      await fill(url, backlog);
      const held = await metric(restUrl, "ingest_spool_records");
      const drainedBefore = await metric(restUrl, "ingest_spool_drained_total");
      await broker.restart();
      const t0 = performance.now();
      const load = system === "live" ? liveLoad(url, liveRate, liveConnections) : undefined;
      const sampler = sampleProcess([gateway.pid]);
      await until(async () => (await metric(restUrl, "ingest_spool_drained_total")) > drainedBefore, "a delivery");
      const firstS = (performance.now() - t0) / 1000;
      await until(
        async () => (await metric(restUrl, "ingest_spool_drained_total")) - drainedBefore >= held,
        "the backlog delivered",
      );
      const usage = sampler.stop();
      const drainS = (performance.now() - t0) / 1000;
      const liveDuringDrain = load?.cut();
      if (load) await Bun.sleep(afterS * 1000);
      const liveAfterDrain = load?.cut();
      await load?.stop();
      await until(async () => (await metric(restUrl, "ingest_spool_records")) === 0, "the spool empty");
      rows.push({
        round,
        system,
        backlog: held,
        drainS,
        firstS,
        drainedPerS: held / (drainS - firstS),
        usage,
        ...(liveDuringDrain ? { liveDuringDrain, liveAfterDrain } : {}),
      });
      process.stderr.write(`${JSON.stringify(rows.at(-1))}\n`);
    }
  }
} finally {
  gateway?.kill("SIGTERM");
  await gateway?.exited;
  await broker[Symbol.asyncDispose]();
  rmSync(dir, { recursive: true, force: true });
}

const fmt = (n: number | undefined, digits = 0) =>
  n !== undefined && Number.isFinite(n) ? n.toLocaleString("en-US", { maximumFractionDigits: digits }) : "–";
const lat = (l?: Latency) =>
  l ? `${fmt(l.perS)}/s, ${fmt(l.p50Ms, 1)} / ${fmt(l.p99Ms, 1)} / ${fmt(l.maxMs, 1)}` : "–";
const lines = [
  `Live load alone (no backlog): ${lat(baseline)} (answered/s, p50 / p99 / max ms)`,
  "",
  "| round | drain | backlog | first delivery s | drain s | records/s | vs limit | live answered/s, p50 / p99 / max ms during drain | same, after | live failed | CPU cores | RSS peak MiB |",
  "|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
];
for (const r of rows) {
  const limit = rows.find((l) => l.round === r.round && l.system === "limit")!;
  lines.push(
    `| ${r.round} | ${r.system === "limit" ? "no live load (limit)" : `live ${liveRate}/s × 1 KB, ${liveConnections} conns`} | ${fmt(r.backlog)} | ${r.firstS.toFixed(1)} | ${(r.drainS - r.firstS).toFixed(1)} | ${fmt(r.drainedPerS)} | ${(r.drainedPerS / limit.drainedPerS).toFixed(2)}× | ${lat(r.liveDuringDrain)} | ${lat(r.liveAfterDrain)} | ${r.liveDuringDrain ? r.liveDuringDrain.failed + r.liveAfterDrain!.failed : "–"} | ${r.usage.cpuCores.toFixed(2)} | ${fmt(r.usage.rssPeakMiB)} |`,
  );
}
console.log(lines.join("\n"));
const file = writeResultsFile(resolve(import.meta.dir, "results"), "spool-live", stamp, {
  machine: machineInfo(),
  backlog,
  liveRate,
  liveConnections,
  afterS,
  baseline,
  rows,
});
console.error(`raw results: ${file}`);
