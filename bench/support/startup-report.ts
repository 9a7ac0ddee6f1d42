/**
 * The startup benchmark's report: what bench/startup.ts writes as JSON, and its markdown rendering
 * (machine line, one table row per metric with median/min/max per system, the on-disk sizes).
 */
import type { DiskSize, JavaInfo, MachineInfo } from "./machine.ts";
import type { RunResult } from "./startup-run.ts";
import { markdownTable, summarize, type TableRow } from "./summary.ts";

export interface StartupReport {
  readonly date: string;
  readonly machine: MachineInfo;
  /** 1/5/15-minute load averages before the first and after the last run: other load on the machine skews times. */
  readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] };
  readonly java: JavaInfo;
  readonly kafkaVersion: string;
  readonly peer: {
    readonly label: string;
    readonly version: string;
    readonly libDir: string;
    readonly jvmOptions: readonly string[];
    readonly workerOverrides: Readonly<Record<string, string>>;
  };
  /** `commits`: every commit id the gateway's GET / reported; more than one means the binary changed mid-benchmark. */
  readonly gateway: { readonly binary: string; readonly commits: readonly string[] };
  readonly settleMs: number;
  readonly inputLines: number;
  readonly disk: { readonly gateway: DiskSize; readonly connectJars: DiskSize; readonly javaRuntime: DiskSize };
  readonly runs: readonly RunResult[];
  readonly rows: readonly TableRow[];
}

export const MiB = (kib: number): number => kib / 1024;

export function tableRows(runs: readonly RunResult[], settleS: string): TableRow[] {
  const counted = runs.filter((r) => !r.warmup);
  const row = (metric: string, unit: string, digits: number, pick: (r: RunResult) => number): TableRow => ({
    metric,
    unit,
    digits,
    gateway: summarize(counted.filter((r) => r.system === "gateway").map(pick)),
    connect: summarize(counted.filter((r) => r.system === "connect").map(pick)),
  });
  return [
    row("Cold start: REST listener answers", "ms", 0, (r) => r.restUpMs),
    row("Cold start: GET /health → 200", "ms", 0, (r) => r.healthyMs),
    row("CPU time used until ready", "ms", 0, (r) => r.cpuMsAtReady),
    row("RSS at ready", "MiB", 1, (r) => MiB(r.ready.rssKiB)),
    row(`RSS idle, ready + ${settleS}`, "MiB", 1, (r) => MiB(r.idle.rssKiB)),
    row("… of which anonymous", "MiB", 1, (r) => MiB(r.idle.anonKiB)),
    row("… of which file-backed", "MiB", 1, (r) => MiB(r.idle.fileKiB)),
    row("Threads, idle", "count", 0, (r) => r.idle.threads),
    row("FileStreamSource: POST → task RUNNING", "ms", 0, (r) => r.connector.taskRunningMs),
    row(`RSS with FileStreamSource running (+ ${settleS})`, "MiB", 1, (r) => MiB(r.connector.memory.rssKiB)),
    row("Peak RSS over the run (VmHWM)", "MiB", 1, (r) => MiB(r.connector.memory.hwmKiB)),
    row("Graceful stop: SIGTERM → exit", "ms", 0, (r) => r.stop.stopMs),
  ];
}

function diskTable(report: StartupReport): string {
  const mib = (d: DiskSize) => `${(d.bytes / 1024 / 1024).toFixed(1)} MiB (${d.files} file${d.files === 1 ? "" : "s"})`;
  const { gateway, connectJars, javaRuntime } = report.disk;
  const total = (connectJars.bytes + javaRuntime.bytes) / 1024 / 1024;
  return [
    `| On disk | Gateway | ${report.peer.label} |`,
    "|---|--:|--:|",
    `| Program | ${mib(gateway)} | jars: ${mib(connectJars)} |`,
    `| Runtime it needs | (built in) | Java runtime: ${mib(javaRuntime)} |`,
    `| Total | ${(gateway.bytes / 1024 / 1024).toFixed(1)} MiB | ${total.toFixed(1)} MiB |`,
  ].join("\n");
}

/** Renders the machine description and the tables as markdown. */
export function renderReport(report: StartupReport): string {
  const m = report.machine;
  const counted = report.runs.filter((r) => !r.warmup).length / 2;
  return [
    `Date: ${report.date}`,
    `Machine: ${m.cores} cores, ${m.cpuModel}, ${m.memTotalMiB} MiB RAM, ${m.os}, Linux ${m.kernel}`,
    `Bun ${m.bun}; Java: ${report.java.version}`,
    `Load average (1/5/15 min) before: ${report.loadAverage.start.map((l) => l.toFixed(2)).join(" ")}; after: ${report.loadAverage.end.map((l) => l.toFixed(2)).join(" ")}`,
    `Connect worker overrides: ${
      Object.entries(report.peer.workerOverrides)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ") || "none"
    }`,
    `JVM options given: ${report.peer.jvmOptions.join(" ") || "none"} (plus -Dlog4j2.configurationFile); flags the JVM reports: ${report.java.flags}`,
    `Gateway ${report.gateway.binary}, commit ${report.gateway.commits.join(", ")}${
      report.gateway.commits.length > 1 ? " (WARNING: the binary changed during the benchmark; rerun)" : ""
    }`,
    `Kafka broker ${report.kafkaVersion}; peer ${report.peer.label}; ${counted} runs per system after ${report.runs.filter((r) => r.warmup).length / 2} warm-up run(s); settle ${report.settleMs} ms; input ${report.inputLines} lines`,
    "",
    markdownTable(report.rows, report.peer.label),
    "",
    diskTable(report),
    "",
    ...mappingLines(report),
  ].join("\n");
}

/** The largest resident mappings at idle in each system's first counted run: what the RSS is made of. */
function mappingLines(report: StartupReport): string[] {
  const lines: string[] = [];
  for (const [system, label] of [
    ["gateway", "Gateway"],
    ["connect", report.peer.label],
  ] as const) {
    const run = report.runs.find((r) => r.system === system && !r.warmup);
    if (!run) continue;
    const top = run.idleMappings
      .slice(0, 4)
      .map((m) => `${m.path} ${(m.rssKiB / 1024).toFixed(1)} MiB`)
      .join(", ");
    lines.push(`Largest resident mappings at idle, ${label} run ${run.run}: ${top}`);
  }
  return lines.length > 0 ? [...lines, ""] : [];
}
