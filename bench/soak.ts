/**
 * Soak: looks for what grows without bound in the compiled gateway over many cycles. `scripts/bench
 * soak` runs it (or directly: BENCH_BOOTSTRAP=host:port BENCH_GATEWAY_BIN=dist/gateway bun bench/soak.ts).
 *
 * One gateway process, one local HTTP server standing in for the external APIs. Phases, each sampled
 * after the same number of cycles at several points (a leak grows linearly with cycles, warm-up does not):
 *   churn    per cycle, every connector kind (FileStreamSource, FileStreamSink, HttpIngestSource,
 *            HttpSource against a failing API, HttpSink against 500 / refused / timing-out endpoints):
 *            create, config PUT, pause, resume, restart, delete;
 *   ingest   per cycle, on one ingest connector: single and batch POSTs with and without
 *            Idempotency-Key, a 4xx storm (malformed JSON, 413, 415, 404), requests aborted while
 *            Kafka's ack is awaited, a slow body;
 *   failing  long-lived HttpSink connectors against 500 / refused / timing-out endpoints (retrying
 *            forever) and HttpSource connectors against failing APIs (behavior.on.error=log), fed by
 *            ingest; per cycle one ingest POST and a 100 ms wait;
 *   admin    per cycle, REST requests (found and not found, invalid configs) and a /metrics scrape.
 * A sample: RSS, open fds, TCP sockets to the broker, SQLite rows per table, /metrics series.
 * BENCH_SOAK_CYCLES (default 200 churn cycles; ingest and admin run 5x as many), BENCH_SOAK_SAMPLES (5),
 * BENCH_SOAK_ONLY (phases, default churn,ingest,failing,admin). BENCH_SOAK_HEAP=1 runs the gateway from source
 * (bench/support/heap-probe-entry.ts) and adds the JS heap and the object types that grew most.
 */
import { Database } from "bun:sqlite";
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { readProcMemory } from "./support/proc-stats.ts";

const bootstrap = process.env.BENCH_BOOTSTRAP ?? "";
if (bootstrap === "") throw new Error("BENCH_BOOTSTRAP is not set (scripts/bench sets it)");
const binary = resolve(process.env.BENCH_GATEWAY_BIN ?? join(import.meta.dir, "..", "dist", "gateway"));
const cycles = Number(process.env.BENCH_SOAK_CYCLES ?? 200);
const samples = Number(process.env.BENCH_SOAK_SAMPLES ?? 5);
const only = new Set((process.env.BENCH_SOAK_ONLY ?? "churn,ingest,failing,admin").split(","));

