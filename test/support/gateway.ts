/**
 * Runs the real gateway as a child process: the compiled binary when GATEWAY_BIN is set
 * (scripts/test builds it), else the sources with this Bun. Waits until the REST listener is up and
 * parses its URL from the log. `await using gw = await startGateway(...)` stops it at scope end.
 */
import { expect } from "bun:test";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { kafkaBroker, REPO } from "./kafka.ts";
import { RestClient } from "./rest-client.ts";
import type { TempDir } from "./temp-dir.ts";
import { waitFor } from "./wait-for.ts";

export interface GatewayOptions {
  /** worker.properties keys (listeners defaults to http://127.0.0.1:0). */
  readonly worker: Record<string, string>;
  /** Extra command line arguments (connector files). */
  readonly args?: string[];
  readonly env?: Record<string, string>;
  /** Where to write worker.properties. */
  readonly dir: string;
  /** TLS options for the readiness probe (a client certificate when the listener requires one). */
  readonly probeTls?: { ca?: string; cert?: string; key?: string };
  /** "pipe": the test writes the gateway's standard input (`proc.stdin`); otherwise it has none. */
  readonly stdin?: "pipe";
}

export interface Gateway extends AsyncDisposable {
  readonly url: string;
  readonly rest: RestClient;
  readonly proc: ReturnType<typeof Bun.spawn>;
  output(): string;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** waitFor(`probe`) whose timeout, or the gateway's exit, fails with what the gateway said meanwhile. */
  waitUntil<T>(
    probe: () => T | undefined | false | Promise<T | undefined | false>,
    timeoutMs: number,
    what: string,
  ): Promise<T>;
  /**
   * SIGTERM and wait for the exit, `limitMs` at most (STOP_LIMIT_MS): returns the exit code; past the
   * limit the gateway is killed (SIGKILL) and the stop fails, naming the wait, with the output.
   */
  stop(limitMs?: number): Promise<number>;
  /** SIGKILL (kill -9) and wait. */
  kill(): Promise<void>;
}

/**
 * How long `stop` waits for the gateway's exit after SIGTERM: longer than any stop the tests wait for
 * (a task.shutdown.graceful.timeout.ms of 30 s), shorter than bun's test timeout (60 s), so a stop that
 * hangs fails by name and its process is killed instead of outliving the test.
 */
export const STOP_LIMIT_MS = 45_000;

export function gatewayCommand(): string[] {
  const bin = process.env.GATEWAY_BIN;
  return bin ? [bin] : [process.execPath, join(REPO, "src", "main.ts")];
}

/**
 * Makes `dir` (created) hold a `gateway` script running the gateway under test (gatewayCommand),
 * for README commands that call `gateway`; returns a PATH with `dir` first.
 */
export function gatewayOnPath(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const command = gatewayCommand()
    .map((a) => `'${a}'`)
    .join(" ");
  writeFileSync(join(dir, "gateway"), `#!/usr/bin/env bash\nexec ${command} "$@"\n`);
  chmodSync(join(dir, "gateway"), 0o755);
  return `${dir}:${process.env.PATH}`;
}

function toProperties(config: Record<string, string>): string {
  return Object.entries(config)
    .map(([k, v]) => `${k}=${v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`)
    .map((line) => `${line}\n`)
    .join("");
}

/** Spawns the gateway without waiting for it (for startup-failure tests). */
export function spawnGateway(options: GatewayOptions) {
  const workerFile = join(options.dir, "worker.properties");
  writeFileSync(workerFile, toProperties({ listeners: "http://127.0.0.1:0", ...options.worker }));
  let output = "";
  const proc = Bun.spawn([...gatewayCommand(), workerFile, ...(options.args ?? [])], {
    cwd: options.dir,
    env: { ...process.env, ...options.env },
    stdin: options.stdin ?? "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) output += decoder.decode(chunk, { stream: true });
  };
  const pumped = Promise.all([
    pump(proc.stdout as ReadableStream<Uint8Array>),
    pump(proc.stderr as ReadableStream<Uint8Array>),
  ]);
  return { proc, output: () => output, pumped };
}

/**
 * The exit code of a gateway `spawnGateway` started that should stop on its own, once its output is read; a
 * gateway still running after `limitMs` is killed (not left behind) and answers `still running after <s> s`.
 */
export async function exitCodeWithin(
  spawned: ReturnType<typeof spawnGateway>,
  limitMs: number,
): Promise<number | string> {
  const code = await exitWithin(spawned.proc, limitMs);
  if (code === undefined) spawned.proc.kill("SIGKILL");
  await spawned.pumped;
  return code ?? `still running after ${limitMs / 1000} s`;
}

/** The REST server's line for a GET it answered 2xx (NCSA log format): a test's status probe, every 50 ms. */
const REST_GET_OK_LINE =
  /\] INFO \S+ - \S+ \[[^\]]*\] "GET (?:[^"\\]|\\.)*" 2\d\d .*\(org\.apache\.kafka\.connect\.runtime\.rest\.RestServer\)$/;

