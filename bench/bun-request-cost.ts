/**
 * What Bun's HTTP server itself costs per single-record request, by how the handler answers (see
 * support/bun-answer-server.ts): CPU microseconds of the server process per request under wrk, 64
 * keep-alive connections POSTing the 200 B body of bench/ingest-single-ab.ts. Modes alternate over
 * BENCH_ROUNDS (3) rounds of BENCH_DURATION_S (5) seconds after a 2 s warm-up; medians printed.
 * BENCH_MODES picks the modes (default sync,await,arrayBuffer,bytes,text; also stream, listen, and any
 * mode with -routes).
 *
 *   flock /work/bench.lock node_modules/.bin/bun bench/bun-request-cost.ts
 */
import { resolve } from "node:path";
import { freePort, pollUntil } from "./support/http-probe.ts";
import { sampleProcess } from "./support/process-sampler.ts";
import { runWrk } from "./support/wrk.ts";

const rounds = Number(process.env.BENCH_ROUNDS ?? "3");
const durationS = Number(process.env.BENCH_DURATION_S ?? "5");
const modes = (process.env.BENCH_MODES ?? "sync,await,arrayBuffer,bytes,text").split(",");
const body = JSON.stringify({ device: "dev-1", seq: 1, payload: "x".repeat(160) });

async function measure(mode: string): Promise<{ usPerRequest: number; requestsPerS: number }> {
  const port = await freePort();
  const proc = Bun.spawn(
    [process.execPath, resolve(import.meta.dir, "support", "bun-answer-server.ts"), String(port), mode],
    {
      stdout: "ignore",
      stderr: "inherit",
    },
  );
  try {
    const url = `http://127.0.0.1:${port}/s`;
    await pollUntil(
      async () => ((await fetch(url, { method: "POST", body }).catch(() => null))?.ok ? true : undefined),
      {
        timeoutMs: 10_000,
        intervalMs: 100,
        what: `server (${mode})`,
      },
    );
    const load = { url, body, contentType: "application/json", connections: 64, threads: 1 };
    await runWrk({ ...load, durationS: 2 });
    const sampler = sampleProcess([proc.pid]);
    const r = await runWrk({ ...load, durationS });
    const usage = sampler.stop();
    return { usPerRequest: (usage.cpuCores * r.durationS * 1e6) / r.requests, requestsPerS: r.requests / r.durationS };
  } finally {
    proc.kill("SIGTERM");
    await proc.exited;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const perMode = new Map<string, number[]>(modes.map((m) => [m, []]));
console.log("| round | answer | requests/s | server CPU µs per request |");
console.log("|--:|---|--:|--:|");
for (let round = 1; round <= rounds; round++) {
  for (const mode of modes) {
    const m = await measure(mode);
    perMode.get(mode)!.push(m.usPerRequest);
    console.log(
      `| ${round} | ${mode} | ${Math.round(m.requestsPerS).toLocaleString("en-US")} | ${m.usPerRequest.toFixed(2)} |`,
    );
  }
}
console.log();
for (const [mode, us] of perMode) console.log(`- ${mode}: median ${median(us).toFixed(2)} µs per request`);
