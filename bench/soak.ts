/**
 * Soak: looks for what grows without bound in the compiled gateway over many cycles. `scripts/bench
 * soak` runs it (or directly: BENCH_BOOTSTRAP=host:port BENCH_GATEWAY_BIN=dist/gateway bun bench/soak.ts).
 *
 * One gateway process, one local HTTP server standing in for the external APIs. Phases, each sampled
 * after the same number of cycles at several points (a leak grows linearly with cycles, warm-up does not):
 *   churn    per cycle, every connector kind (FileStreamSource, FileStreamSink, HttpIngestSource in
 *            both ack modes, a request over the https listener to the spool one,
 *            HttpSource against a failing API, HttpSink against 500 / refused / timing-out endpoints):
 *            create, config PUT, pause, resume, restart, delete;
 *   reconfig per cycle, one long-lived connector of each kind reconfigured (tasks.max 1, 2, 3 in
 *            turn), restarted with its tasks, paused and resumed;
 *   ingest   per cycle, on one ingest connector: single and batch POSTs with and without
 *            Idempotency-Key, a 4xx storm (malformed JSON, 413, 415, 404), requests aborted while
 *            Kafka's ack is awaited, a slow body;
 *   failing  long-lived HttpSink connectors against 500 / refused / timing-out endpoints (retrying
 *            forever) and HttpSource connectors against failing APIs (behavior.on.error=log), fed by
 *            ingest; per cycle one ingest POST and a 100 ms wait;
 *   tls      per cycle, on the https ingest listener (client certificates requested): connections
 *            with and without a client certificate, with an untrusted one, cut short in the
 *            handshake and in the body, three pipelined requests, one that never speaks;
 *   slowloris(-rest) 50 connections stalled in their request head and 50 in their body (on the
 *            ingest listener; -rest: on the REST listener, not run by default), held until the
 *            gateway closes them (sampled with them open, then with the count still open as "cycles");
 *   admin    per cycle, REST requests (found and not found, invalid configs) and a /metrics scrape.
 * A sample: RSS, open fds, TCP sockets to the broker, SQLite rows per table, /metrics series.
 * BENCH_SOAK_CYCLES (default 200 churn cycles; ingest, tls and admin run 5x as many), BENCH_SOAK_SAMPLES (5),
 * BENCH_SOAK_ONLY (phases, default churn,reconfig,ingest,tls,failing,slowloris,admin). BENCH_SOAK_HEAP=1 runs the gateway from source
 * (bench/support/heap-probe-entry.ts) and adds the JS heap and the object types that grew most;
 * with BENCH_HEAP_SNAPSHOT=1 too, the probe also writes a JSC heap snapshot per sample into the soak's
 * directory (keep it with BENCH_SOAK_KEEP=1) to find what retains the objects that grew.
 * BENCH_SOAK_IDLE_S: seconds to wait idle before the admin phase, then a sample ("cycles" = seconds):
 * what is only held by pending timers is let go by then.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "./support/http-probe.ts";
import { churnConnectors } from "./support/soak-connectors.ts";
import { report, type SoakSample, type SoakTarget, sample, until } from "./support/soak-probe.ts";
import { slowBody, slowloris } from "./support/soak-slowloris.ts";
import { makeSoakTls } from "./support/soak-tls.ts";

const bootstrap = process.env.BENCH_BOOTSTRAP ?? "";
if (bootstrap === "") throw new Error("BENCH_BOOTSTRAP is not set (scripts/bench sets it)");
const binary = resolve(process.env.BENCH_GATEWAY_BIN ?? join(import.meta.dir, "..", "dist", "gateway"));
const cycles = Number(process.env.BENCH_SOAK_CYCLES ?? 200);
const samples = Number(process.env.BENCH_SOAK_SAMPLES ?? 5);
const only = new Set((process.env.BENCH_SOAK_ONLY ?? "churn,reconfig,ingest,tls,failing,slowloris,admin").split(","));

// The external APIs: /page answers a page then fails in turn; /fail 500; /hang never answers.
let served = 0;
const api = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  idleTimeout: 0,
  async fetch(req) {
    const path = new URL(req.url).pathname;
    served++;
    if (path === "/ok") return Response.json({ ok: true });
    if (path === "/page")
      return served % 2 === 0 ? Response.json([{ id: served }]) : new Response("no", { status: 503 });
    if (path === "/hang") return new Promise<Response>(() => {});
    return new Response("boom", { status: 500 });
  },
});
const apiUrl = `http://127.0.0.1:${api.port}`;
const refusedUrl = `http://127.0.0.1:${await freePort()}/refused`;

const dir = mkdtempSync(join(tmpdir(), "gateway-soak-"));
const restPort = await freePort();
const ingestPort = await freePort();
const tlsPort = await freePort();
const tls = await makeSoakTls(dir);
const rest = `http://127.0.0.1:${restPort}`;
const ingest = `http://127.0.0.1:${ingestPort}`;
writeFileSync(
  join(dir, "worker.properties"),
  [
    `bootstrap.servers=${bootstrap}`,
    `listeners=http://127.0.0.1:${restPort}`,
    `ingest.listeners=http://127.0.0.1:${ingestPort},https://127.0.0.1:${tlsPort}`,
    ...tls.workerLines,
    `data.dir=${join(dir, "data")}`,
    "offset.flush.interval.ms=1000",
    "key.converter=org.apache.kafka.connect.storage.StringConverter",
    "value.converter=org.apache.kafka.connect.storage.StringConverter",
    "",
  ].join("\n"),
);
mkdirSync(join(dir, "files"));
writeFileSync(join(dir, "files", "in.txt"), "a\nb\nc\n");
const log = Bun.file(join(dir, "gateway.log"));
const heapFile = join(dir, "heap.json");
const heapProbe = process.env.BENCH_SOAK_HEAP === "1";
const command = heapProbe
  ? [process.execPath, join(import.meta.dir, "support", "heap-probe-entry.ts"), join(dir, "worker.properties")]
  : [binary, join(dir, "worker.properties")];
const proc = Bun.spawn(command, {
  cwd: dir,
  stdout: log,
  stderr: log,
  env: { ...process.env, BENCH_HEAP_FILE: heapFile },
});
const pid = proc.pid;
const run = `soak${Date.now().toString(36)}`;
const topic = `${run}-t`;

async function call(method: string, path: string, body?: unknown): Promise<Response> {
  const init: RequestInit = { method, headers: { "Content-Type": "application/json" } };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await fetch(`${rest}${path}`, init);
  await res.arrayBuffer();
  return res;
}

/**
 * Reconfiguration of long-lived connectors (never deleted): per cycle each kind's config PUT with
 * tasks.max 1, 2 or 3 in turn and a changed key, a restart with its tasks, a pause and a resume.
 */