/**
 * The gateway's last 80 log lines without their stack traces (one task's traces can fill the tail) and without the
 * REST server's lines of GETs answered 2xx (a probe polling the REST API every 50 ms fills it too: ci160), counted
 * instead; a refused or failed request's line stays.
 */
function logTail(output: string): string {
  let probes = 0;
  const lines = output.split("\n").filter((line) => {
    if (!line.startsWith("[")) return false;
    if (!REST_GET_OK_LINE.test(line)) return true;
    probes++;
    return false;
  });
  return `${lines.slice(-80).join("\n")}\n(${probes} lines of REST GETs answered 2xx left out)`;
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { proc, output, pumped } = spawnGateway(options);
  const waitUntil = <T>(
    probe: () => T | undefined | false | Promise<T | undefined | false>,
    timeoutMs: number,
    what: string,
  ) =>
    waitFor(
      async () => {
        const value = await probe();
        if (value !== undefined && value !== false) return value;
        if (proc.exitCode !== null) throw new Error(`gateway exited ${proc.exitCode}:\n${output()}`);
        return undefined;
      },
      { timeoutMs, what },
    ).catch((error: unknown) => {
      // What the gateway said meanwhile tells why (a line that never came on a loaded host: ci100's and ci110's
      // kafka-outage): its log's tail first (logTail).
      throw new Error(
        `${(error as Error).message}\nThe gateway's last log lines:\n${logTail(output())}\nIts output ends with:\n${output().slice(-2000)}`,
        { cause: error },
      );
    });
  const waitForOutput = (pattern: RegExp, timeoutMs = 30_000) =>
    waitUntil(() => output().match(pattern) ?? undefined, timeoutMs, `gateway output ${pattern}`);
  let url: string;
  try {
    const m = await waitForOutput(/REST server listening at (https?:\/\/[^\s,]+?)\/?,/);
    url = m[1]!;
    const tls = { rejectUnauthorized: false, ...options.probeTls };
    await waitFor(async () => (await fetch(`${url}/health`, { tls })).status === 200, {
      what: "healthy gateway",
    });
  } catch (error) {
    proc.kill("SIGKILL");
    throw error;
  }
  const stop = async (limitMs = STOP_LIMIT_MS) => {
    if (proc.exitCode === null) proc.kill("SIGTERM");
    const code = await exitWithin(proc, limitMs);
    if (code === undefined) {
      proc.kill("SIGKILL");
      await proc.exited;
      await pumped;
      throw new Error(`The gateway did not exit within ${limitMs} ms of SIGTERM (killed with SIGKILL):\n${output()}`);
    }
    await pumped;
    return code;
  };
  return {
    url,
    rest: new RestClient(url),
    proc,
    output,
    waitForOutput,
    waitUntil,
    stop,
    kill: async () => {
      proc.kill("SIGKILL");
      await proc.exited;
    },
    [Symbol.asyncDispose]: async () => {
      if (proc.exitCode === null) await stop();
    },
  };
}

