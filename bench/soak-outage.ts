/**
 * Outage soak: what grows in the compiled gateway while its peers fail for minutes under steady
 * load, and whether it comes back down once they return. `scripts/bench soak-outage` runs it (or
 * directly: BENCH_GATEWAY_BIN=dist/gateway bun bench/soak-outage.ts). It starts a Kafka broker of
 * its own (test/support/own-broker.ts, state under .kafka/ in the repository, killed at the end):
 * the broker outage stops that one, never a shared broker.
 *
 * One gateway with one connector of each kind: HttpIngestSource in kafka ack mode (Idempotency-Keys
 * with a 5 s window) and in spool mode, FileStreamSource (a file appended to), FileStreamSink,
 * HttpSink (to a local endpoint) and HttpSource (a local paged API). Load all the time: keyed
 * single-record POSTs and 10-record spool POSTs, in a loop. Phases, each sampled every
 * BENCH_OUTAGE_SAMPLE_S seconds (default 30) for BENCH_OUTAGE_PHASE_S seconds (default 120):
 *   steady       everything up;
 *   peers-down   the sink endpoint's port refuses connections, the source API never answers;
 *   peers-back   both answer again;
 *   broker-down  the broker is stopped (SIGTERM; the spool keeps accepting);
 *   broker-back  the broker restarted on the same ports (the spool drains);
 *   idle         the load stops.
 * BENCH_OUTAGE_PHASES runs other sequences (e.g. two broker outages: steady,broker-down,broker-back,
 * broker-down,broker-back,idle); each phase's name says what starts it.
 * A sample (bench/support/soak-probe.ts): RSS, threads, fds, sockets, /metrics series, SQLite rows
 * and file sizes, log bytes; BENCH_SOAK_HEAP=1 runs the gateway from source and adds the JS heap and
 * its pending timers. The answers the load got per phase print on stderr.
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createTopicsOn } from "../test/support/kafka.ts";
import { startOwnBroker } from "../test/support/own-broker.ts";
import { freePort } from "./support/http-probe.ts";
import { report, type SoakSample, type SoakTarget, sample, until } from "./support/soak-probe.ts";

const REPO = resolve(import.meta.dir, "..");
const binary = resolve(process.env.BENCH_GATEWAY_BIN ?? join(REPO, "dist", "gateway"));
const phaseS = Number(process.env.BENCH_OUTAGE_PHASE_S ?? 120);
const sampleS = Number(process.env.BENCH_OUTAGE_SAMPLE_S ?? 30);
const heapProbe = process.env.BENCH_SOAK_HEAP === "1";

// The source API: a page of two records, or no answer at all while `hang` is set.
let hang = false;
const api = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  idleTimeout: 0,
  fetch: () => (hang ? new Promise<Response>(() => {}) : Response.json([{ id: 1 }, { id: 2 }])),
});
// The sink endpoint: stopped (its port refuses connections) during peers-down, then served again.
const sinkPort = await freePort();
let sunk = 0;
const serveSink = () =>
  Bun.serve({
    hostname: "127.0.0.1",
    port: sinkPort,
    async fetch(req) {
      await req.arrayBuffer();
      sunk++;
      return new Response("ok");
    },
  });
let sink: ReturnType<typeof Bun.serve> | undefined = serveSink();

const stateDir = join(REPO, ".kafka", `soak-outage-${process.pid}`);
rmSync(stateDir, { recursive: true, force: true });
mkdirSync(stateDir, { recursive: true });
const broker = await startOwnBroker(stateDir);
const dir = mkdtempSync(join(tmpdir(), "gateway-soak-outage-"));
const restPort = await freePort();
const ingestPort = await freePort();
const rest = `http://127.0.0.1:${restPort}`;
const ingest = `http://127.0.0.1:${ingestPort}`;
const topic = "soak-outage";
const admin = broker.client().admin();
await admin.connect();
await createTopicsOn(admin, [{ topic, numPartitions: 2 }]);
await admin.disconnect();

writeFileSync(
  join(dir, "worker.properties"),
  [
    `bootstrap.servers=${broker.bootstrap}`,
    `listeners=http://127.0.0.1:${restPort}`,
    `ingest.listeners=http://127.0.0.1:${ingestPort}`,
    `data.dir=${join(dir, "data")}`,
    "offset.flush.interval.ms=1000",
    "request.timeout.ms=5000",
    "socket.connection.setup.timeout.ms=2000",
    "key.converter=org.apache.kafka.connect.storage.StringConverter",
    "value.converter=org.apache.kafka.connect.storage.StringConverter",
    "",
  ].join("\n"),
);
mkdirSync(join(dir, "files"));
const input = join(dir, "files", "in.txt");
writeFileSync(input, "first\n");
const log = join(dir, "gateway.log");
const heapFile = join(dir, "heap.json");
const command = heapProbe
  ? [process.execPath, join(import.meta.dir, "support", "heap-probe-entry.ts"), join(dir, "worker.properties")]
  : [binary, join(dir, "worker.properties")];
const proc = Bun.spawn(command, {
  cwd: dir,
  stdout: Bun.file(log),
  stderr: Bun.file(log),
  env: { ...process.env, BENCH_HEAP_FILE: heapFile },
});
const target: SoakTarget = {
  pid: proc.pid,
  dir,
  bootstrap: broker.bootstrap,
  rest,
  heapFile: heapProbe ? heapFile : undefined,
  log,
};

const connectors: Record<string, Record<string, string>> = {
  ing: {
    "connector.class": "HttpIngestSource",
    "ingest.path": "/k",
    "kafka.topic": topic,
    "ingest.idempotency.window.ms": "5000",
  },
  spool: {
    "connector.class": "HttpIngestSource",
    "ingest.path": "/s",
    "ingest.ack.mode": "spool",
    "kafka.topic": topic,
  },
  fsrc: { "connector.class": "FileStreamSource", file: input, topic },
  fsink: { "connector.class": "FileStreamSink", file: join(dir, "files", "out.txt"), topics: topic },
  hsink: {
    "connector.class": "HttpSink",
    url: `http://127.0.0.1:${sinkPort}/in`,
    topics: topic,
    "sink.request.timeout": "2",
    "sink.retry.max-attempts": "-1",
    "sink.retry.backoff.initial.ms": "100",
    "sink.retry.backoff.max.ms": "2000",
    "sink.requests.max-buffered": "200",
  },
  hsrc: {
    "connector.class": "HttpSource",
    "http.url": `http://127.0.0.1:${api.port}/page`,
    "kafka.topic": topic,
    "http.timer.interval.ms": "500",
    "http.request.timeout.ms": "2000",
    "http.retry.backoff.ms": "100",
    "http.retry.backoff.max.ms": "2000",
    "behavior.on.error": "log",
  },
};

// The load, two loops: keyed single records (kafka ack mode) and 10-record batches (spool), each
// POST after the previous one was answered (or gave up after 10 s).
let loading = true;
let answers: Record<string, number> = {};
async function load(route: string, body: (k: number) => unknown, keyed: boolean): Promise<void> {
  for (let k = 0; loading; k++) {
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    if (keyed) headers["Idempotency-Key"] = `key-${k}`;
    const r = await fetch(`${ingest}${route}`, {
      method: "POST",
      headers,
      body: JSON.stringify(body(k)),
      signal: AbortSignal.timeout(10_000),
    }).catch(() => undefined);
    await r?.arrayBuffer().catch(() => undefined);
    const tally = `${route} ${r?.status ?? "error"}`;
    answers[tally] = (answers[tally] ?? 0) + 1;
    if (keyed && k % 20 === 0) appendFileSync(input, `line ${k}\n`);
    await Bun.sleep(20);
  }
}

const all: SoakSample[] = [];
async function phase(name: string): Promise<void> {
  answers = {};
  for (let s = 0; s <= phaseS; s += sampleS) {
    if (s > 0) await Bun.sleep(sampleS * 1000);
    all.push(await sample(target, name, s));
  }
  console.error(`${name}: answers ${JSON.stringify(answers)}, sink endpoint took ${sunk} requests`);
}

/** What starts each phase (steady and idle: nothing but the load's start and end). */
const transitions: Record<string, () => Promise<void> | void> = {
  "peers-down": () => {
    hang = true;
    sink?.stop(true);
    sink = undefined;
  },
  "peers-back": () => {
    hang = false;
    sink ??= serveSink();
  },
  "broker-down": () => broker.stop(),
  "broker-back": () => broker.restart(),
};
const phases = (process.env.BENCH_OUTAGE_PHASES ?? "steady,peers-down,peers-back,broker-down,broker-back,idle").split(
  ",",
);

