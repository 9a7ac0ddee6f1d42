/**
 * A gateway binary started for an ingest benchmark (`startBenchGateway`; not test/support's
 * startIngestGateway, which runs the gateway under test on the suite's broker): its own temp dir,
 * free REST and ingest ports on loopback, the given HttpIngestSource connectors created, and ready
 * once `probePath` answers a POST of `{}` with 200 (the route has a running task). Used by
 * bench/ingest.ts, bench/ingest-single-ab.ts, bench/ingest-order.ts and bench/ingest-rss-ab.ts (which
 * starts it with no connectors and adds one later with `addIngestConnectors`).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, pollUntil } from "./http-probe.ts";

export interface IngestConnectors {
  /** Connector name → its config (connector.class is added). */
  readonly connectors: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** An ingest path to POST `probeBody` (default `{}`) to until it answers 200. */
  readonly probePath: string;
  readonly probeBody?: string;
}

export interface BenchGatewayOptions extends IngestConnectors {
  readonly bin: string;
  readonly bootstrap: string;
  /** Starts the process (the caller decides where its output goes and how it is stopped). */
  readonly spawn: (cmd: string[], cwd: string) => ReturnType<typeof Bun.spawn>;
}

export interface BenchGateway {
  readonly dir: string;
  readonly proc: ReturnType<typeof Bun.spawn>;
  /** e.g. http://127.0.0.1:PORT (no trailing slash). */
  readonly ingestUrl: string;
  readonly restUrl: string;
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  await pollUntil(async () => ((await check().catch(() => false)) ? true : undefined), {
    timeoutMs: 30_000,
    intervalMs: 200,
    what,
  });
}

/** Starts the gateway and its connectors; the caller stops `proc` and removes `dir`. */
export async function startBenchGateway(o: BenchGatewayOptions): Promise<BenchGateway> {
  const gw = await startBareGateway(o);
  await addIngestConnectors(gw, o);
  return gw;
}

/** Starts the gateway with no connectors, ready once /health answers. */
export async function startBareGateway(
  o: Pick<BenchGatewayOptions, "bin" | "bootstrap" | "spawn">,
): Promise<BenchGateway> {
  const dir = mkdtempSync(join(tmpdir(), "bench-ingest-gw-"));
  const [restPort, ingestPort] = [await freePort(), await freePort()];
  writeFileSync(
    join(dir, "worker.properties"),
    [
      `bootstrap.servers=${o.bootstrap}`,
      `listeners=http://127.0.0.1:${restPort}`,
      `ingest.listeners=http://127.0.0.1:${ingestPort}`,
      `data.dir=${join(dir, "data")}`,
      "log.level=WARN",
    ].join("\n"),
  );
  const proc = o.spawn([o.bin, "worker.properties"], dir);
  const restUrl = `http://127.0.0.1:${restPort}`;
  await until("gateway health", async () => (await fetch(`${restUrl}/health`)).ok);
  return { dir, proc, ingestUrl: `http://127.0.0.1:${ingestPort}`, restUrl };
}

/** Creates HttpIngestSource connectors on a running gateway; resolves once `probePath` answers 200. */
export async function addIngestConnectors(gw: BenchGateway, o: IngestConnectors): Promise<void> {
  for (const [name, config] of Object.entries(o.connectors)) {
    const r = await fetch(`${gw.restUrl}/connectors`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name, config: { "connector.class": "HttpIngestSource", ...config } }),
    });
    if (r.status !== 201) throw new Error(`creating ${name}: ${r.status} ${await r.text()}`);
  }
  await until("ingest route", async () => {
    const r = await fetch(`${gw.ingestUrl}${o.probePath}`, {
      method: "POST",
      body: o.probeBody ?? "{}",
      headers: { "Content-Type": "application/json" },
    });
    return r.status === 200;
  });
}