/** The process's exit code, or undefined when it has not exited within `limitMs`. */
export async function exitWithin(
  proc: { readonly exited: Promise<number> },
  limitMs: number,
): Promise<number | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), limitMs);
  });
  try {
    return await Promise.race([proc.exited, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** The worker keys of ingest gateways (startIngestGateway adds the shared broker and its own data dir). */
export const INGEST_WORKER = { "ingest.listeners": "http://127.0.0.1:0", "offset.flush.interval.ms": "1000" };

/**
 * Worker keys of a gateway on `bootstrap` with its data under `dir` and its admin API behind basic authentication,
 * the credentials file `dir`/credentials (the test writes it).
 */
export function basicAuthWorker(bootstrap: string, dir: TempDir): Record<string, string> {
  return {
    "bootstrap.servers": bootstrap,
    "data.dir": dir.file("data"),
    "rest.authentication": "basic",
    "rest.authentication.basic.credentials.file": dir.file("credentials"),
  };
}

/**
 * A gateway of its own on the suite's broker, its data in `dir` (it can be restarted on it), with a
 * plain ingest listener on a free port, and that listener's URL. `worker`: more keys, or other
 * values for these (another broker's `bootstrap.servers`…).
 */
export async function startIngestGateway(
  dir: TempDir,
  worker: Record<string, string> = {},
): Promise<{ gw: Gateway; ingest: string }> {
  const gw = await startGateway({
    dir: dir.path,
    worker: {
      ...INGEST_WORKER,
      "bootstrap.servers": (await kafkaBroker()).bootstrap,
      "data.dir": dir.file("data"),
      ...worker,
    },
  });
  return { gw, ingest: await ingestUrlOf(gw) };
}

/**
 * A gateway of its own on the suite's broker, its data in `dir`, whose configs may reference
 * `${file:<path>:<key>}` (FileConfigProvider). `worker`: more keys.
 */
export async function startFileProviderGateway(dir: TempDir, worker: Record<string, string> = {}): Promise<Gateway> {
  return startGateway({
    dir: dir.path,
    worker: {
      "bootstrap.servers": (await kafkaBroker()).bootstrap,
      "data.dir": dir.file("data"),
      "config.providers": "file",
      "config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider",
      ...worker,
    },
  });
}

/**
 * Creates the HttpIngestSource connector `name` with `config` (connector.class added) on `gw` and
 * waits for its task 0 to be RUNNING (its route is open).
 */
export async function createIngestConnector(gw: Gateway, name: string, config: Record<string, string>): Promise<void> {
  const created = await gw.rest.post("/connectors", {
    name,
    config: { "connector.class": "HttpIngestSource", ...config },
  });
  if (created.status !== 201) throw new Error(`creating ${name}: ${created.status} ${JSON.stringify(created.body)}`);
  await waitFor(async () => (await taskState(gw, name)) === "RUNNING", { what: `${name} running` });
}

/** The ingest listener's URL, from the gateway's log. */
export async function ingestUrlOf(gw: Gateway): Promise<string> {
  return (await gw.waitForOutput(/Ingest listener open at (http:\/\/[^\s]+?)\/?\s/))[1]!;
}

/** The state of task 0 of `connector`, from the REST API. */
export async function taskState(gw: Gateway, connector: string): Promise<string | undefined> {
  return (await gw.rest.get(`/connectors/${connector}/status`)).body.tasks[0]?.state;
}

/** Task 0 of `connector` once it is FAILED (its status, with its trace), waiting 25 s at most. */
export async function failedTask(gw: Gateway, connector: string) {
  return waitFor(
    async () => {
      const task = (await gw.rest.get(`/connectors/${connector}/status`)).body.tasks?.[0];
      return task?.state === "FAILED" ? task : undefined;
    },
    { timeoutMs: 25_000, what: `${connector} FAILED` },
  );
}

/**
 * Task 0 of `connector` once its status carries a trace (a RUNNING task's `Degraded:` one), waiting `timeoutMs` at most;
 * on a timeout the gateway's log says why (Gateway.waitUntil).
 */
export async function tracedTask(gw: Gateway, connector: string, timeoutMs: number) {
  return gw.waitUntil(
    async () => {
      const task = (await gw.rest.get(`/connectors/${connector}/status`)).body.tasks?.[0];
      return task?.trace ? task : undefined;
    },
    timeoutMs,
    `${connector}'s task trace`,
  );
}

/** A RUNNING task 0's status as toEqual expects it: with a trace matching `trace`, or (none given) without one. */
export function runningTask(trace?: RegExp) {
  const task = { id: 0, state: "RUNNING", worker_id: expect.any(String), version: expect.any(String) };
  return trace ? { ...task, trace: expect.stringMatching(trace) } : task;
}

/** The value of the metric `name` of `connector` on /metrics, if it is there. */
export async function metric(gw: Gateway, name: string, connector: string): Promise<number | undefined> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const m = new RegExp(`${name}\\{connector="${connector}"\\} (\\d+)`).exec(text);
  return m ? Number(m[1]) : undefined;
}

/** `ingest_requests_total` of an ingest route by status class (`2xx`, `4xx`, …), from /metrics; 0 when absent. */
export async function ingestRequests(gw: Gateway, route: string, statusClass: string): Promise<number> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const line = new RegExp(`ingest_requests_total\\{route="${route}",status_class="${statusClass}"\\} (\\d+)`).exec(
    text,
  );
  return line ? Number(line[1]) : 0;
}
