/**
 * A Kafka broker of the test's own (scripts/kafka with a private state dir), for tests that stop
 * or kill a broker: the shared broker other people's tests use is never touched. `stop()` ends the
 * process (SIGTERM, data kept); `kill()` ends it hard (SIGKILL, kill -9: no flush, no controlled
 * shutdown, what the OS wrote to its log dirs stays); `restart()` runs the same command line again,
 * so the broker comes back on the same ports with the same data. `await using` kills it (SIGKILL:
 * its state dir is the test's and goes with it); so does the end of the test that started it, also
 * one that timed out (see `untilTestEnds`).
 */

import { afterAll, onTestFinished } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { connect, createServer } from "node:net";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { REPO, readUpTo } from "./kafka.ts";
import { committedOffsets as committedOffsetsOf } from "./kill-accounting.ts";
import { waitFor } from "./wait-for.ts";

export interface OwnBroker extends AsyncDisposable {
  readonly bootstrap: string;
  /**
   * Everything `scripts/kafka start` printed: cluster_id, …, and the lines of the listeners asked for (bootstrap_sasl,
   * bootstrap_ssl, ssl_ca …).
   */
  readonly info: Readonly<Record<string, string>>;
  /** The broker process (changes with `restart()`): a test may freeze it (SIGSTOP/SIGCONT). */
  readonly pid: number;
  stop(): Promise<void>;
  /** SIGKILL (kill -9) and wait until the process is gone. */
  kill(): Promise<void>;
  restart(): Promise<void>;
  client(): Kafka;
}

function parseInfo(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .trim()
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

/** Waits until process `pid` is gone (60 s at most). */
export async function exited(pid: number): Promise<void> {
  await waitFor(
    () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    },
    { timeoutMs: 60_000, what: `broker ${pid} to exit` },
  );
}

