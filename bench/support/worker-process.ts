/**
 * The two systems bench/startup.ts compares, each as a `WorkerSystem` that writes its
 * worker.properties into a fresh directory and says how to start it: the gateway binary, and
 * Apache Kafka Connect's standalone worker (`ConnectStandalone`) on a flat classpath of Maven jars.
 * `WorkerProcess` is one started worker: its pid (the java process itself for Connect, no shell in
 * between), its log file, and a timed graceful stop. Every started process is tracked so that
 * `killAllWorkers()` can end them when the benchmark fails or is interrupted.
 */
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, pollUntil } from "./http-probe.ts";

export type SystemName = "gateway" | "connect";

export interface WorkerLaunch {
  readonly command: string[];
  readonly env: Record<string, string>;
}

export interface WorkerSystem {
  readonly name: SystemName;
  /** How the system appears in tables, e.g. "Apache Connect 4.3.1". */
  readonly label: string;
  /** Writes the worker's files into `dir` and returns how to start it listening on 127.0.0.1:`port`. */
  prepare(dir: string, port: number): WorkerLaunch;
}

/** Worker settings both systems get, so they do the same work. */
function commonWorkerConfig(bootstrap: string, port: number): Record<string, string> {
  return {
    "bootstrap.servers": bootstrap,
    listeners: `http://127.0.0.1:${port}`,
    "key.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    // Connect's default is 60 s; 1 s lets the benchmark see the whole input file committed quickly.
    "offset.flush.interval.ms": "1000",
  };
}

function writeProperties(path: string, config: Record<string, string>): void {
  writeFileSync(
    path,
    `${Object.entries(config)
      .map(([k, v]) => `${k}=${v.replace(/\\/g, "\\\\")}`)
      .join("\n")}\n`,
  );
}

/** The environment without CONNECT_* variables: the gateway would read them as worker settings. */
function childEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("CONNECT_")) env[k] = v;
  return env;
}

export interface GatewaySystemOptions {
  readonly binary: string;
  readonly bootstrap: string;
  /** Extra worker.properties keys for the gateway only (e.g. kafka.client). */
  readonly extra?: Readonly<Record<string, string>>;
}

export function gatewaySystem(options: GatewaySystemOptions): WorkerSystem {
  return {
    name: "gateway",
    label: "Gateway",
    prepare(dir, port) {
      const worker = join(dir, "worker.properties");
      writeProperties(worker, {
        ...commonWorkerConfig(options.bootstrap, port),
        "data.dir": join(dir, "data"),
        ...options.extra,
      });
      return { command: [options.binary, worker], env: childEnv() };
    },
  };
}

export interface ConnectSystemOptions {
  readonly java: string;
  /** Directory of jars: connect-runtime, connect-file, connect-json, log4j2 and their dependencies. */
  readonly libDir: string;
  readonly version: string;
  readonly bootstrap: string;
  /** Extra JVM options; none by default, so heap and collector are the JVM's own ergonomic choices. */
  readonly jvmOptions: readonly string[];
  /** Extra worker.properties keys for Connect only (e.g. plugin.discovery=service_load); none by default. */
  readonly workerOverrides: Readonly<Record<string, string>>;
}

export const CONNECT_MAIN_CLASS = "org.apache.kafka.connect.cli.ConnectStandalone";