let loader: Promise<unknown> | undefined;
try {
  for (const name of phases)
    if (!(name in transitions) && name !== "steady" && name !== "idle") throw new Error(`unknown phase ${name}`);
  await until("the REST API", async () => (await fetch(`${rest}/connectors`)).ok);
  for (const [name, config] of Object.entries(connectors)) {
    const r = await fetch(`${rest}/connectors/${name}/config`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(config),
    });
    if (!r.ok) throw new Error(`${name}: ${r.status} ${await r.text()}`);
  }
  await until("the ingest routes", async () => (await fetch(`${ingest}/s`, { method: "POST", body: "{}" })).ok);
  loader = Promise.all([
    load("/k", (k) => ({ k }), true),
    load("/s", (k) => Array.from({ length: 10 }, (_, i) => ({ k, i, pad: "x".repeat(200) })), false),
  ]);
  for (const name of phases) {
    await transitions[name]?.();
    if (name === "idle") {
      loading = false;
      await loader;
    }
    await phase(name);
  }
} finally {
  loading = false;
  await loader?.catch(() => undefined);
  proc.kill("SIGTERM");
  await proc.exited;
  api.stop(true);
  sink?.stop(true);
  await broker[Symbol.asyncDispose]();
  rmSync(stateDir, { recursive: true, force: true });
}

console.log(report(all));
if (process.env.BENCH_SOAK_KEEP !== "1") rmSync(dir, { recursive: true, force: true });
else console.error(`kept ${dir}`);
