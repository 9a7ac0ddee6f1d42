/**
 * Kafka's ProducerPerformance (acks=all, 1 KB records, as fast as it can) as the ingest benchmarks
 * run it beside the gateway: its rate and latency percentiles from its summary line, its CPU and
 * RSS sampled while it runs (bench/throughput.ts uses client-limits.ts, timed by GNU time, instead).
 */
import { type ProcessUsage, sampleProcess } from "./process-sampler.ts";

export interface ProducerPerformanceResult {
  readonly recordsPerS: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly usage: ProcessUsage;
}

export async function runProducerPerformance(o: {
  readonly toolsLib: string;
  readonly bootstrap: string;
  readonly topic: string;
  readonly records: number;
  /** Told the child process, so the caller can kill it when the benchmark is interrupted. */
  readonly onSpawn?: (proc: ReturnType<typeof Bun.spawn>) => void;
}): Promise<ProducerPerformanceResult> {
  const proc = Bun.spawn(
    [
      "java",
      "-cp",
      `${o.toolsLib}/*`,
      "org.apache.kafka.tools.ProducerPerformance",
      "--topic",
      o.topic,
      "--num-records",
      String(o.records),
      "--record-size",
      "1024",
      "--throughput",
      "-1",
      "--producer-props",
      `bootstrap.servers=${o.bootstrap}`,
      "acks=all",
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  o.onSpawn?.(proc);
  const sampler = sampleProcess([proc.pid]);
  const out = await new Response(proc.stdout).text();
  const usage = sampler.stop();
  await proc.exited;
  const m = out.match(/(\d+) records sent, ([\d.]+) records\/sec .*?(\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th/);
  if (!m) throw new Error(`ProducerPerformance printed no summary:\n${out}`);
  return { recordsPerS: Number(m[2]), p50Ms: Number(m[3]), p99Ms: Number(m[5]), usage };
}
