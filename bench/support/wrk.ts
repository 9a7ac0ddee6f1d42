/**
 * HTTP load with wrk (a C load generator, so the client costs little of the machine's CPU): POSTs
 * one fixed body over N keep-alive connections for a duration and reports requests, non-2xx
 * answers and latency percentiles (wrk's own histogram, via a Lua `done` hook printing JSON). With
 * `requests`, each wrk thread stops after its share of answers (a fixed load rather than a fixed time).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface WrkOptions {
  readonly url: string;
  readonly body: string;
  readonly contentType: string;
  readonly connections: number;
  readonly threads: number;
  readonly durationS: number;
  /** Stop after about this many answers (each thread its share; the connections' last requests may add a few). */
  readonly requests?: number;
}

export interface WrkResult {
  readonly requests: number;
  /** Answers other than 2xx/3xx, plus socket errors. */
  readonly failed: number;
  readonly durationS: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

// A thread's `response` hook counts its answers and stops the thread at its share, saying so on stdout:
// wrk itself runs to its duration unless interrupted, so runWrk sends SIGINT once every thread has said it
// (wrk then reports as at the end of its duration).
const threadDone = "WRK_THREAD_DONE";
const stopAfter = (perThread: number) => `
local answered = 0
response = function(status, headers, body)
  answered = answered + 1
  if answered == ${perThread} then
    wrk.thread:stop()
    io.write("${threadDone}\\n")
    io.flush()
  end
end
`;

/** Reads wrk's stdout to its end, interrupting wrk once `threads` threads have printed threadDone. */
async function readOutput(proc: ReturnType<typeof Bun.spawn>, threads: number | undefined): Promise<string> {
  const stdout = proc.stdout as ReadableStream<Uint8Array>;
  if (threads === undefined) return await new Response(stdout).text();
  let out = "";
  let interrupted = false;
  const decoder = new TextDecoder();
  for await (const chunk of stdout) {
    out += decoder.decode(chunk, { stream: true });
    if (!interrupted && out.split(threadDone).length - 1 >= threads) {
      interrupted = true;
      proc.kill("SIGINT");
    }
  }
  return out;
}

const lua = (body: string, contentType: string) => `
wrk.method = "POST"
wrk.body = ${JSON.stringify(body)}
wrk.headers["Content-Type"] = ${JSON.stringify(contentType)}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests":%d,"failed":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d}\\n',
    summary.requests, e.status + e.connect + e.read + e.write + e.timeout, summary.duration,
    latency:percentile(50), latency:percentile(99)))
end
`;

export async function runWrk(o: WrkOptions): Promise<WrkResult> {
  const dir = mkdtempSync(join(tmpdir(), "bench-wrk-"));
  try {
    const script = join(dir, "post.lua");
    // wrk's Lua strings take JSON's escapes for the characters our bodies use.
    const limit = o.requests === undefined ? "" : stopAfter(Math.ceil(o.requests / o.threads));
    writeFileSync(script, lua(o.body, o.contentType) + limit);
    if (!Bun.which("wrk")) throw new Error("wrk is not installed: apt-get install wrk (scripts/bench installs it)");
    const proc = Bun.spawn(
      ["wrk", `-t${o.threads}`, `-c${o.connections}`, `-d${o.durationS}s`, "--timeout", "30s", "-s", script, o.url],
      { stdout: "pipe", stderr: "pipe" },
    );
    const out = await readOutput(proc, o.requests === undefined ? undefined : o.threads);
    if ((await proc.exited) !== 0) throw new Error(`wrk failed: ${await new Response(proc.stderr).text()}\n${out}`);
    const line = out.split("\n").find((l) => l.startsWith("WRK_JSON "));
    if (!line) throw new Error(`wrk printed no result:\n${out}`);
    const r = JSON.parse(line.slice("WRK_JSON ".length)) as Record<string, number>;
    return {
      requests: r.requests!,
      failed: r.failed!,
      durationS: r.duration_us! / 1e6,
      p50Ms: r.p50_us! / 1000,
      p99Ms: r.p99_us! / 1000,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
