/**
 * One measured cold start for bench/startup.ts: spawn a worker in a fresh temp directory on a free
 * loopback port, time spawn → REST listener → GET /health 200, sample /proc memory at readiness and
 * after the settle interval, run one FileStreamSource connector to completion, sample again, and
 * time the graceful stop. Removes the directory and the process whatever happens.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, pollUntil, requestJson } from "./http-probe.ts";
import { type ProcMemory, type ResidentMapping, readCpuMs, readProcMemory, readTopMappings } from "./proc-stats.ts";
import { type StopResult, type SystemName, WorkerProcess, type WorkerSystem } from "./worker-process.ts";

export interface RunSettings {
  /** Pause between readiness and the idle sample, and between the connector's completion and its sample. */
  readonly settleMs: number;
  /** Lines in the FileStreamSource connector's input file. */
  readonly inputLines: number;
  readonly startTimeoutMs: number;
  /** Parent of each run's fresh directory; the caller removes it (also when interrupted). */
  readonly workDir: string;
}

export interface ConnectorPhase {
  /** POST /connectors until GET …/status reports task 0 RUNNING. */
  readonly taskRunningMs: number;
  /** POST /connectors until the committed source offset covers the whole input file. */
  readonly inputCommittedMs: number;
  /** Sampled `settleMs` after the input was committed. */
  readonly memory: ProcMemory;
  readonly cpuMs: number;
}

export interface RunResult {
  readonly system: SystemName;
  readonly run: number;
  readonly warmup: boolean;
  /** Spawn until the REST listener answered anything (503 while starting counts). */
  readonly restUpMs: number;
  /** Spawn until GET /health answered 200. */
  readonly healthyMs: number;
  readonly cpuMsAtReady: number;
  readonly ready: ProcMemory;
  /** Sampled `settleMs` after readiness, before any request other than the readiness probe. */
  readonly idle: ProcMemory;
  /** Where the idle RSS is, by mapped file (same moment as `idle`). */
  readonly idleMappings: readonly ResidentMapping[];
  readonly cpuMsIdle: number;
  readonly serverInfo: unknown;
  readonly connector: ConnectorPhase;
  readonly stop: StopResult;
}

const CONNECTOR = "bench-file-source";

function objectField(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

async function waitReady(worker: WorkerProcess, base: string, timeoutMs: number) {
  let restUpAt: number | undefined;
  const healthyAt = await pollUntil(
    async () => {
      const response = await fetch(`${base}/health`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      const now = performance.now();
      restUpAt ??= now;
      return response.status === 200 ? now : undefined;
    },
    { timeoutMs, intervalMs: 10, what: `${base}/health to answer 200`, abortIf: () => worker.exitedMessage() },
  );
  return { restUpMs: (restUpAt ?? healthyAt) - worker.spawnedAt, healthyMs: healthyAt - worker.spawnedAt };
}

async function runConnector(
  worker: WorkerProcess,
  base: string,
  dir: string,
  options: RunSettings,
  topic: string,
): Promise<ConnectorPhase> {
  const input = join(dir, "input.txt");
  const text = Array.from({ length: options.inputLines }, (_, i) => `bench line ${i + 1}\n`).join("");
  writeFileSync(input, text);
  const size = Buffer.byteLength(text);
  let taskFailure: string | undefined;
  const abortIf = () => taskFailure ?? worker.exitedMessage();
  const postedAt = performance.now();
  const created = await requestJson("POST", `${base}/connectors`, {
    name: CONNECTOR,
    config: { "connector.class": "FileStreamSource", "tasks.max": "1", file: input, topic },
  });
  if (created.status !== 201)
    throw new Error(`POST /connectors answered ${created.status}: ${JSON.stringify(created.body)}`);
  const taskRunningAt = await pollUntil(
    async () => {
      const status = await requestJson("GET", `${base}/connectors/${CONNECTOR}/status`);
      const task = (objectField(status.body, "tasks") as unknown[] | undefined)?.[0];
      const state = objectField(task, "state");
      if (state === "FAILED") taskFailure = `the task FAILED: ${String(objectField(task, "trace"))}`;
      return state === "RUNNING" ? performance.now() : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 20, what: "the connector's task to be RUNNING", abortIf },
  );
  const committedAt = await pollUntil(
    async () => {
      const offsets = await requestJson("GET", `${base}/connectors/${CONNECTOR}/offsets`);
      const first = (objectField(offsets.body, "offsets") as unknown[] | undefined)?.[0];
      return objectField(objectField(first, "offset"), "position") === size ? performance.now() : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 50, what: `the source offset to reach ${size}`, abortIf },
  );
  await Bun.sleep(options.settleMs);
  return {
    taskRunningMs: taskRunningAt - postedAt,
    inputCommittedMs: committedAt - postedAt,
    memory: readProcMemory(worker.pid),
    cpuMs: readCpuMs(worker.pid),
  };
}

/** One cold start of `system`, with everything it made removed afterwards. */
export async function measureRun(
  system: WorkerSystem,
  options: RunSettings,
  run: number,
  warmup: boolean,
): Promise<RunResult> {
  const dir = mkdtempSync(join(options.workDir, `${system.name}-${run}-`));
  let worker: WorkerProcess | undefined;
  try {
    const port = await freePort();
    const launch = system.prepare(dir, port);
    const base = `http://127.0.0.1:${port}`;
    worker = new WorkerProcess(launch, dir);
    const { restUpMs, healthyMs } = await waitReady(worker, base, options.startTimeoutMs);
    const ready = readProcMemory(worker.pid);
    const cpuMsAtReady = readCpuMs(worker.pid);
    await Bun.sleep(options.settleMs);
    const idle = readProcMemory(worker.pid);
    const idleMappings = readTopMappings(worker.pid);
    const cpuMsIdle = readCpuMs(worker.pid);
    const serverInfo = (await requestJson("GET", `${base}/`)).body;
    const topic = `bench-startup-${system.name}-${Date.now().toString(36)}-${run}`;
    const connector = await runConnector(worker, base, dir, options, topic);
    const stop = await worker.stop();
    return {
      system: system.name,
      run,
      warmup,
      restUpMs,
      healthyMs,
      cpuMsAtReady,
      ready,
      idle,
      idleMappings,
      cpuMsIdle,
      serverInfo,
      connector,
      stop,
    };
  } catch (error) {
    const tail = worker?.logTail() ?? "";
    worker?.kill();
    await worker?.exited();
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${system.label} run ${run}: ${message}${tail ? `\n--- last log lines ---\n${tail}` : ""}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