async function freePort(): Promise<number> {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

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
const rest = `http://127.0.0.1:${restPort}`;
const ingest = `http://127.0.0.1:${ingestPort}`;
writeFileSync(
  join(dir, "worker.properties"),
  [
    `bootstrap.servers=${bootstrap}`,
    `listeners=http://127.0.0.1:${restPort}`,
    `ingest.listeners=http://127.0.0.1:${ingestPort}`,
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

async function until(what: string, check: () => Promise<boolean>, limit = 600): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (await check().catch(() => false)) return;
    await Bun.sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function call(method: string, path: string, body?: unknown): Promise<Response> {
  const init: RequestInit = { method, headers: { "Content-Type": "application/json" } };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await fetch(`${rest}${path}`, init);
  await res.arrayBuffer();
  return res;
}

function connectorConfigs(i: number): Record<string, Record<string, string>> {
  const base = { "tasks.max": "1" };
  return {
    [`${run}-fsrc-${i}`]: {
      ...base,
      "connector.class": "FileStreamSource",
      file: join(dir, "files", "in.txt"),
      topic,
    },
    [`${run}-fsink-${i}`]: {
      ...base,
      "connector.class": "FileStreamSink",
      file: join(dir, "files", `out-${i % 3}.txt`),
      topics: topic,
    },
    [`${run}-ing-${i}`]: {
      ...base,
      "connector.class": "io.edgegateway.connect.http.HttpIngestSourceConnector",
      "ingest.path": `/churn/${i}`,
      "kafka.topic": topic,
    },
    [`${run}-hsrc-${i}`]: {
      ...base,
      "connector.class": "io.confluent.connect.http.HttpSourceConnector",
      "http.url": i % 2 === 0 ? `${apiUrl}/page` : refusedUrl,
      "http.timer.interval.ms": "200",
      "kafka.topic": topic,
    },
    [`${run}-hsink-${i}`]: {
      ...base,
      "connector.class": "io.edgegateway.connect.http.HttpSinkConnector",
      url: [`${apiUrl}/fail`, refusedUrl, `${apiUrl}/hang`][i % 3]!,
      "sink.request.timeout": "1",
      "sink.retry.backoff.initial.ms": "50",
      "sink.flush-buffer.timeout": "100",
      topics: topic,
    },
  };
}

async function churnCycle(i: number): Promise<void> {
  const configs = connectorConfigs(i);
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
  if (i % 10 === 0) await slowBody(i);
}

/** A slow body: half the declared bytes, a pause, then the socket closes. */
async function slowBody(i: number): Promise<void> {
  await new Promise<void>((done) => {
    const socket = connect(ingestPort, "127.0.0.1", () => {
      socket.write(
        `POST /soak HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"slow":${i}`,
      );
      setTimeout(() => socket.destroy(), 200);
    });
    socket.on("close", () => done());
    socket.on("error", () => done());
  });
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

interface Sample {
  readonly phase: string;
  readonly cycle: number;
  readonly rssMiB: number;
  readonly fds: number;
  readonly brokerSockets: number;
  readonly tcpSockets: number;
  readonly metricSeries: number;
  readonly rows: Record<string, number>;
  readonly heapMiB?: number;
  readonly objects?: Record<string, number>;
}

interface HeapStats {
  readonly heapSize: number;
  readonly objectCount: number;
  readonly objectTypeCounts: Record<string, number>;
}

/** The probe's heapStats(), when the gateway runs from source with it. */
async function heap(): Promise<HeapStats | undefined> {
  if (!heapProbe) return undefined;
  rmSync(heapFile, { force: true });
  process.kill(pid, "SIGUSR2");
  await until("the heap probe", async () => existsSync(heapFile));
  return JSON.parse(readFileSync(heapFile, "utf8")) as HeapStats;
}

function brokerSockets(): { broker: number; all: number; peers: Record<string, number> } {
  const out = spawnSync("ss", ["-tnpH"], { encoding: "utf8" }).stdout ?? "";
  const mine = out.split("\n").filter((l) => l.includes(`pid=${pid},`));
  const peers: Record<string, number> = {};
  for (const l of mine) {
    const [state, , , local, peer] = l.split(/\s+/);
    const key = `${state} ${local?.split(":").pop()}->${peer?.split(":").pop()}`;
    peers[key] = (peers[key] ?? 0) + 1;
  }
  const brokerPorts = bootstrap.split(",").map((b) => `:${b.split(":").pop()}`);
  return {
    broker: mine.filter((l) => brokerPorts.some((p) => l.split(/\s+/)[4]?.endsWith(p))).length,
    all: mine.length,
    peers,
  };
}

/** Rows per table, read from a copy (the gateway holds its file with an exclusive lock). */
function rows(): Record<string, number> {
  const copy = join(dir, "rows-copy.db");
  for (const suffix of ["", "-wal"]) {
    const from = join(dir, "data", `gateway.db${suffix}`);
    if (existsSync(from)) copyFileSync(from, `${copy}${suffix}`);
    else rmSync(`${copy}${suffix}`, { force: true });
  }
  const db = new Database(copy);
  try {
    const tables = db
      .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .all();
    return Object.fromEntries(
      tables.map((t) => [t.name, db.query<{ n: number }, []>(`SELECT count(*) AS n FROM "${t.name}"`).get()!.n]),
    );
  } finally {
    db.close();
  }
}

async function sample(phase: string, cycle: number): Promise<Sample> {
  Bun.gc(true);
  await Bun.sleep(1500); // timers of deleted tasks fire and settle
  const metrics = await (await fetch(`${rest}/metrics`)).text();
  const sockets = brokerSockets();
  const h = await heap();
  const s: Sample = {
    phase,
    cycle,
    rssMiB: Math.round(readProcMemory(pid).rssKiB / 102.4) / 10,
    fds: readdirSync(`/proc/${pid}/fd`).length,
    brokerSockets: sockets.broker,
    tcpSockets: sockets.all,
    metricSeries: metrics.split("\n").filter((l) => l !== "" && !l.startsWith("#")).length,
    rows: rows(),
    ...(h && { heapMiB: Math.round(h.heapSize / 104857.6) / 10, objects: h.objectTypeCounts }),
  };
  console.error(JSON.stringify({ ...s, objects: undefined, peers: sockets.peers }));
  return s;
}

async function phase(name: string, count: number, step: (i: number) => Promise<void>): Promise<Sample[]> {
  const out = [await sample(name, 0)];
  const every = Math.max(1, Math.floor(count / samples));
  for (let i = 1; i <= count; i++) {
    await step(i);
    if (i % every === 0) out.push(await sample(name, i));
  }
  return out;
}

const all: Sample[] = [];
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
  if (only.has("ingest")) all.push(...(await phase("ingest", cycles * 5, ingestCycle)));
  if (only.has("failing")) {
    await startFailing();
    all.push(...(await phase("failing", cycles * 2, failingCycle)));
  }
  if (only.has("admin")) all.push(...(await phase("admin", cycles * 5, adminCycle)));
} finally {
  proc.kill("SIGTERM");
  await proc.exited;
  api.stop(true);
}

const tables = [...new Set(all.flatMap((s) => Object.keys(s.rows)))].sort();
console.log(
  `| phase | cycles | RSS MiB | fds | broker sockets | TCP sockets | /metrics series | heap MiB | ${tables.join(" | ")} |`,
);
console.log(`|---|---|---|---|---|---|---|---|${tables.map(() => "---").join("|")}|`);
for (const s of all)
  console.log(
    `| ${s.phase} | ${s.cycle} | ${s.rssMiB} | ${s.fds} | ${s.brokerSockets} | ${s.tcpSockets} | ${s.metricSeries} | ${s.heapMiB ?? "-"} | ${tables.map((t) => s.rows[t] ?? 0).join(" | ")} |`,
  );
if (heapProbe) {
  console.log("\nObject types that grew most between the second and the last sample of each phase:");
  for (const phaseName of new Set(all.map((s) => s.phase))) {
    const of = all.filter((s) => s.phase === phaseName);
    const from = of[1]?.objects ?? {};
    const to = of.at(-1)?.objects ?? {};
    const grown = Object.entries(to)
      .map(([type, n]) => [type, n - (from[type] ?? 0)] as const)
      .filter(([, d]) => d > 0)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12);
    console.log(
      `${phaseName} (cycles ${of[1]?.cycle}→${of.at(-1)?.cycle}, heap ${of[1]?.heapMiB}→${of.at(-1)?.heapMiB} MiB): ${grown.map(([t, d]) => `${t} +${d}`).join(", ")}`,
    );
  }
}
if (process.env.BENCH_SOAK_KEEP !== "1") rmSync(dir, { recursive: true, force: true });
else console.error(`kept ${dir}`);
