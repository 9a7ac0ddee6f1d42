/**
 * What a benchmark ran on: cores, memory, CPU model, OS, Bun and Java versions, the JVM's
 * ergonomic flags, and sizes on disk. bench/startup.ts records it next to every result so a
 * number in BENCHMARKS.md can be traced to its machine.
 */
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, readdirSync, readFileSync } from "node:fs";
import { cpus, release } from "node:os";
import { join } from "node:path";

export interface MachineInfo {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memTotalMiB: number;
  readonly os: string;
  readonly kernel: string;
  readonly bun: string;
}

export interface JavaInfo {
  /** `java -version`, its lines joined with " | ". */
  readonly version: string;
  /** java.home, the runtime directory `java` resolved to. */
  readonly home: string;
  /** The flags the JVM ends up with (-XX:+PrintCommandLineFlags): heap sizes, collector, … */
  readonly flags: string;
}

export interface DiskSize {
  readonly bytes: number;
  readonly files: number;
}

function firstMatch(path: string, pattern: RegExp): string | undefined {
  if (!existsSync(path)) return undefined;
  return readFileSync(path, "utf8").match(pattern)?.[1]?.trim();
}

export function machineInfo(): MachineInfo {
  const memKiB = Number(firstMatch("/proc/meminfo", /^MemTotal:\s+(\d+)/m) ?? "0");
  return {
    cores: cpus().length,
    cpuModel: firstMatch("/proc/cpuinfo", /^model name\s*:\s*(.+)$/m) ?? cpus()[0]?.model ?? "unknown",
    memTotalMiB: Math.round(memKiB / 1024),
    os: firstMatch("/etc/os-release", /^PRETTY_NAME="?([^"\n]+)"?$/m) ?? "unknown",
    kernel: release(),
    bun: Bun.version,
  };
}

/** Runs `java` with `jvmOptions` to learn its version, home and effective flags. */
export function javaInfo(java: string, jvmOptions: readonly string[]): JavaInfo {
  const run = (args: string[]) => {
    const out = spawnSync(java, [...jvmOptions, ...args], { encoding: "utf8" });
    if (out.error) throw new Error(`cannot run ${java}: ${out.error.message}`);
    return `${out.stdout ?? ""}${out.stderr ?? ""}`;
  };
  const version = run(["-version"]).trim().split("\n").join(" | ");
  const home =
    run(["-XshowSettings:properties", "-version"])
      .match(/^\s*java\.home = (.+)$/m)?.[1]
      ?.trim() ?? "";
  const flags = (run(["-XX:+PrintCommandLineFlags", "-version"]).split("\n")[0] ?? "")
    .split(" ")
    .filter((f) => f !== "" && f !== "-XX:+PrintCommandLineFlags")
    .join(" ");
  return { version, home, flags };
}

/** Sum of the sizes of the regular files under `path` (or of `path` itself); symlinks are not followed, hidden files skipped. */
export function diskSize(path: string): DiskSize {
  const stat = lstatSync(path);
  if (stat.isFile()) return { bytes: stat.size, files: 1 };
  if (!stat.isDirectory()) return { bytes: 0, files: 0 };
  let bytes = 0;
  let files = 0;
  for (const entry of readdirSync(path)) {
    // Hidden files are markers (the fetch's ".complete"), not part of the installation.
    if (entry.startsWith(".")) continue;
    const sub = diskSize(join(path, entry));
    bytes += sub.bytes;
    files += sub.files;
  }
  return { bytes, files };
}
