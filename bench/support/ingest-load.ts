/**
 * What the ingest benchmarks send (bench/ingest.ts, bench/ingest-security.ts, bench/ingest-order.ts):
 * device-like JSON records of a given size, scenario (a)'s 500 × 1 KB batch body and scenario (b)'s
 * 200 B single-record body, and the broker warm-up run before the first measurement.
 */
import { runWrk } from "./wrk.ts";

/** A JSON record of `bytes` bytes (once stringified): a device id, a sequence number and padding. */
export function deviceRecord(bytes: number, i: number): Record<string, unknown> {
  const base = { device: `dev-${i % 100}`, seq: i, payload: "" };
  base.payload = "x".repeat(bytes - JSON.stringify(base).length);
  return base;
}

export const batchBody = JSON.stringify(Array.from({ length: 500 }, (_, i) => deviceRecord(1024, i)));
export const singleRecord = deviceRecord(200, 1);
export const singleBody = JSON.stringify(singleRecord);

/**
 * Warms a freshly started broker through a running gateway: for its first tens of seconds under
 * load (its JIT, the topics' first segments) it answers small Produce requests several times slower,
 * which would be charged to whatever is measured first (BENCHMARKS.md, Device ingest, "seventh
 * cut"). A quarter of `seconds` of batches to `batchUrl` (16 connections), then `seconds` of single
 * records to `singleUrl` (64 connections).
 */
export async function warmBroker(o: {
  readonly batchUrl: string;
  readonly singleUrl: string;
  readonly seconds: number;
  readonly threads: number;
}): Promise<void> {
  const common = { contentType: "application/json", threads: o.threads };
  const batchS = Math.max(1, Math.round(o.seconds / 4));
  await runWrk({ ...common, url: o.batchUrl, body: batchBody, connections: 16, durationS: batchS });
  await runWrk({ ...common, url: o.singleUrl, body: singleBody, connections: 64, durationS: o.seconds });
  process.stderr.write(`broker warmed up (${batchS} s of batches, ${o.seconds} s of single records)\n`);
}

/** The connectors an ingest benchmark's gateway serves: (a)'s batch route and (b)'s single-record route. */
export const benchConnectors = {
  batch: { "ingest.path": "/ingest/batch", "kafka.topic": "bench-ingest-batch", "ingest.mode": "batch" },
  single: { "ingest.path": "/ingest/single", "kafka.topic": "bench-ingest-single", "ingest.mode": "single" },
} as const;
