/**
 * The healthy side of bench/isolation.ts: a gateway from source with the event-loop lag probe
 * (lag-probe-entry.ts), a healthy ingest route (`/h`, single records) and a healthy HTTP sink reading
 * what that route writes (session.timeout.ms 10 s, so a stall of that order costs it its group
 * membership), and a client that POSTs one record to `/h` at a time while a scenario runs.
 * BENCH_GATEWAY_FLAGS: extra Bun flags for the gateway (e.g. `--cpu-prof --cpu-prof-dir=DIR`).
 */
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Gateway, ingestUrlOf, startGateway } from "../../test/support/gateway.ts";
import { startApi, type TestApi } from "../../test/support/http-api.ts";
import { uniqueTopic } from "../../test/support/kafka.ts";
import { waitFor } from "../../test/support/wait-for.ts";

export interface Healthy extends AsyncDisposable {
  readonly gw: Gateway;
  readonly ingestUrl: string;
  /** The topic the healthy route writes and the healthy sink reads. */
  readonly topic: string;
  /** Requests the healthy sink's endpoint received. */
  delivered(): number;
}

export interface Lag {
  readonly max: number;
  readonly p99: number;
}

export async function startHealthy(dir: string, bootstrap: string): Promise<Healthy> {
  const wrapper = join(dir, "gateway-lag-probe");
  const entry = join(import.meta.dir, "lag-probe-entry.ts");
  writeFileSync(
    wrapper,
    `#!/usr/bin/env bash\nexec '${process.execPath}' ${process.env.BENCH_GATEWAY_FLAGS ?? ""} '${entry}' "$@"\n`,
  );
  chmodSync(wrapper, 0o755);
  process.env.GATEWAY_BIN = wrapper;
  const gw = await startGateway({
    dir,
    worker: {
      "bootstrap.servers": bootstrap,
      "data.dir": join(dir, "data"),
      "ingest.listeners": "http://127.0.0.1:0",
      "offset.flush.interval.ms": "1000",
    },
    env: { BENCH_LAG_FILE: join(dir, "lag.json") },
  });
  let delivered = 0;
  const sinkApi: TestApi = startApi((req) => {
    delivered += req.body.length > 0 ? 1 : 0;
    return new Response("ok");
  });
  const topic = uniqueTopic("iso-healthy");
  await gw.rest.put("/connectors/healthy/config", {
    "connector.class": "HttpIngestSource",
    "ingest.path": "/h",
    "kafka.topic": topic,
    "ingest.mode": "single",
  });
  await gw.rest.put("/connectors/healthy-sink/config", {
    "connector.class": "io.edgegateway.connect.http.HttpSinkConnector",
    url: `${sinkApi.base}/in`,
    topics: topic,
    "sink.flush-buffer.timeout": "50",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter.schemas.enable": "false",
    "consumer.override.session.timeout.ms": "10000",
    "consumer.override.heartbeat.interval.ms": "1000",
  });
  const ingestUrl = await ingestUrlOf(gw);
  const post = () => fetch(`${ingestUrl}/h`, { method: "POST", body: '{"seq":0}' });
  await waitFor(async () => (await post()).status === 200, { what: "healthy route", timeoutMs: 30_000 });
  await waitFor(async () => delivered > 0 || ((await post()).status === 200 && false), {
    what: "healthy sink delivering",
    timeoutMs: 60_000,
  });
  return {
    gw,
    ingestUrl,
    topic,
    delivered: () => delivered,
    [Symbol.asyncDispose]: async () => {
      await gw.stop();
      sinkApi[Symbol.dispose]();
    },
  };
}

/** The lags since the last call (the probe starts over). */
export async function takeLag(h: Healthy, dir: string): Promise<Lag> {
  const file = join(dir, "lag.json");
  rmSync(file, { force: true });
  h.gw.proc.kill("SIGUSR2");
  await waitFor(() => existsSync(file), { what: "lag file", timeoutMs: 120_000 });
  return JSON.parse(readFileSync(file, "utf8")) as Lag;
}

export interface RouteLatency {
  readonly p99: number;
  readonly max: number;
  readonly count: number;
  readonly failed: number;
}

/** POSTs single records to the healthy route one after the other until `stop` aborts. */
export async function pingRoute(h: Healthy, stop: AbortSignal): Promise<RouteLatency> {
  const times: number[] = [];
  let failed = 0;
  for (let seq = 1; !stop.aborted; seq++) {
    const t = performance.now();
    const r = await fetch(`${h.ingestUrl}/h`, { method: "POST", body: `{"seq":${seq}}` }).catch(() => undefined);
    times.push(performance.now() - t);
    if (r?.status !== 200) failed++;
    await r?.arrayBuffer();
    await Bun.sleep(5);
  }
  times.sort((a, b) => a - b);
  const p99 = times[Math.min(times.length - 1, Math.floor(times.length * 0.99))] ?? 0;
  return { p99, max: times.at(-1) ?? 0, count: times.length, failed };
}

/** Whether the healthy sink's partitions were revoked or lost, and the tasks that failed. */
export async function damage(h: Healthy, logFrom: number): Promise<{ rebalanced: boolean; failed: string[] }> {
  const log = h.gw.output().slice(logFrom);
  const rebalanced = /Partitions (revoked|lost)/.test(log);
  const status = (await h.gw.rest.get("/connectors?expand=status")).body as Record<
    string,
    { status: { connector: { state: string }; tasks: { id: number; state: string }[] } }
  >;
  const failed: string[] = [];
  for (const [name, { status: s }] of Object.entries(status)) {
    if (s.connector.state === "FAILED") failed.push(name);
    for (const t of s.tasks) if (t.state === "FAILED") failed.push(`${name}-${t.id}`);
  }
  return { rebalanced, failed };
}
