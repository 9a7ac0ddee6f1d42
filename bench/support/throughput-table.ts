/** The throughput benchmark's rows and their markdown tables (bench/throughput.ts). */
import { summarize } from "./summary.ts";
import type { Measurement } from "./throughput-run.ts";

export interface Row {
  readonly scenario: string;
  readonly system: string;
  readonly round: number;
  readonly warmup: boolean;
  readonly m: Measurement;
}

export const fmt = (n: number, d = 0) =>
  Number.isFinite(n) ? n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d }) : "n/a";

/** One markdown table per scenario: median records/s (min–max), CPU cores, peak RSS, ratio to the reference. */
export function render(rows: readonly Row[], reference: string): string {
  const out: string[] = [];
  const scenarios = [...new Set(rows.map((r) => r.scenario))];
  for (const scenario of scenarios) {
    const timed = rows.filter((r) => r.scenario === scenario && !r.warmup);
    const systems = [...new Set(timed.map((r) => r.system))];
    const ref = summarize(timed.filter((r) => r.system === reference).map((r) => r.m.recordsPerSecond)).median;
    out.push(`#### ${scenario}`, "");
    out.push(
      "| System | records/s median | min | max | n | CPU cores (median) | records per CPU-second (median) | peak RSS MiB (median) | vs " +
        reference +
        " |",
    );
    out.push("|---|--:|--:|--:|--:|--:|--:|--:|--:|");
    for (const system of systems) {
      const ms = timed.filter((r) => r.system === system).map((r) => r.m);
      const rate = summarize(ms.map((m) => m.recordsPerSecond));
      const cores = summarize(ms.map((m) => m.cores)).median;
      const perCpuSecond = summarize(ms.map((m) => (m.cpuMs > 0 ? (m.records * 1000) / m.cpuMs : Number.NaN))).median;
      const rss = summarize(ms.map((m) => m.peakRssKiB / 1024)).median;
      const ratio = Number.isFinite(ref) && ref > 0 ? `${(rate.median / ref).toFixed(2)}×` : "";
      out.push(
        `| ${system} | ${fmt(rate.median)} | ${fmt(rate.min)} | ${fmt(rate.max)} | ${rate.n} | ${fmt(cores, 2)} | ${fmt(perCpuSecond)} | ${fmt(rss, 1)} | ${ratio} |`,
      );
    }
    out.push("");
  }
  return out.join("\n");
}