async function reconfigCycle(i: number): Promise<void> {
  const configs = churnConnectors(0, { run: `${run}-re`, dir, topic, apiUrl, refusedUrl });
  for (const [name, config] of Object.entries(configs)) {
    await call("PUT", `/connectors/${name}/config`, {
      ...config,
      "tasks.max": String(1 + (i % 3)),
      "x.cycle": String(i),
    });
    await call("POST", `/connectors/${name}/restart?includeTasks=true`);
    await call("PUT", `/connectors/${name}/pause`);
    await call("PUT", `/connectors/${name}/resume`);
  }
  await fetch(`${ingest}/churn-spool/0`, { method: "POST", body: JSON.stringify({ i }) }).then((r) => r.arrayBuffer());
}

async function churnCycle(i: number): Promise<void> {
  const configs = churnConnectors(i, { run, dir, topic, apiUrl, refusedUrl });
  await Promise.all(Object.entries(configs).map(([name, config]) => call("PUT", `/connectors/${name}/config`, config)));
  for (const name of Object.keys(configs))
    await until(`${name} task`, async () => {
      const s = (await (await fetch(`${rest}/connectors/${name}/status`)).json()) as { tasks?: unknown[] };
      return (s.tasks?.length ?? 0) > 0;
    });
  for (const [name, config] of Object.entries(configs)) {
    await call("PUT", `/connectors/${name}/config`, { ...config, "tasks.max": "2" });
    await call("PUT", `/connectors/${name}/pause`);
    await call("PUT", `/connectors/${name}/resume`);
    await call("POST", `/connectors/${name}/restart?includeTasks=true`);
  }
  // Records for the sinks to choke on and the ingest routes to take.
  await fetch(`${ingest}/churn/${i}`, { method: "POST", body: JSON.stringify({ i }) }).then((r) => r.arrayBuffer());
  await fetch(`${ingest}/churn-spool/${i}`, { method: "POST", body: JSON.stringify({ i }) }).then((r) =>
    r.arrayBuffer(),
  );
  await tls.post(tlsPort, `/churn-spool/${i}`, JSON.stringify({ i }));
  for (const name of Object.keys(configs)) await call("DELETE", `/connectors/${name}`);
}