export function connectSystem(options: ConnectSystemOptions): WorkerSystem {
  return {
    name: "connect",
    label: `Apache Connect ${options.version}`,
    prepare(dir, port) {
      const worker = join(dir, "worker.properties");
      writeProperties(worker, {
        ...commonWorkerConfig(options.bootstrap, port),
        "offset.storage.file.filename": join(dir, "connect.offsets"),
        ...options.workerOverrides,
      });
      // INFO to the console, like Apache's connect-log4j2 default and like the gateway's own logging.
      const log4j = join(dir, "log4j2.properties");
      writeFileSync(
        log4j,
        [
          "status = warn",
          "appender.stdout.type = Console",
          "appender.stdout.name = STDOUT",
          "appender.stdout.layout.type = PatternLayout",
          "appender.stdout.layout.pattern = [%d] %p %m (%c)%n",
          "rootLogger.level = INFO",
          "rootLogger.appenderRef.stdout.ref = STDOUT",
          "",
        ].join("\n"),
      );
      return {
        command: [
          options.java,
          ...options.jvmOptions,
          `-Dlog4j2.configurationFile=${log4j}`,
          "-cp",
          // The java launcher expands "dir/*" itself: every jar in the directory, no shell involved.
          `${options.libDir}/*`,
          CONNECT_MAIN_CLASS,
          worker,
        ],
        env: childEnv(),
      };
    },
  };
}

const live = new Set<WorkerProcess>();

/** SIGKILLs every worker still running (failure or interruption path). */
export function killAllWorkers(): void {
  for (const worker of live) worker.kill();
}

export interface StopResult {
  /** SIGTERM until the process had exited. */
  readonly stopMs: number;
  readonly exitCode: number | null;
  /** True when the graceful stop timed out and SIGKILL ended it. */
  readonly forced: boolean;
}

export class WorkerProcess {
  readonly pid: number;
  readonly logFile: string;
  /** performance.now() just before spawning. */
  readonly spawnedAt: number;
  private readonly proc: ReturnType<typeof Bun.spawn>;

  constructor(launch: WorkerLaunch, dir: string) {
    this.logFile = join(dir, "worker.log");
    const fd = openSync(this.logFile, "a");
    try {
      this.spawnedAt = performance.now();
      this.proc = Bun.spawn(launch.command, { cwd: dir, env: launch.env, stdin: "ignore", stdout: fd, stderr: fd });
    } finally {
      closeSync(fd);
    }
    this.pid = this.proc.pid;
    live.add(this);
    void this.proc.exited.then(() => live.delete(this));
  }

  /** A message when the process has exited, else undefined. */
  exitedMessage(): string | undefined {
    return this.proc.exitCode === null && this.proc.signalCode === null
      ? undefined
      : `the process exited (code ${this.proc.exitCode}, signal ${this.proc.signalCode})`;
  }

  logTail(lines = 30): string {
    if (!existsSync(this.logFile)) return "";
    return readFileSync(this.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  }

  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves once the process is gone. */
  async stop(timeoutMs = 30_000): Promise<StopResult> {
    const start = performance.now();
    this.proc.kill("SIGTERM");
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), timeoutMs);
    const exitCode = await this.proc.exited;
    clearTimeout(timer);
    return { stopMs: performance.now() - start, exitCode, forced: this.proc.signalCode === "SIGKILL" };
  }

  kill(): void {
    if (this.exitedMessage() === undefined) this.proc.kill("SIGKILL");
  }

  /** Resolves when the process has exited. */
  exited(): Promise<number> {
    return this.proc.exited;
  }
}

export interface LiveWorker {
  readonly label: string;
  readonly process: WorkerProcess;
  readonly base: string;
}

/** Starts `system`'s worker in `dir` on a free port and waits until its /health answers 200. */
export async function startWorker(system: WorkerSystem, label: string, dir: string): Promise<LiveWorker> {
  const port = await freePort();
  const launch = system.prepare(dir, port);
  const worker = new WorkerProcess(launch, dir);
  const base = `http://127.0.0.1:${port}`;
  await pollUntil(
    async () => {
      const r = await fetch(`${base}/health`, { signal: AbortSignal.timeout(2000) });
      await r.arrayBuffer();
      return r.status === 200 ? true : undefined;
    },
    { timeoutMs: 180_000, intervalMs: 50, what: `${label} to be healthy`, abortIf: () => worker.exitedMessage() },
  );
  return { label, process: worker, base };
}
