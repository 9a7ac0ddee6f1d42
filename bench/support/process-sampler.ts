/**
 * Samples one process's CPU and memory while a load runs: CPU as a share of one core over the
 * window (user + system time / wall time), RSS peak and average from /proc every 200 ms.
 */
import { readCpuMs, readProcMemory } from "./proc-stats.ts";

export interface ProcessUsage {
  /** CPU time over wall time: 1.0 is one core fully busy. */
  readonly cpuCores: number;
  readonly rssPeakMiB: number;
  readonly rssAvgMiB: number;
}

export function sampleProcess(pids: readonly number[]): { stop(): ProcessUsage } {
  const cpu = () => pids.reduce((sum, pid) => sum + readCpuMs(pid), 0);
  const rss = () => pids.reduce((sum, pid) => sum + readProcMemory(pid).rssKiB, 0);
  const startCpu = cpu();
  const started = performance.now();
  const samples: number[] = [rss()];
  const timer = setInterval(() => {
    try {
      samples.push(rss());
    } catch {
      // the process ended; the last samples stand
    }
  }, 200);
  return {
    stop: () => {
      clearInterval(timer);
      const wallMs = performance.now() - started;
      const usedMs = cpu() - startCpu;
      return {
        cpuCores: usedMs / wallMs,
        rssPeakMiB: Math.max(...samples) / 1024,
        rssAvgMiB: samples.reduce((a, b) => a + b, 0) / samples.length / 1024,
      };
    },
  };
}