const INGEST = `${run}-ingest`;
async function ingestCycle(i: number): Promise<void> {
  const post = (init: RequestInit, path = "/soak") => fetch(`${ingest}${path}`, init).then((r) => r.arrayBuffer());
  const json = { "Content-Type": "application/json" };
  await post({ method: "POST", headers: json, body: JSON.stringify({ i, device: `d-${i}` }) });
  await post({ method: "POST", headers: json, body: JSON.stringify([{ i }, { i: i + 1 }, { i: i + 2 }]) });
  await post({ method: "POST", headers: { ...json, "Idempotency-Key": `k-${i}` }, body: JSON.stringify({ i }) });
  await post({ method: "POST", headers: { ...json, "Idempotency-Key": `k-${i}` }, body: JSON.stringify({ i }) });
  await post({
    method: "POST",
    headers: { ...json, "Idempotency-Key": `b-${i}` },
    body: JSON.stringify([{ i }, { i }]),
  });
  // 4xx storm: malformed, too large, unsupported type, unknown path.
  await post({ method: "POST", headers: json, body: "{not json" });
  await post({ method: "POST", headers: json, body: `{"x":"${"y".repeat(2_000_000)}"}` });
  await post({ method: "POST", headers: { "Content-Type": "application/xml" }, body: "<a/>" });
  await post({ method: "POST", headers: json, body: "{}" }, `/nowhere/${i}`);
  // Aborted while the answer (Kafka's ack) is awaited.
  const abort = new AbortController();
  const aborted = fetch(`${ingest}/soak`, { method: "POST", headers: json, body: `{"a":${i}}`, signal: abort.signal });
  abort.abort();
  await aborted.catch(() => undefined);
  if (i % 10 === 0) await slowBody(ingestPort, i);
}

const failingUrls = [`${apiUrl}/fail`, refusedUrl, `${apiUrl}/hang`];
async function startFailing(): Promise<void> {
  for (const [i, url] of failingUrls.entries()) {
    await call("PUT", `/connectors/${run}-failsink-${i}/config`, {
      "connector.class": "io.edgegateway.connect.http.HttpSinkConnector",
      url,
      topics: topic,
      "sink.request.timeout": "1",
      "sink.retry.max-attempts": "-1",
      "sink.retry.backoff.initial.ms": "20",
      "sink.retry.backoff.max.ms": "200",
      "sink.flush-buffer.timeout": "50",
      "sink.requests.max-buffered": "50",
    });
    await call("PUT", `/connectors/${run}-failsrc-${i}/config`, {
      "connector.class": "io.confluent.connect.http.HttpSourceConnector",
      "http.url": url,
      "kafka.topic": topic,
      "http.timer.interval.ms": "100",
      "http.request.timeout.ms": "1000",
      "http.retry.backoff.ms": "20",
      "http.retry.backoff.max.ms": "200",
      "behavior.on.error": "log",
    });
  }
}

