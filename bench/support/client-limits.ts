/**
 * Client limits for bench/throughput.ts, each a one-shot child process whose CPU time and peak RSS
 * come from the kernel's accounting of that one process (GNU time, /usr/bin/time; CPU covers the
 * whole process, JVM start and JIT included, so "cores" overstates a JVM tool's steady state):
 *   - Kafka's ProducerPerformance and ConsumerPerformance (kafka-tools jar of the broker's version);
 *   - bench/port-loop.ts: a bare producer / consumer loop in Bun through the project's Kafka port.
 */
import { join, resolve } from "node:path";
import type { Measurement } from "./throughput-run.ts";

export interface ToolsOptions {
  readonly java: string;
  /** kafka-tools and its dependencies (one SLF4J binding). */
  readonly libDir: string;
  readonly bootstrap: string;
}

interface Finished {
  readonly stdout: string;
  readonly cpuMs: number;
  readonly peakRssKiB: number;
}

const TIME_MARK = "bench-child-usage:";

/**
 * Runs `command` under GNU time, which reports that one process's peak RSS and CPU time (Bun's
 * resourceUsage reports ru_maxrss of all children waited for so far: the largest, not this one's).
 */
async function run(command: string[], env: Record<string, string | undefined> = process.env): Promise<Finished> {
  const proc = Bun.spawn(["/usr/bin/time", "-f", `${TIME_MARK}%M %U %S`, ...command], {
    stdout: "pipe",
    stderr: "pipe",
    env,
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0) throw new Error(`${command.slice(0, 4).join(" ")} … exited ${code}: ${stderr.slice(-2000)}`);
  const usage = stderr.split("\n").find((l) => l.startsWith(TIME_MARK));
  if (!usage) throw new Error(`no resource usage from /usr/bin/time: ${stderr.slice(-500)}`);
  const [maxRssKiB, user, system] = usage.slice(TIME_MARK.length).trim().split(/\s+/).map(Number);
  return { stdout, cpuMs: ((user ?? 0) + (system ?? 0)) * 1000, peakRssKiB: maxRssKiB ?? 0 };
}

function result(records: number, elapsedMs: number, f: Finished, verified: string): Measurement {
  return {
    records,
    elapsedMs,
    recordsPerSecond: (records * 1000) / elapsedMs,
    cpuMs: f.cpuMs,
    cores: f.cpuMs / elapsedMs,
    peakRssKiB: f.peakRssKiB,
    verified,
  };
}

export type ProducerSettings = Readonly<Record<string, string>>;

/** ProducerPerformance: `records` records of `size` bytes, as fast as it can. */
export async function producerPerformance(
  o: ToolsOptions,
  topic: string,
  records: number,
  size: number,
  settings: ProducerSettings,
): Promise<Measurement> {
  const props = Object.entries({ "bootstrap.servers": o.bootstrap, ...settings }).map(([k, v]) => `${k}=${v}`);
  const f = await run([
    o.java,
    "-cp",
    `${o.libDir}/*`,
    "org.apache.kafka.tools.ProducerPerformance",
    "--topic",
    topic,
    "--num-records",
    String(records),
    "--record-size",
    String(size),
    "--throughput",
    "-1",
    "--producer-props",
    ...props,
  ]);
  // Last line: "N records sent, X records/sec (Y MB/sec), …"
  // (the same format as its periodic progress lines: the summary is the last one).
  const match = [...f.stdout.matchAll(/^(\d+) records sent, ([\d.]+) records\/sec/gm)].at(-1);
  if (!match) throw new Error(`ProducerPerformance printed no summary: ${f.stdout.slice(-500)}`);
  const sent = Number(match[1]);
  if (sent !== records) throw new Error(`ProducerPerformance sent ${sent} of ${records}`);
  const rate = Number(match[2]);
  return result(records, (records * 1000) / rate, f, `${sent} records sent (its own count)`);
}

/** ConsumerPerformance: a fresh group reads `records` records of `topic`. */
export async function consumerPerformance(o: ToolsOptions, topic: string, records: number): Promise<Measurement> {
  const f = await run([
    o.java,
    "-cp",
    `${o.libDir}/*`,
    "org.apache.kafka.tools.ConsumerPerformance",
    "--bootstrap-server",
    o.bootstrap,
    "--topic",
    topic,
    "--num-records",
    String(records),
    "--group",
    `bench-perf-${Date.now()}`,
    "--timeout",
    "60000",
  ]);
  // CSV: start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, …
  const lines = f.stdout.trim().split("\n");
  const header = lines.findIndex((l) => l.startsWith("start.time"));
  const row = lines[header + 1]?.split(",").map((s) => s.trim());
  if (header < 0 || !row) throw new Error(`ConsumerPerformance printed no result: ${f.stdout.slice(-500)}`);
  const consumed = Number(row[4]);
  const rate = Number(row[5]);
  if (consumed < records) throw new Error(`ConsumerPerformance read ${consumed} of ${records}`);
  return result(records, (records * 1000) / rate, f, `${consumed} records read (its own count)`);
}

export interface PortLoopOptions {
  readonly bun: string;
  readonly bootstrap: string;
  readonly adapter: string;
}

/** bench/port-loop.ts in `mode` through the adapter `o.adapter`. */
export async function portLoop(
  o: PortLoopOptions,
  mode: "produce" | "consume",
  topic: string,
  records: number,
  extra: Record<string, string> = {},
): Promise<Measurement> {
  const script = join(resolve(import.meta.dir, ".."), "port-loop.ts");
  const f = await run([o.bun, script], {
    ...process.env,
    BENCH_LOOP_MODE: mode,
    BENCH_LOOP_ADAPTER: o.adapter,
    BENCH_LOOP_BOOTSTRAP: o.bootstrap,
    BENCH_LOOP_TOPIC: topic,
    BENCH_LOOP_RECORDS: String(records),
    ...extra,
  });
  const out = JSON.parse(f.stdout.trim().split("\n").at(-1)!) as { records: number; elapsedMs: number };
  return result(records, out.elapsedMs, f, mode === "produce" ? "every send acknowledged" : `${records} records read`);
}
