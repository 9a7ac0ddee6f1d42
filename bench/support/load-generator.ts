/**
 * A small HTTP load generator for the ingest benchmarks, used where wrk cannot go (client
 * certificates for mTLS): `concurrency` workers each send the same request over and over on
 * keep-alive connections (Bun's fetch pool opens one connection per request in flight), for a fixed
 * time after a warm-up and never more than `maxRequests`. Loopback only: any other host is refused.
 * Prints one JSON object: requests, non-2xx and failed counts, requests/s, p50/p99/max latency.
 * Run as its own process: `bun load-generator.ts '<LoadSpec as JSON>'`.
 */
import { readFileSync } from "node:fs";

export interface LoadSpec {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly bodyFile: string;
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly maxRequests: number;
  /** PEM files; `ca` verifies the server, `cert` + `key` are the client certificate (mTLS). */
  readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string };
}

export interface LoadResult {
  readonly requests: number;
  readonly non2xx: number;
  readonly failed: number;
  readonly firstError?: string;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

const LOOPBACK = new Set(["127.0.0.1", "[::1]", "localhost"]);

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  if (!LOOPBACK.has(new URL(spec.url).hostname)) throw new Error(`refusing a non-loopback target: ${spec.url}`);
  const body = readFileSync(spec.bodyFile);
  const read = (path?: string) => (path ? readFileSync(path, "utf8") : undefined);
  const tls = spec.tls ? { ca: read(spec.tls.ca), cert: read(spec.tls.cert), key: read(spec.tls.key) } : undefined;
  const latencies = new Float64Array(spec.maxRequests);
  let measured = 0;
  let non2xx = 0;
  let failed = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const measureFrom = start + spec.warmupMs;
  const end = measureFrom + spec.durationMs;
  const worker = async () => {
    for (;;) {
      const sent = performance.now();
      if (sent >= end || measured >= spec.maxRequests) return;
      let ok = false;
      try {
        const response = await fetch(spec.url, { method: "POST", headers: spec.headers, body, tls });
        await response.arrayBuffer();
        ok = response.status >= 200 && response.status < 300;
        if (!ok) firstError ??= `HTTP ${response.status}`;
      } catch (error) {
        firstError ??= error instanceof Error ? error.message : String(error);
        failed++;
      }
      const done = performance.now();
      if (sent >= measureFrom && done <= end && measured < spec.maxRequests) {
        latencies[measured++] = done - sent;
        if (!ok) non2xx++;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, worker));
  const sorted = latencies.subarray(0, measured).sort();
  const seconds = Math.min(spec.durationMs, performance.now() - measureFrom) / 1000;
  return {
    requests: measured,
    non2xx,
    failed,
    firstError,
    seconds,
    requestsPerSecond: measured / seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length > 0 ? sorted[sorted.length - 1]! : Number.NaN,
  };
}

if (import.meta.main) {
  const spec = JSON.parse(process.argv[2] ?? "") as LoadSpec;
  process.stdout.write(`${JSON.stringify(await runLoad(spec))}\n`);
}