async function failingCycle(i: number): Promise<void> {
  await fetch(`${ingest}/soak`, { method: "POST", body: JSON.stringify({ failing: i }) }).then((r) => r.arrayBuffer());
  await Bun.sleep(100);
}

async function adminCycle(i: number): Promise<void> {
  await call("GET", "/connectors?expand=status&expand=info");
  await call("GET", `/connectors/missing-${i}`);
  await call("GET", `/connectors/missing-${i}/status`);
  await call("GET", `/unknown/path/${i}`);
  await call("PUT", `/connectors/${run}-bad-${i}/config`, { "connector.class": "NoSuchConnector" });
  await call("PUT", "/connector-plugins/FileStreamSource/config/validate", { "connector.class": "FileStreamSource" });
  await call("POST", "/connectors", "not an object");
  await call("GET", "/metrics");
}

const target: SoakTarget = {
  pid,
  dir,
  bootstrap,
  rest,
  heapFile: heapProbe ? heapFile : undefined,
  log: join(dir, "gateway.log"),
};

async function phase(name: string, count: number, step: (i: number) => Promise<void>): Promise<SoakSample[]> {
  const out = [await sample(target, name, 0)];
  const every = Math.max(1, Math.floor(count / samples));
  for (let i = 1; i <= count; i++) {
    await step(i);
    if (i % every === 0) out.push(await sample(target, name, i));
  }
  return out;
}

const all: SoakSample[] = [];
try {
  await until("the REST API", async () => (await fetch(`${rest}/connectors`)).ok);
  await call("PUT", `/connectors/${INGEST}/config`, {
    "connector.class": "io.edgegateway.connect.http.HttpIngestSourceConnector",
    "ingest.path": "/soak",
    "kafka.topic": topic,
    "ingest.idempotency.window.ms": "2000",
    "ingest.max.body.bytes": "1000000",
  });
  await until("the ingest route", async () => (await fetch(`${ingest}/soak`, { method: "POST", body: "{}" })).ok);
  if (only.has("churn")) all.push(...(await phase("churn", cycles, churnCycle)));
  if (only.has("reconfig")) all.push(...(await phase("reconfig", cycles, reconfigCycle)));
  if (only.has("ingest")) all.push(...(await phase("ingest", cycles * 5, ingestCycle)));
  if (only.has("tls")) all.push(...(await phase("tls", cycles * 5, (i) => tls.cycle(tlsPort, "/soak", i))));
  if (only.has("failing")) {
    await startFailing();
    all.push(...(await phase("failing", cycles * 2, failingCycle)));
  }
  if (only.has("slowloris")) all.push(...(await slowloris(target, 50, ingestPort, "/soak", "slowloris")));
  // The REST listener: heads are cut at its idle timeout (120 s), bodies at rest.request.body.timeout.ms.
  if (only.has("slowloris-rest")) all.push(...(await slowloris(target, 50, restPort, "/connectors", "slowloris-rest")));
  const idleS = Number(process.env.BENCH_SOAK_IDLE_S ?? 0);
  if (idleS > 0) {
    await Bun.sleep(idleS * 1000);
    all.push(await sample(target, "idle", idleS));
  }
  if (only.has("admin")) all.push(...(await phase("admin", cycles * 5, adminCycle)));
} finally {
  proc.kill("SIGTERM");
  await proc.exited;
  api.stop(true);
}

console.log(report(all));
if (process.env.BENCH_SOAK_KEEP !== "1") rmSync(dir, { recursive: true, force: true });
else console.error(`kept ${dir}`);
