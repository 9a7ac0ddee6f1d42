/**
 * Device ingest, part two (issue 12, point 8), one gateway, one broker, one run:
 *   - spool vs kafka acknowledgement: 500-record JSON batches of ~1 KB records over 16 connections
 *     to two HttpIngestSource routes that differ only in ingest.ack.mode (target: spool ≥ 0.5x kafka);
 *   - the cost of TLS: single-record POSTs (~200 B) over 64 connections on the plain http ingest
 *     listener, on the https one without a client certificate, and with one (mTLS, the device
 *     identity taken from its CN), same route;
 *   - drain: after the spool scenario, how fast the spool backlog reaches Kafka.
 * Load comes from bench/support/load-generator.ts (its own Bun process: wrk has no client
 * certificates); TLS material is made with openssl per run. CPU (cores busy) and peak RSS of the
 * gateway are sampled during each load. `scripts/bench ingest-security` runs it; prints markdown,
 * raw JSON to bench/results/ingest-security-<timestamp>.json.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { makeTls } from "../test/support/tls.ts";
import { freePort, pollUntil, requestJson } from "./support/http-probe.ts";
import type { LoadResult, LoadSpec } from "./support/load-generator.ts";
import { machineInfo } from "./support/machine.ts";
import { writeResultsFile } from "./support/results-file.ts";
import { summarize } from "./support/summary.ts";
import { sampleUsage, type Usage } from "./support/usage-sampler.ts";
import { gatewaySystem, killAllWorkers, WorkerProcess } from "./support/worker-process.ts";

const env = process.env;
const need = (name: string): string => {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set (scripts/bench ingest-security sets it)`);
  return value;
};
const repo = resolve(import.meta.dir, "..");
const bootstrap = need("BENCH_BOOTSTRAP");
const gatewayBin = resolve(env.BENCH_GATEWAY_BIN ?? join(repo, "dist", "gateway"));
const runs = Number(env.BENCH_RUNS ?? "3");
const durationMs = Number(env.BENCH_DURATION_S ?? "10") * 1000;
const warmupMs = Number(env.BENCH_WARMUP_S ?? "2") * 1000;
const BATCH = 500;

type ScenarioName = "batch-kafka" | "batch-spool" | "single-http" | "single-https" | "single-mtls";
interface Scenario {
  readonly name: ScenarioName;
  readonly label: string;
  readonly recordsPerRequest: number;
  readonly concurrency: number;
}
const scenarios: readonly Scenario[] = [
  {
    name: "batch-kafka",
    label: "batch 500 × 1 KB, ingest.ack.mode=kafka, http",
    recordsPerRequest: BATCH,
    concurrency: 16,
  },
  {
    name: "batch-spool",
    label: "batch 500 × 1 KB, ingest.ack.mode=spool, http",
    recordsPerRequest: BATCH,
    concurrency: 16,
  },
  { name: "single-http", label: "single 200 B, http", recordsPerRequest: 1, concurrency: 64 },
  {
    name: "single-https",
    label: "single 200 B, https (TLS, no client certificate)",
    recordsPerRequest: 1,
    concurrency: 64,
  },
  {
    name: "single-mtls",
    label: "single 200 B, https + client certificate (mTLS)",
    recordsPerRequest: 1,
    concurrency: 64,
  },
];

interface Measurement {
  readonly scenario: ScenarioName;
  readonly run: number;
  readonly load: LoadResult;
  readonly recordsPerSecond: number;
  readonly usage: Usage;
}

const work = mkdtempSync(join(tmpdir(), "bench-ingest-security-"));
const children = new Set<ReturnType<typeof Bun.spawn>>();
const cleanUp = () => {
  for (const c of children) c.kill("SIGKILL");
  killAllWorkers();
  rmSync(work, { recursive: true, force: true });
};
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, () => {
    cleanUp();
    process.exit(signal === "SIGINT" ? 130 : 143);
  });

function recordJson(id: number, bytes: number): string {
  const head = JSON.stringify({ id, ts: Date.UTC(2020, 0, 1) + id, device: `device-${id % 97}` });
  return `${head.slice(0, -1)},"payload":"${"x".repeat(bytes - head.length - 14)}"}`;
}

async function run(): Promise<void> {
  const tls = await makeTls(work);
  const batchBody = join(work, "batch.json");
  writeFileSync(batchBody, `[${Array.from({ length: BATCH }, (_, i) => recordJson(i, 1024)).join(",")}]`);
  const singleBody = join(work, "single.json");
  writeFileSync(singleBody, recordJson(1, 200));

  const kafka = new Kafka({
    clientId: "bench-ingest-security",
    brokers: bootstrap.split(","),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const stamp = Date.now();
  const topics = { kafka: `bench-ingest-kafka-${stamp}`, spool: `bench-ingest-spool-${stamp}` };
  await admin.createTopics({
    topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 4, replicationFactor: 1 })),
    waitForLeaders: true,
  });

  const [adminPort, httpPort, httpsPort] = [await freePort(), await freePort(), await freePort()];
  const prepared = gatewaySystem({ binary: gatewayBin, bootstrap }).prepare(work, adminPort);
  // gatewaySystem writes the common worker settings; the ingest listeners are appended.
  const props = join(work, "worker.properties");
  writeFileSync(
    props,
    `${await Bun.file(props).text()}${[
      `ingest.listeners=http://127.0.0.1:${httpPort},https://127.0.0.1:${httpsPort}`,
      `ingest.listeners.https.ssl.keystore.location=${tls.serverPem}`,
      `ingest.listeners.https.ssl.truststore.location=${tls.caCert}`,
      "ingest.listeners.https.ssl.client.auth=requested",
    ].join("\n")}\n`,
  );
  const gateway = new WorkerProcess(prepared, work);
  const rest = `http://127.0.0.1:${adminPort}`;
  await pollUntil(async () => ((await requestJson("GET", `${rest}/connectors`)).status === 200 ? true : undefined), {
    timeoutMs: 60_000,
    intervalMs: 50,
    what: "gateway REST",
    abortIf: () => gateway.exitedMessage(),
  });
  for (const [mode, topic] of Object.entries(topics)) {
    const created = await requestJson(
      "POST",
      `${rest}/connectors`,
      {
        name: `bench-ingest-${mode}`,
        config: {
          "connector.class": "HttpIngestSource",
          "ingest.path": `/ingest/${mode}`,
          "kafka.topic": topic,
          "ingest.ack.mode": mode,
          "ingest.max.concurrent.requests": "4096",
        },
      },
      30_000,
    );
    if (created.status !== 201)
      throw new Error(`creating the ${mode} connector: ${created.status} ${JSON.stringify(created.body)}`);
  }
  const urlOf = (s: ScenarioName) =>
    s === "batch-spool"
      ? `http://127.0.0.1:${httpPort}/ingest/spool`
      : s === "single-https" || s === "single-mtls"
        ? `https://127.0.0.1:${httpsPort}/ingest/kafka`
        : `http://127.0.0.1:${httpPort}/ingest/kafka`;
  await pollUntil(
    async () =>
      (
        await fetch(urlOf("single-http"), {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: "{}",
        })
      ).status === 200
        ? true
        : undefined,
    {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: "the ingest route to answer 200",
      abortIf: () => gateway.exitedMessage(),
    },
  );

  const spoolDepth = async (): Promise<number> => {
    const text = await (await fetch(`${rest}/metrics`)).text();
    const line = text.split("\n").find((l) => l.startsWith("ingest_spool_records"));
    return line ? Number(line.split(" ").at(-1)) : 0;
  };

  const results: Measurement[] = [];
  const drains: { run: number; records: number; seconds: number; recordsPerSecond: number }[] = [];
  for (let r = 0; r < runs; r++) {
    for (let i = 0; i < scenarios.length; i++) {
      const scenario = scenarios[(i + r) % scenarios.length]!;
      const spec: LoadSpec = {
        url: urlOf(scenario.name),
        headers: { "content-type": "application/json" },
        bodyFile: scenario.recordsPerRequest === 1 ? singleBody : batchBody,
        concurrency: scenario.concurrency,
        warmupMs,
        durationMs,
        maxRequests: 2_000_000,
        tls:
          scenario.name === "single-mtls"
            ? { ca: tls.caCert, cert: tls.clientCert, key: tls.clientKey }
            : scenario.name === "single-https"
              ? { ca: tls.caCert }
              : undefined,
      };
      const generator = Bun.spawn(
        [process.execPath, join(import.meta.dir, "support", "load-generator.ts"), JSON.stringify(spec)],
        {
          stdout: "pipe",
          stderr: "inherit",
        },
      );
      children.add(generator);
      await Bun.sleep(warmupMs);
      const sampler = sampleUsage([gateway.pid]);
      const output = await new Response(generator.stdout).text();
      const usage = sampler.stop();
      children.delete(generator);
      if ((await generator.exited) !== 0) throw new Error(`the load generator failed for ${scenario.name}`);
      const load = JSON.parse(output) as LoadResult;
      if (load.requests === 0)
        throw new Error(
          `${scenario.name}: no request completed in the window (${output.trim()})\n${gateway.logTail()}`,
        );
      if (load.non2xx > 0 || load.failed > 0)
        process.stderr.write(
          `warning: ${scenario.name}: ${load.non2xx} non-2xx, ${load.failed} failed (${load.firstError})\n`,
        );
      const m: Measurement = {
        scenario: scenario.name,
        run: r,
        load,
        recordsPerSecond: ((load.requests - load.non2xx) * scenario.recordsPerRequest) / load.seconds,
        usage,
      };
      results.push(m);
      process.stderr.write(
        `run ${r} ${scenario.name}: ${m.recordsPerSecond.toFixed(0)} records/s, ${load.requestsPerSecond.toFixed(0)} req/s, p50 ${load.p50Ms.toFixed(1)} ms, p99 ${load.p99Ms.toFixed(1)} ms, ${usage.cores.toFixed(2)} cores, ${usage.peakRssMiB.toFixed(0)} MiB\n`,
      );
      if (scenario.name === "batch-spool") {
        // The backlog the spool accepted ahead of Kafka drains now, with no load: time it.
        const backlog = await spoolDepth();
        const start = performance.now();
        await pollUntil(async () => ((await spoolDepth()) === 0 ? true : undefined), {
          timeoutMs: 600_000,
          intervalMs: 50,
          what: "the spool to drain",
          abortIf: () => gateway.exitedMessage(),
        });
        const seconds = (performance.now() - start) / 1000;
        drains.push({ run: r, records: backlog, seconds, recordsPerSecond: backlog / seconds });
        process.stderr.write(`run ${r} spool drain: ${backlog} records in ${seconds.toFixed(2)} s\n`);
      }
    }
  }
  await gateway.stop();
  await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
  await admin.disconnect();
  report(results, drains);
}

function report(
  results: Measurement[],
  drains: { run: number; records: number; seconds: number; recordsPerSecond: number }[],
): void {
  const m = machineInfo();
  const median = (s: ScenarioName, pick: (r: Measurement) => number) =>
    summarize(results.filter((r) => r.scenario === s).map(pick)).median;
  const rate = (s: ScenarioName) => median(s, (r) => r.recordsPerSecond);
  const lines = [
    `Date: ${started}; machine: ${m.cores} cores, ${m.cpuModel}, ${m.memTotalMiB} MiB; Bun ${m.bun}; load average after ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
    `${runs} runs, ${durationMs / 1000} s per measurement after ${warmupMs / 1000} s warm-up; medians`,
    "",
    "| Scenario | connections | records/s | requests/s | p50 (ms) | p99 (ms) | gateway CPU (cores) | gateway peak RSS (MiB) | ratio |",
    "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ...scenarios.map((s) => {
      const ratio =
        s.name === "batch-spool"
          ? `${(rate("batch-spool") / rate("batch-kafka")).toFixed(2)}x kafka mode`
          : s.name === "single-https" || s.name === "single-mtls"
            ? `${(rate(s.name) / rate("single-http")).toFixed(2)}x http`
            : "";
      return `| ${s.label} | ${s.concurrency} | ${rate(s.name).toFixed(0)} | ${median(s.name, (r) => r.load.requestsPerSecond).toFixed(0)} | ${median(s.name, (r) => r.load.p50Ms).toFixed(1)} | ${median(s.name, (r) => r.load.p99Ms).toFixed(1)} | ${median(s.name, (r) => r.usage.cores).toFixed(2)} | ${median(s.name, (r) => r.usage.peakRssMiB).toFixed(0)} | ${ratio} |`;
    }),
    "",
    `Spool drain after each spool-mode load (no load meanwhile): ${drains
      .map((d) => `${d.records} records in ${d.seconds.toFixed(2)} s = ${d.recordsPerSecond.toFixed(0)} records/s`)
      .join("; ")}`,
  ];
  console.log(lines.join("\n"));
  const file = writeResultsFile(join(repo, "bench", "results"), "ingest-security", started, {
    machine: m,
    runs,
    durationMs,
    warmupMs,
    results,
    drains,
  });
  process.stderr.write(`raw results: ${file}\n`);
}

const started = new Date().toISOString();
try {
  await run();
} catch (error) {
  process.stderr.write(`bench/ingest-security.ts: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  cleanUp();
}
