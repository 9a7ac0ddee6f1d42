/**
 * CPU and memory of the processes under test while a benchmark's load runs: samples
 * /proc/<pid>/stat (user + system CPU time, all threads) and /proc/<pid>/status (VmRSS) every
 * `intervalMs`, and on `stop()` reports the cores kept busy over the window (CPU time ÷ wall time;
 * 1.0 = one core) and the peak and last RSS seen. A process that exits mid-window keeps its last
 * sample. Several pids are summed (a system made of more than one process).
 */
import { readCpuMs, readProcMemory } from "./proc-stats.ts";

export interface Usage {
  /** CPU time of the processes over the window divided by the window's wall time. */
  readonly cores: number;
  readonly cpuMs: number;
  readonly wallMs: number;
  readonly peakRssMiB: number;
  readonly samples: number;
}

export interface UsageSampler {
  stop(): Usage;
}

function tryRead<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined; // the process is gone
  }
}

export function sampleUsage(pids: readonly number[], intervalMs = 250): UsageSampler {
  const startWall = performance.now();
  const startCpu = pids.map((pid) => tryRead(() => readCpuMs(pid)) ?? 0);
  const lastCpu = [...startCpu];
  let peakRssKiB = 0;
  let samples = 0;
  const sample = () => {
    let rss = 0;
    pids.forEach((pid, i) => {
      const cpu = tryRead(() => readCpuMs(pid));
      if (cpu !== undefined) lastCpu[i] = cpu;
      rss += tryRead(() => readProcMemory(pid).rssKiB) ?? 0;
    });
    peakRssKiB = Math.max(peakRssKiB, rss);
    samples++;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      const wallMs = performance.now() - startWall;
      const cpuMs = lastCpu.reduce((sum, c, i) => sum + c - (startCpu[i] ?? 0), 0);
      return { cores: wallMs > 0 ? cpuMs / wallMs : 0, cpuMs, wallMs, peakRssMiB: peakRssKiB / 1024, samples };
    },
  };
}
