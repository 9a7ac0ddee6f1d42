/**
 * Driving `scripts/run` from a test (test/run-script.test.ts): the script with its process group,
 * the gateway and broker it started, their signal handlers, the README pipeline's committed
 * positions and the lines a restart replays.
 */
import { expect } from "bun:test";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { constants } from "node:os";
import { join } from "node:path";
import { REPO } from "./kafka.ts";
import { waitFor } from "./wait-for.ts";

export interface RunScript {
  readonly proc: ChildProcess;
  readonly exited: Promise<number>;
  output(): string;
  url(): Promise<string>;
  /** Sends a signal to the whole process group, as a terminal's Ctrl-C does. */
  signalGroup(signal: NodeJS.Signals): void;
}

export function runScript(worker: string, kafkaState: string, connectorFiles: readonly string[] = []): RunScript {
  const env: Record<string, string | undefined> = { ...process.env, KAFKA_STATE_DIR: kafkaState };
  delete env.CONNECT_BOOTSTRAP_SERVERS;
  delete env.KAFKA_INFO_FILE;
  let output = "";
  // detached: its own process group, like a shell job; the group gets the signals.
  const proc = spawn("bash", [join(REPO, "scripts/run"), worker, ...connectorFiles], {
    env,
    detached: true,
    stdio: "pipe",
  });
  proc.stdout?.on("data", (c: Buffer) => (output += c.toString()));
  proc.stderr?.on("data", (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number>((resolve) =>
    proc.on("exit", (code, signal) => resolve(code ?? 128 + (signal === "SIGKILL" ? 9 : 15))),
  );
  let urlSeen = 0;
  return {
    proc,
    exited,
    output: () => output,
    url: async () => {
      const found = await waitFor(
        () => {
          const all = [...output.matchAll(/REST server listening at (http:\/\/[^\s,]+?)\/?,/g)];
          return all.length > urlSeen ? all[all.length - 1]![1] : undefined;
        },
        { timeoutMs: 150_000, what: `the gateway started by scripts/run; output so far:\n${output}` },
      );
      urlSeen++;
      return found;
    },
    signalGroup: (signal) => process.kill(-proc.pid!, signal),
  };
}

/** The gateway process scripts/run started (its child). */
export function gatewayPid(runPid: number): number {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === runPid && readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("main.ts")) return Number(entry);
    } catch {}
  }
  throw new Error(`no gateway child of ${runPid}`);
}

/**
 * The first line each stage would replay after a crash now, from what it committed: the source's
 * file position as a line index of `input`, the sink's Kafka offset (offset i holds line i before
 * any replay).
 */
export async function committedBeforeKill(
  url: string,
  input: string,
): Promise<{ sourceLine: number; sinkOffset: number }> {
  const offsets = async (connector: string) =>
    (
      (await (await fetch(`${url}/connectors/${connector}/offsets`)).json()) as {
        offsets: { offset: Record<string, number> }[];
      }
    ).offsets;
  const position = (await offsets("file-in"))[0]?.offset.position ?? 0;
  const sinkOffset = (await offsets("file-out"))[0]?.offset.kafka_offset ?? 0;
  return { sourceLine: readFileSync(input).subarray(0, position).toString("utf8").split("\n").length - 1, sinkOffset };
}

/**
 * The sink file read against the lines in the order they were appended: each line must be the
 * next one or a jump back (a replay), and a replay must not start before `earliestReplay` (a line
 * both stages had committed).
 */
export function replaysOf(lines: readonly string[], expected: readonly string[], earliestReplay: number) {
  const index = new Map(expected.map((line, i) => [line, i]));
  const gaps: string[] = [];
  const replays: string[] = [];
  const replaysOfCommitted: string[] = [];
  for (let k = 1; k < lines.length; k++) {
    const prev = index.get(lines[k - 1]!) ?? -1;
    const at = index.get(lines[k]!) ?? -1;
    if (at <= prev) (at < earliestReplay ? replaysOfCommitted : replays).push(`${lines[k - 1]} → ${lines[k]}`);
    else if (at !== prev + 1) gaps.push(`${lines[k - 1]} → ${lines[k]}`);
  }
  return {
    unexpected: lines.filter((line) => !index.has(line)),
    firstOccurrences: [...new Set(lines)],
    gaps,
    replaysOfCommitted,
    replays,
  };
}

export function killBroker(kafkaState: string): void {
  const pidFile = join(kafkaState, "broker.pid");
  if (!existsSync(pidFile)) return;
  try {
    process.kill(Number(readFileSync(pidFile, "utf8")), "SIGKILL");
  } catch {}
}

export function workerFile(dir: string): string {
  const worker = join(dir, "worker.properties");
  writeFileSync(
    worker,
    [
      "listeners=http://127.0.0.1:0",
      `data.dir=${join(dir, "data")}`,
      "key.converter=org.apache.kafka.connect.json.JsonConverter",
      "value.converter=org.apache.kafka.connect.json.JsonConverter",
      "offset.flush.interval.ms=1000",
    ].join("\n"),
  );
  return worker;
}

/** Fields of /proc/<pid>/status. */
export function procStatus(pid: number): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of readFileSync(`/proc/${pid}/status`, "utf8").split("\n")) {
    const at = line.indexOf(":");
    if (at > 0) fields[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  return fields;
}

/**
 * Sends `signal` to the script alone, after checking that the script ignores it (its SigIgn mask
 * holds it, so the kernel discards it on delivery and bash's `wait` is not interrupted), and waits
 * until it is no longer pending.
 */
export async function signalIgnored(pid: number, signal: NodeJS.Signals): Promise<void> {
  const bit = 1n << BigInt(constants.signals[signal] - 1);
  expect(BigInt(`0x${procStatus(pid).SigIgn}`) & bit).toBe(bit);
  process.kill(pid, signal);
  await waitFor(
    () => {
      const s = procStatus(pid);
      return BigInt(`0x${s.SigPnd}`) === 0n && BigInt(`0x${s.ShdPnd}`) === 0n;
    },
    { what: `scripts/run to discard ${signal}` },
  );
}

/** A worker file naming the broker that scripts/run started under `kafkaState`. */
export function extraWorker(dir: string, kafkaState: string): string {
  const worker = join(dir, "extra-worker.properties");
  const bootstrap = /^bootstrap=(.+)$/m.exec(readFileSync(join(kafkaState, "info"), "utf8"))![1]!;
  writeFileSync(
    worker,
    [
      "listeners=http://127.0.0.1:0",
      `data.dir=${join(dir, "extra-data")}`,
      `bootstrap.servers=${bootstrap}`,
      "key.converter=org.apache.kafka.connect.json.JsonConverter",
      "value.converter=org.apache.kafka.connect.json.JsonConverter",
    ].join("\n"),
  );
  return worker;
}

export async function rootInfo(url: string): Promise<{ kafka_cluster_id: string | null }> {
  return waitFor(async () => {
    const body = (await (await fetch(`${url}/`)).json()) as { kafka_cluster_id: string | null };
    return body.kafka_cluster_id ? body : undefined;
  });
}
