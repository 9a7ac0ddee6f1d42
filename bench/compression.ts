/**
 * FileStreamSource → Kafka with each `compression.type` (worker `producer.compression.type`): one
 * gateway per codec on the given broker, an untimed warm-up round, then BENCH_RUNS timed rounds
 * (median). Input: BENCH_RECORDS device readings of about 200 B (JSON text with varying numbers, so
 * codecs have realistic work: not the throughput benchmark's repeated filler). Each round is
 * checked: the fresh topic's end offset is exactly the record count. Prints a markdown table:
 * records/s and the worker's CPU per record.
 *   BENCH_BOOTSTRAP (required), BENCH_GATEWAY_BIN (dist/gateway), BENCH_RECORDS (200000),
 *   BENCH_RUNS (3), BENCH_CODECS ("none gzip snappy lz4 zstd").
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { benchKafka, disconnectAdmins, type Measurement, sourceRun } from "./support/throughput-run.ts";
import { gatewaySystem, killAllWorkers, startWorker } from "./support/worker-process.ts";

const env = process.env;
const bootstrap = env.BENCH_BOOTSTRAP ?? "";
if (!bootstrap) throw new Error("BENCH_BOOTSTRAP is not set");
const binary = resolve(env.BENCH_GATEWAY_BIN ?? join(import.meta.dir, "..", "dist", "gateway"));
const records = Number(env.BENCH_RECORDS ?? 200_000);
const runs = Number(env.BENCH_RUNS ?? 3);
const codecs = (env.BENCH_CODECS ?? "none gzip snappy lz4 zstd").split(/\s+/).filter((c) => c !== "");
const kafka = benchKafka(bootstrap);

function inputFile(dir: string): string {
  let seed = 42;
  const next = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const lines = new Array<string>(records);
  for (let i = 0; i < records; i++) {
    const reading = {
      device: `dev-${String(Math.floor(next() * 500)).padStart(4, "0")}`,
      seq: i,
      ts: 1_764_000_000_000 + i * 7,
      temp: Number((15 + next() * 15).toFixed(2)),
      humidity: Number((30 + next() * 50).toFixed(1)),
      battery: Number((3 + next()).toFixed(3)),
      status: next() < 0.98 ? "ok" : "degraded",
    };
    lines[i] = `${JSON.stringify(reading)} site=plant-${Math.floor(next() * 9)} line=${Math.floor(next() * 40)}\n`;
  }
  const path = join(dir, "input.txt");
  writeFileSync(path, lines.join(""));
  return path;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(dir: string): Promise<void> {
  const input = inputFile(dir);
  const rows: string[] = [];
  for (const codec of codecs) {
    const system = gatewaySystem({ binary, bootstrap, extra: { "producer.compression.type": codec } });
    mkdirSync(join(dir, codec));
    const worker = await startWorker(system, `gateway ${codec}`, join(dir, codec));
    try {
      const ctx = { worker: worker.process, base: worker.base, kafka, records, timeoutMs: 300_000 };
      const topic = (r: number) => `bench-compression-${codec}-${Date.now().toString(36)}-${r}`;
      await sourceRun(ctx, `warmup-${codec}`, input, topic(0));
      const measured: Measurement[] = [];
      for (let r = 1; r <= runs; r++) measured.push(await sourceRun(ctx, `run-${codec}-${r}`, input, topic(r)));
      const rate = median(measured.map((m) => m.recordsPerSecond));
      const cpuUs = median(measured.map((m) => (m.cpuMs * 1000) / m.records));
      rows.push(`| ${codec} | ${Math.round(rate).toLocaleString("en")} | ${cpuUs.toFixed(2)} |`);
    } finally {
      await worker.process.stop();
    }
  }
  await disconnectAdmins();
  console.log(`FileStreamSource → Kafka, ${records} records (~200 B JSON readings), median of ${runs}\n`);
  console.log("| compression.type | records/s | worker CPU µs/record |\n|---|---|---|");
  for (const row of rows) console.log(row);
}

const dir = mkdtempSync(join(tmpdir(), "bench-compression-"));
try {
  await main(dir);
} finally {
  killAllWorkers();
  rmSync(dir, { recursive: true, force: true });
}
