/**
 * Memory and CPU of one live process, read from Linux's /proc: `VmRSS`, `VmHWM`, `RssAnon`,
 * `RssFile` and `Threads` from /proc/<pid>/status, user + system CPU time from /proc/<pid>/stat, and
 * the largest resident file mappings from /proc/<pid>/smaps (what the file-backed part is).
 * Used by bench/startup.ts to sample the gateway and the Apache Connect JVM.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** One sample of /proc/<pid>/status; sizes in KiB as the kernel reports them. */
export interface ProcMemory {
  /** Resident set size now (anonymous + file-backed + shared memory pages). */
  readonly rssKiB: number;
  /** Peak resident set size since the process started ("high water mark"). */
  readonly hwmKiB: number;
  /** Resident anonymous memory: heaps, stacks, JIT code, GC structures. */
  readonly anonKiB: number;
  /** Resident file-backed pages: the mapped executable, shared libraries, jars. */
  readonly fileKiB: number;
  readonly threads: number;
}

function statusField(text: string, field: string): number {
  const match = text.match(new RegExp(`^${field}:\\s+(\\d+)`, "m"));
  if (!match) throw new Error(`/proc status has no ${field} line`);
  return Number(match[1]);
}

/** Reads /proc/<pid>/status; throws when the process is gone. */
export function readProcMemory(pid: number): ProcMemory {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  return {
    rssKiB: statusField(text, "VmRSS"),
    hwmKiB: statusField(text, "VmHWM"),
    anonKiB: statusField(text, "RssAnon"),
    fileKiB: statusField(text, "RssFile"),
    threads: statusField(text, "Threads"),
  };
}

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    const out = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
    const value = Number(out.stdout?.trim());
    ticksPerSecond = Number.isFinite(value) && value > 0 ? value : 100;
  }
  return ticksPerSecond;
}

/** User + system CPU time the process has used so far, in milliseconds (all its threads). */
export function readCpuMs(pid: number): number {
  return cpuMsOf(`/proc/${pid}/stat`);
}

/** CPU time of a process's main thread (its JavaScript thread), without its other threads. */
export function readMainThreadCpuMs(pid: number): number {
  return cpuMsOf(`/proc/${pid}/task/${pid}/stat`);
}

function cpuMsOf(statFile: string): number {
  const text = readFileSync(statFile, "utf8");
  // The command name (field 2) may contain spaces and parentheses: count fields after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // Fields 14 (utime) and 15 (stime) of proc(5), i.e. indexes 11 and 12 after the name.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / clockTicks();
}

export interface ResidentMapping {
  /** The mapped file, or "[anonymous]" for mappings without a path (heaps, stacks, JIT code). */
  readonly path: string;
  readonly rssKiB: number;
}

/** Resident memory per mapped file (all mappings of a file summed), largest first. */
export function readTopMappings(pid: number, limit = 8): ResidentMapping[] {
  const totals = new Map<string, number>();
  let current = "[anonymous]";
  for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const header = line.match(/^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+(?:\s+(.*))?$/);
    if (header) {
      current = header[1]?.trim() || "[anonymous]";
      continue;
    }
    const rss = line.match(/^Rss:\s+(\d+) kB/);
    if (rss) totals.set(current, (totals.get(current) ?? 0) + Number(rss[1]));
  }
  return [...totals.entries()]
    .map(([path, rssKiB]) => ({ path, rssKiB }))
    .sort((a, b) => b.rssKiB - a.rssKiB)
    .slice(0, limit);
}
