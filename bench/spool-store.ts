/**
 * The spool's own cost, without HTTP or Kafka: CPU per record of the SQLite worker thread (user and
 * kernel time apart) and of the main thread, while 16 appenders each append 500 × 1 KB records
 * per call to one partition (what benchmark (a) of bench/ingest-security.ts posts) and a drainer
 * reads them back and deletes each at once (as if Kafka acknowledged it on the spot).
 *
 *   node_modules/.bin/bun bench/spool-store.ts
 *
 * Environment: BENCH_DURATION_S (measured seconds, default 10), BENCH_WARMUP_S (default 3),
 * BENCH_SPOOL_DIR (where the spool file goes, default a temp dir removed at the end).
 * Thread CPU comes from /proc/self/task/<tid>/stat (utime, stime); the worker thread is the one
 * named "Worker" (the only one this process starts).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SpoolStore } from "../src/store/spool-store.ts";

const env = process.env;
const durationS = Number(env.BENCH_DURATION_S ?? 10);
const warmupS = Number(env.BENCH_WARMUP_S ?? 3);
const CONNECTIONS = 16;
const RECORDS = 500;
const RECORD_BYTES = 1024;
const TICK_MS = 10; // CLK_TCK 100

interface ThreadCpu {
  readonly userMs: number;
  readonly sysMs: number;
}

function threadCpu(name: string): ThreadCpu {
  let userMs = 0;
  let sysMs = 0;
  for (const tid of readdirSync("/proc/self/task")) {
    const comm = readFileSync(`/proc/self/task/${tid}/comm`, "utf8").trim();
    if (comm !== name) continue;
    const text = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    userMs += Number(fields[11]) * TICK_MS;
    sysMs += Number(fields[12]) * TICK_MS;
  }
  return { userMs, sysMs };
}

const dir = env.BENCH_SPOOL_DIR ?? mkdtempSync(join(tmpdir(), "spool-bench-"));
const store = await SpoolStore.open(dir);
const partition = "bench";
const template = new Uint8Array(RECORDS * RECORD_BYTES);
for (let i = 0; i < template.length; i++) template[i] = 32 + ((i * 7919) % 90);
const lengths = new Uint32Array(RECORDS).fill(RECORD_BYTES);

let appended = 0;
let drained = 0;
let stopping = false;

async function appender(): Promise<void> {
  while (!stopping) {
    await store.append(partition, { data: template.slice(), lengths });
    appended += RECORDS;
  }
}

async function drainer(): Promise<void> {
  let cursor = 0;
  while (!stopping) {
    const rows = await store.read(partition, cursor, 10_000);
    if (rows.length === 0) {
      await new Promise((r) => setTimeout(r, 1));
      continue;
    }
    for (const row of rows) store.delete(partition, row.seq, row.bytes);
    cursor = rows.at(-1)!.seq;
    drained += rows.length;
  }
}

const running = [...Array.from({ length: CONNECTIONS }, appender), drainer()];
await new Promise((r) => setTimeout(r, warmupS * 1000));
const [a0, d0, w0, m0, t0] = [appended, drained, threadCpu("Worker"), threadCpu("bun"), performance.now()];
await new Promise((r) => setTimeout(r, durationS * 1000));
const [a1, d1, w1, m1, t1] = [appended, drained, threadCpu("Worker"), threadCpu("bun"), performance.now()];
const rssPeakKiB = Number(/^VmHWM:\s+(\d+)/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1]);
stopping = true;
await Promise.all(running);
await store.close();
if (!env.BENCH_SPOOL_DIR) rmSync(dir, { recursive: true, force: true });

const records = a1 - a0;
const us = (ms: number) => ((ms * 1000) / records).toFixed(2);
console.log(
  JSON.stringify({
    seconds: ((t1 - t0) / 1000).toFixed(1),
    appendedPerS: Math.round((records * 1000) / (t1 - t0)),
    drainedPerS: Math.round(((d1 - d0) * 1000) / (t1 - t0)),
    workerUserUsPerRecord: us(w1.userMs - w0.userMs),
    workerSysUsPerRecord: us(w1.sysMs - w0.sysMs),
    workerUsPerRecord: us(w1.userMs - w0.userMs + w1.sysMs - w0.sysMs),
    mainUsPerRecord: us(m1.userMs - m0.userMs + m1.sysMs - m0.sysMs),
    rssPeakMiB: Math.round(rssPeakKiB / 1024),
  }),
);