/** Whether nothing holds 127.0.0.1:`port` (a listener of this test may bind it). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** The size of `path` in bytes, 0 when it is not there. */
function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function portOpen(hostPort: string): Promise<boolean> {
  const [host, port] = hostPort.split(":");
  return new Promise((resolve) => {
    const socket = connect({ host: host!, port: Number(port) }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

/** A listener of scripts/kafka's broker (its KAFKA_LISTENERS). */
export type OwnBrokerListener = "PLAINTEXT" | "SASL_PLAINTEXT" | "SSL" | "MTLS";

export interface OwnBrokerOptions {
  /**
   * The listeners the broker starts (default PLAINTEXT alone; PLAINTEXT is required): `info` has the lines of these
   * only (bootstrap_sasl; bootstrap_ssl and ssl_ca; bootstrap_mtls and mtls_client_*). A port the broker binds has to
   * be free again at each restart, so a test asks for no listener it does not use.
   */
  readonly listeners?: readonly OwnBrokerListener[];
  /**
   * Killed (SIGKILL) when the test that started it ends (default true). Bun abandons a test that
   * times out without running its `await using` disposals, and this broker is no child of the test
   * process (scripts/kafka detaches it with setsid), so nothing else would end it: one left frozen
   * (SIGSTOP) or running outlived the whole run. False for a broker started in beforeAll (there
   * onTestFinished fires when the hook ends): its file's afterAll disposes it.
   */
  readonly untilTestEnds?: boolean;
  /** A broker-only node joining the controller of another own broker (scripts/kafka's KAFKA_CONTROLLER). */
  readonly joins?: { readonly nodeId: number; readonly controller: string; readonly clusterId: string };
  /** The cluster id a new controller node formats its log directory with (scripts/kafka's KAFKA_CLUSTER_ID). */
  readonly clusterId?: string;
  /** More JVM options, after the defaults (a later -Xmx wins): a cluster's brokers run with small heaps. */
  readonly jvmOptions?: string;
  /**
   * Abandons the start when aborted before it ended: scripts/kafka and the broker it started are killed and
   * startOwnBroker rejects (a cluster's node given a controller address its controller did not bind).
   */
  readonly signal?: AbortSignal;
}

/**
 * SIGKILLs `start` (scripts/kafka start, the leader of a process group of its own) with what it runs, and the broker
 * it started (setsid: a session of its own) found by its command line, which names `stateDir`'s server.properties
 * from the moment it leaves start's group; waits until they are gone.
 */
async function abandonStart(start: { readonly pid: number; readonly exited: Promise<number> }, stateDir: string) {
  try {
    process.kill(-start.pid, "SIGKILL");
  } catch {
    // the group is gone already
  }
  await start.exited;
  const properties = join(stateDir, "server.properties");
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
    } catch {
      continue; // exited meanwhile
    }
    if (!args.includes(properties)) continue;
    try {
      process.kill(Number(entry), "SIGKILL");
    } catch {
      continue;
    }
    await exited(Number(entry));
  }
}

/** SIGKILLs the process `pid()` names (undefined: none) when the running test ends; nothing outside `bun test` (bench/). */
function killAtTestEnd(pid: () => number | undefined): void {
  const end = () => {
    const running = pid();
    try {
      if (running !== undefined) process.kill(running, "SIGKILL");
    } catch {
      // already gone
    }
  };
  try {
    onTestFinished(end);
  } catch (error) {
    // Not under `bun test` (a bench/ script): there is no test to end with; the script kills it.
    if (/concurrent/.test(String(error))) {
      throw new Error(
        "a broker of the test's own started in a concurrent test (test.concurrent) cannot be killed when that test ends: start it with ownBrokersUntilFileEnds() or ownClustersUntilFileEnds(), which kill it when the file's tests have ended",
        { cause: error },
      );
    }
  }
}

/** `extraProperties` (lines of key=value) go into the broker's server.properties after the rest. */
export async function startOwnBroker(
  stateDir: string,
  extraProperties = "",
  options: OwnBrokerOptions = {},
): Promise<OwnBroker> {
  const script = join(REPO, "scripts", "kafka");
  // A broker that lives for one test: the C1 compiler alone starts it with about half the CPU time
  // (C2's compiles would not pay off before it is stopped again); restarts keep the same flags.
  // After a kill -9 the restarted controller keeps the dead incarnation registered until its session
  // times out (DUPLICATE_BROKER_REGISTRATION until then): 4 s instead of Kafka's 9 s, heartbeats
  // every second instead of 2 (still four missed before a live broker is fenced).
  const env = {
    ...process.env,
    KAFKA_STATE_DIR: stateDir,
    KAFKA_LISTENERS: (options.listeners ?? ["PLAINTEXT"]).join(","),
    KAFKA_OPTS: `-XX:TieredStopAtLevel=1 ${options.jvmOptions ?? ""}`,
    // log.retention.ms=-1: records stamped years ago are not deleted mid-test (as scripts/test's broker).
    KAFKA_SERVER_PROPERTIES: `broker.session.timeout.ms=4000\nbroker.heartbeat.interval.ms=1000\nlog.retention.ms=-1\n${extraProperties}`,
    ...(options.joins
      ? {
          KAFKA_NODE_ID: String(options.joins.nodeId),
          KAFKA_CONTROLLER: options.joins.controller,
          KAFKA_CLUSTER_ID: options.joins.clusterId,
        }
      : options.clusterId !== undefined
        ? { KAFKA_CLUSTER_ID: options.clusterId }
        : {}),
  };
  let pid = 0;
  let alive = false; // `pid` runs (not yet seen to exit): only then may the test's end kill it
  // Before the start: a concurrent test is refused before a broker runs that nothing would kill.
  if (options.untilTestEnds !== false) killAtTestEnd(() => (alive ? pid : undefined));
  // detached: a group of its own, killed whole when the start is abandoned.
  const proc = Bun.spawn(["bash", script, "start"], { env, stdout: "pipe", stderr: "inherit", detached: true });
  const { signal } = options;
  let abandon = () => {};
  const abandoned = new Promise<void>((resolve) => {
    abandon = resolve;
  });
  signal?.addEventListener("abort", abandon, { once: true });
  if (signal?.aborted) abandon();
  const abandoning = abandoned.then(() => abandonStart(proc, stateDir));
  const out = await Promise.race([new Response(proc.stdout).text(), abandoned.then(() => "")]);
  const code = await proc.exited;
  signal?.removeEventListener("abort", abandon); // once started, the broker is the test's to stop
  if (signal?.aborted) {
    await abandoning;
    throw new Error(`the start of the test's own broker in ${stateDir} was abandoned: ${signal.reason}`);
  }
  if (code !== 0) throw new Error("scripts/kafka start failed for the test's own broker");
  const info = parseInfo(out);
  const bootstrap = info.bootstrap!;
  pid = Number(info.pid);
  alive = true;
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8")
    .split("\0")
    .filter((a) => a !== "");
  const client = () => new Kafka({ clientId: "own-broker-test", brokers: [bootstrap], logLevel: logLevel.NOTHING });

  const brokerLog = join(stateDir, "broker.log");
  /** What the broker logged since byte `from` of its log (broker.log, which every start appends to). */
  const loggedSince = (from: number) => Bun.file(brokerLog).slice(from).text();

  /**
   * Ready; false when the process `started` exited first (a restarted JVM that failed its start). A restarted broker
   * answers on its PLAINTEXT listener before it has bound its other listeners, and exits when one of those ports was
   * taken (ci169: the MTLS port, which a connection got as its local port while the broker was down, when the ports
   * were still chosen in the ephemeral range; any other listener's bind may still take one): it is ready once
   * it logged "Kafka Server started" since `logFrom` (as scripts/kafka's start judges), not when the first port answers.
   */
  const ready = async (started: { readonly exitCode: number | null }, logFrom: number) => {
    const gone = () => started.exitCode !== null;
    await waitFor(
      async () =>
        gone() || ((await loggedSince(logFrom)).includes("Kafka Server started") && (await portOpen(bootstrap))),
      { timeoutMs: 120_000, what: "the broker's start" },
    );
    const admin = client().admin();
    await waitFor(
      async () => {
        if (gone()) return true;
        await admin.connect();
        await admin.fetchTopicMetadata({ topics: [] });
        return true;
      },
      { timeoutMs: 120_000, what: "broker metadata" },
    );
    await admin.disconnect();
    return !gone();
  };

  const stop = async () => {
    process.kill(pid, "SIGTERM");
    await exited(pid);
    alive = false;
  };
  const kill = async () => {
    process.kill(pid, "SIGKILL");
    await exited(pid);
    alive = false;
  };
  return {
    bootstrap,
    info,
    get pid() {
      return pid;
    },
    client,
    stop,
    kill,
    async restart() {
      // A restarted broker has been seen to exit during its start on a loaded machine (CI17: its JVM
      // shut down, the test waited 120 s on a refused port): it is started again, its log shown.
      for (let attempt = 1; ; attempt++) {
        const logFrom = sizeOf(brokerLog);
        const started = Bun.spawn(cmdline, {
          env,
          stdout: Bun.file(join(stateDir, "stdout-restart.log")),
          stderr: "inherit",
          stdin: "ignore",
        });
        pid = started.pid;
        alive = true;
        await Bun.write(join(stateDir, "broker.pid"), String(pid));
        if (await ready(started, logFrom)) return;
        const logged = await loggedSince(logFrom);
        const errors = new Set(logged.split("\n").filter((l) => /\] (ERROR|FATAL) |Exception: /.test(l)));
        const what = `the restarted broker exited (code ${started.exitCode}) before it started; its errors:\n${[...errors].slice(-8).join("\n")}`;
        if (attempt === 3) throw new Error(`${what}\n(3 attempts)`);
        // A listener's port taken while the broker was down (by a listener bound meanwhile; a connection's local port
        // where scripts/kafka found no room below the ephemeral range) may be let go again; the broker comes back on
        // the same ports.
        const portTaken = logged.includes("Address already in use");
        console.error(`${what}\nstarting it again${portTaken ? " once its ports are free" : ""}`);
        if (portTaken) {
          const ports = [...readFileSync(join(stateDir, "ports"), "utf8").matchAll(/=(\d+)/g)].map((m) => Number(m[1]));
          await waitFor(async () => (await Promise.all(ports.map(portFree))).every(Boolean), {
            timeoutMs: 60_000,
            what: `the restarted broker's ports ${ports.join(", ")} to be free`,
          });
        }
      }
    },
    // The state dir goes with the test: no controlled shutdown to wait for (seconds on a busy
    // machine), and a broker the test left frozen (SIGSTOP) ends too.
    async [Symbol.asyncDispose]() {
      if (!alive) return; // stopped or killed already: its pid may name another process by now
      try {
        await kill();
      } catch {
        // already gone
      }
    },
  };
}

/**
 * `start` for a file whose tests run at once (test.concurrent), each on brokers of its own: bun refuses onTestFinished
 * in a concurrent test, so what the function returned starts is disposed (its brokers killed) when the file's tests
 * have ended (afterAll) instead of when its own test ends, also what a test that timed out left running or frozen.
 * Called at the top level of the file.
 */
export function disposedAfterAll<A extends unknown[], T extends AsyncDisposable>(
  start: (...args: A) => Promise<T>,
): (...args: A) => Promise<T> {
  const started: T[] = [];
  afterAll(async () => {
    await Promise.all(started.map((s) => s[Symbol.asyncDispose]()));
  });
  return async (...args) => {
    const s = await start(...args);
    started.push(s);
    return s;
  };
}

/** `startOwnBroker` for a file whose tests run at once (see disposedAfterAll). */
export function ownBrokersUntilFileEnds(): typeof startOwnBroker {
  return disposedAfterAll((stateDir: string, extraProperties?: string, options?: OwnBrokerOptions) =>
    startOwnBroker(stateDir, extraProperties, { ...options, untilTestEnds: false }),
  );
}

/**
 * The worker keys of an ingest gateway on its own `broker` that notices an outage within seconds:
 * offsets flushed every 200 ms, 2 s request and connection timeouts, an ingest listener on port 0.
 */
export function outageIngestWorker(broker: Pick<OwnBroker, "bootstrap">, dataDir: string): Record<string, string> {
  return {
    "bootstrap.servers": broker.bootstrap,
    "data.dir": dataDir,
    "offset.flush.interval.ms": "200",
    "request.timeout.ms": "2000",
    "socket.connection.setup.timeout.ms": "2000",
    "ingest.listeners": "http://127.0.0.1:0",
  };
}

/**
 * The partitions' offsets of `topic`, asked again while the broker answers with an error: just after
 * a restart its partitions have no leader for a moment (NOT_LEADER_OR_FOLLOWER).
 */
function topicOffsets(admin: ReturnType<Kafka["admin"]>, topic: string) {
  return waitFor(() => admin.fetchTopicOffsets(topic), { timeoutMs: 30_000, what: `the offsets of ${topic}` });
}

/** Every record of `topic` on `broker` (up to the high watermarks at call time), in offset order per partition. */
export async function readOwnTopic(
  broker: Pick<OwnBroker, "client">,
  topic: string,
): Promise<{ partition: number; offset: number; key: string | null; value: string }[]> {
  const kafka = broker.client();
  const admin = kafka.admin();
  await admin.connect();
  let ends: { partition: number; low: number; high: number }[];
  try {
    ends = (await topicOffsets(admin, topic)).map((p) => ({
      partition: p.partition,
      low: Number(p.low),
      high: Number(p.high),
    }));
  } finally {
    await admin.disconnect();
  }
  if (ends.every((e) => e.high === e.low)) return [];
  return (await readUpTo(topic, ends, 60_000, kafka)).map((r) => ({
    partition: r.partition,
    offset: Number(r.offset),
    key: r.key?.toString("utf8") ?? null,
    value: r.value?.toString("utf8") ?? "",
  }));
}

/** The offsets group `groupId` committed for `topic` on `broker`, by partition (-1: none; see kill-accounting.ts). */
export async function committedOffsets(
  broker: Pick<OwnBroker, "client">,
  groupId: string,
  topic: string,
): Promise<Map<number, number>> {
  const admin = broker.client().admin();
  await admin.connect();
  try {
    return await committedOffsetsOf(admin, groupId, topic);
  } finally {
    await admin.disconnect();
  }
}

/** The sum of the high watermarks of `topic`'s partitions on `broker` (its record count when nothing was deleted). */
export async function topicEnd(broker: Pick<OwnBroker, "client">, topic: string): Promise<number> {
  const admin = broker.client().admin();
  await admin.connect();
  try {
    return (await topicOffsets(admin, topic)).reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}
