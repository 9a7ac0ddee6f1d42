/**
 * Median, minimum and maximum of repeated measurements, and the markdown table bench/startup.ts
 * prints (one row per metric, one column group per system, and the peer-to-gateway ratio).
 */

export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
}

/** Median (mean of the two middle values for an even count), min and max; NaN for no values. */
export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, n };
  const mid = Math.floor(n / 2);
  const median = n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[n - 1]!, n };
}

export interface TableRow {
  readonly metric: string;
  readonly unit: string;
  /** Decimal places shown. */
  readonly digits: number;
  readonly gateway: Summary;
  readonly connect: Summary;
}

function fmt(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "n/a";
}

function ratio(peer: number, ours: number): string {
  if (!Number.isFinite(peer) || !Number.isFinite(ours) || ours === 0) return "n/a";
  const r = peer / ours;
  return r >= 10 ? `${r.toFixed(0)}×` : `${r.toFixed(1)}×`;
}

/** A markdown table: metric, gateway median/min/max, Connect median/min/max, Connect ÷ gateway. */
export function markdownTable(rows: readonly TableRow[], peerLabel: string): string {
  const header = [
    `| Metric | Gateway median | Gateway min | Gateway max | ${peerLabel} median | ${peerLabel} min | ${peerLabel} max | Connect ÷ gateway |`,
    "|---|--:|--:|--:|--:|--:|--:|--:|",
  ];
  const body = rows.map((r) => {
    const g = r.gateway;
    const c = r.connect;
    const d = r.digits;
    return `| ${r.metric} (${r.unit}) | ${fmt(g.median, d)} | ${fmt(g.min, d)} | ${fmt(g.max, d)} | ${fmt(c.median, d)} | ${fmt(c.min, d)} | ${fmt(c.max, d)} | ${ratio(c.median, g.median)} |`;
  });
  return [...header, ...body].join("\n");
}
