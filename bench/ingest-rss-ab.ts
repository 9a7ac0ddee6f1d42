/**
 * Resident memory of two gateway builds, alternating (A, B, A, B, …), at three points of one run:
 * idle after start (no connectors), with one idle single-record HttpIngestSource connector, and the
 * peak (VmHWM) after a FIXED load: BENCH_REQUESTS (200,000) 200 B JSON POSTs over 64 keep-alive
 * connections (wrk, each thread stopping after its share), so both builds do the same work whatever
 * CPU the shared machine gives them. Each point is read as RSS with its anonymous and file-backed
 * parts (/proc/<pid>/status) once the process has been quiet for BENCH_SETTLE_MS (3000).
 *
 *   flock /work/bench.lock env BENCH_BOOTSTRAP=host:port node_modules/.bin/bun bench/ingest-rss-ab.ts \
 *     <label-a>=<gateway-binary-a> <label-b>=<gateway-binary-b>
 *
 * BENCH_ROUNDS (4), BENCH_REQUESTS (200000). BENCH_ENV_<label> (a JSON object) adds environment
 * variables for one build's process (e.g. `{"BUN_JSC_useJIT":"0"}`), so one binary can be compared
 * with itself under two settings. Each round starts a fresh gateway (its own data dir, a new topic).
 * Prints one markdown row per measurement and the medians.
 */
import { rmSync } from "node:fs";
import { alternatingRounds } from "./support/alternating-rounds.ts";
import { addIngestConnectors, startBareGateway } from "./support/bench-gateway.ts";
import { labelledArgs } from "./support/labelled-args.ts";
import { type ProcMemory, readProcMemory } from "./support/proc-stats.ts";
import { summarize } from "./support/summary.ts";
import { runWrk } from "./support/wrk.ts";

const env = process.env;
const bootstrap = env.BENCH_BOOTSTRAP ?? "";
if (!bootstrap) throw new Error("BENCH_BOOTSTRAP is not set");
const builds = labelledArgs(process.argv.slice(2), "gateway binary").map(({ label, value }) => ({ label, bin: value }));
if (builds.length < 1) throw new Error("builds to compare: <label>=<binary> …");
const rounds = Number(env.BENCH_ROUNDS ?? "4");
const requests = Number(env.BENCH_REQUESTS ?? "200000");
const settleMs = Number(env.BENCH_SETTLE_MS ?? "3000");
const body = JSON.stringify({ device: "dev-1", seq: 1, payload: "x".repeat(160) });

interface Measurement {
  readonly label: string;
  readonly idle: ProcMemory;
  readonly connector: ProcMemory;
  /** After the load: `hwmKiB` is the peak over the process's life, the rest what stays. */
  readonly loaded: ProcMemory;
  readonly answered: number;
  readonly seconds: number;
}

// A benchmark settles by waiting: the gateway has no "idle" signal to await.
const settle = () => Bun.sleep(settleMs);

async function measure(label: string, bin: string): Promise<Measurement> {
  let proc: ReturnType<typeof Bun.spawn> | undefined;
  let dir: string | undefined;
  const extraEnv = JSON.parse(env[`BENCH_ENV_${label}`] ?? "{}") as Record<string, string>;
  try {
    const gw = await startBareGateway({
      bin,
      bootstrap,
      spawn: (cmd, cwd) => {
        dir = cwd;
        proc = Bun.spawn(cmd, { cwd, stdout: "ignore", stderr: "ignore", env: { ...env, ...extraEnv } });
        return proc;
      },
    });
    const pid = gw.proc.pid;
    await settle();
    const idle = readProcMemory(pid);
    await addIngestConnectors(gw, {
      connectors: {
        single: {
          "ingest.path": "/s",
          "kafka.topic": `bench-ingest-rss-${Date.now().toString(36)}`,
          "ingest.mode": "single",
          "tasks.max": "1",
        },
      },
      probePath: "/s",
    });
    await settle();
    const connector = readProcMemory(pid);
    const started = performance.now();
    const r = await runWrk({
      url: `${gw.ingestUrl}/s`,
      body,
      contentType: "application/json",
      connections: 64,
      threads: 2,
      durationS: 600,
      requests,
    });
    const seconds = (performance.now() - started) / 1000;
    await settle();
    return { label, idle, connector, loaded: readProcMemory(pid), answered: r.requests - r.failed, seconds };
  } finally {
    proc?.kill("SIGTERM");
    await proc?.exited;
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

const mib = (kib: number) => (kib / 1024).toFixed(1);
console.log(
  "| round | build | idle RSS (anon/file) | one connector RSS (anon/file) | peak RSS (VmHWM) | after load RSS (anon/file) | answered | s | load (1 min) |",
);
console.log("|--:|---|--:|--:|--:|--:|--:|--:|--:|");
const part = (m: ProcMemory) => `${mib(m.rssKiB)} (${mib(m.anonKiB)}/${mib(m.fileKiB)})`;
const results = await alternatingRounds(
  rounds,
  builds,
  ({ label, bin }) => measure(label, bin),
  (m) =>
    `${part(m.idle)} | ${part(m.connector)} | ${mib(m.loaded.hwmKiB)} | ${part(m.loaded)} | ${m.answered.toLocaleString("en-US")} | ${m.seconds.toFixed(1)}`,
);
console.log();
for (const { label } of builds) {
  const mine = results.filter((m) => m.label === label);
  const range = (xs: number[]) => {
    const { median, min, max } = summarize(xs);
    return `${mib(median)} MiB (${mib(min)}–${mib(max)})`;
  };
  console.log(
    `- ${label}: idle ${range(mine.map((m) => m.idle.rssKiB))}, one connector ${range(mine.map((m) => m.connector.rssKiB))}, ` +
      `peak ${range(mine.map((m) => m.loaded.hwmKiB))}, after load ${range(mine.map((m) => m.loaded.rssKiB))}`,
  );
}
