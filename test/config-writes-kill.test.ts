/**
 * kill -9 of the gateway (the compiled binary when GATEWAY_BIN is set), three times, in the middle
 * of a stream of config writes: six clients, one connector each, create, reconfigure (a sink's
 * tasks.max too: its tasks rebalance), pause, resume, stop, alter and reset offsets and delete, one request
 * after the other. After each kill the gateway starts again on the same data.dir, and every
 * connector is exactly as the last answered write left it, or as the write in flight at the kill
 * would have: its existence, whole config, target state and source offset (offsets outlive their
 * connector, as in Connect); each connector then settles in that state with the tasks its config
 * asks for. KILL_WRITES_SEED repeats a run's operations (not their timing).
 */
import { describe, expect, test } from "bun:test";
import { type Gateway, type GatewayOptions, startGateway } from "./support/gateway.ts";
import { createTopic, kafkaBroker, uniqueTopic } from "./support/kafka.ts";
import { convergence, send } from "./support/lifecycle-checks.ts";
import type { ConnectorModel, Target } from "./support/lifecycle-ops.ts";
import { type Prng, prng } from "./support/prng.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

interface State {
  readonly exists: boolean;
  readonly config: Record<string, string> | undefined;
  readonly target: Target;
  /** The stored source position (sources), undefined when none was ever written. */
  readonly position: number | undefined;
}

interface Client {
  readonly name: string;
  readonly kind: "source" | "sink";
  /** What the last answered write left. */
  state: State;
  /** The state the write in flight at the kill would leave, if one was, and that write. */
  inFlight: State | undefined;
  inFlightWrite: string;
  version: number;
}

interface Write {
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  readonly ok: number;
  readonly after: State;
}

function configOf(c: Client, dir: string, topic: string, rnd: Prng): Record<string, string> {
  c.version++;
  return c.kind === "source"
    ? {
        name: c.name,
        "connector.class": "FileStreamSource",
        file: `${dir}/${c.name}.missing`, // never created: the task waits and writes nothing
        topic,
        "batch.size": String(c.version),
      }
    : {
        name: c.name,
        "connector.class": "FileStreamSink",
        file: `${dir}/${c.name}.out`,
        topics: topic,
        "tasks.max": String(1 + Math.floor(rnd.random() * 3)),
        "batch.size.version": String(c.version), // an unknown key, kept as given
      };
}

/** The next write for `c`, chosen at random among those its state allows. */
function nextWrite(c: Client, dir: string, topic: string, rnd: Prng): Write {
  const s = c.state;
  const base = `/connectors/${c.name}`;
  if (!s.exists) {
    const config = configOf(c, dir, topic, rnd);
    return {
      method: "POST",
      path: "/connectors",
      body: { name: c.name, config },
      ok: 201,
      after: { ...s, exists: true, config, target: "RUNNING" },
    };
  }
  const choices = ["config", "config", "pause", "resume", "stop", "delete"];
  if (c.kind === "source" && s.target === "STOPPED") choices.push("offsets", "offsets", "reset");
  switch (rnd.pick(choices)) {
    case "config": {
      const config = configOf(c, dir, topic, rnd);
      return { method: "PUT", path: `${base}/config`, body: config, ok: 200, after: { ...s, config } };
    }
    case "pause":
      return { method: "PUT", path: `${base}/pause`, ok: 202, after: { ...s, target: "PAUSED" } };
    case "resume":
      return { method: "PUT", path: `${base}/resume`, ok: 202, after: { ...s, target: "RUNNING" } };
    case "stop":
      return { method: "PUT", path: `${base}/stop`, ok: 204, after: { ...s, target: "STOPPED" } };
    case "offsets": {
      const position = Math.floor(rnd.random() * 1_000_000);
      const body = { offsets: [{ partition: { filename: s.config!.file }, offset: { position } }] };
      return { method: "PATCH", path: `${base}/offsets`, body, ok: 200, after: { ...s, position } };
    }
    case "reset":
      return { method: "DELETE", path: `${base}/offsets`, ok: 200, after: { ...s, position: undefined } };
    default:
      return {
        method: "DELETE",
        path: base,
        ok: 204,
        after: { ...s, exists: false, config: undefined, target: "RUNNING" },
      };
  }
}

/** One client's writes, one after the other, until the gateway dies (its request then fails). */
async function writeUntilKilled(
  gw: Gateway,
  c: Client,
  dir: string,
  topic: string,
  rnd: Prng,
  count: { acked: number },
) {
  for (;;) {
    const write = nextWrite(c, dir, topic, rnd);
    c.inFlight = write.after;
    c.inFlightWrite = `${write.method} ${write.path.replace(c.name, "{c}")}`;
    let status: number;
    try {
      status = (await send(gw, write.method, write.path, write.body)).status;
    } catch {
      return; // killed: the write may or may not have happened (inFlight says how it would leave things)
    }
    c.inFlight = undefined;
    if (status === write.ok) {
      c.state = write.after;
      count.acked++;
    } else if (status >= 500 || !(write.path.endsWith("/offsets") && status === 400)) {
      // Only a change of offsets may be refused (its connector's tasks not yet stopped); anything else is a finding.
      throw new Error(`${write.method} ${write.path} answered ${status} in state ${JSON.stringify(c.state)}`);
    }
  }
}

/** What the gateway says about `c` once it is up again. */
async function observed(gw: Gateway, c: Client): Promise<State> {
  const config = await send(gw, "GET", `/connectors/${c.name}/config`);
  const status = await send(gw, "GET", `/connectors/${c.name}/status`);
  let position: number | undefined;
  if (c.kind === "source") {
    const offsets = await send(gw, "GET", `/connectors/${c.name}/offsets`);
    if (offsets.status === 200) position = offsets.body.offsets[0]?.offset.position;
  }
  if (config.status === 404) return { exists: false, config: undefined, target: "RUNNING", position };
  return { exists: true, config: config.body, target: status.body.connector.state, position };
}

/** What may be observed: an absent connector shows no state (its offsets are kept, but not shown). */
function comparable(s: State, kind: "source" | "sink"): unknown {
  if (!s.exists) return { exists: false };
  return { ...s, position: kind === "source" ? s.position : undefined };
}

describe("config writes across kill -9", () => {
  test("every connector is as its last answered write left it, or as the write in flight would have; all settle", async () => {
    const seed = Number(process.env.KILL_WRITES_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const rnd = prng(seed);
    const kafka = await kafkaBroker();
    await using dir = await tempDir("config-writes-kill-");
    const topic = uniqueTopic("config-writes-kill");
    await createTopic(topic, 3);
    const options: GatewayOptions = {
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), "offset.flush.interval.ms": "200" },
    };
    // Names of this run only: a sink's group (connect-<name>) is on a broker other tests share.
    const run = topic.slice("config-writes-kill-".length);
    const clients: Client[] = ["s1", "s2", "s3", "s4", "k1", "k2"].map((name) => ({
      name: `${name}-${run}`,
      kind: name.startsWith("s") ? "source" : "sink",
      state: { exists: false, config: undefined, target: "RUNNING", position: undefined },
      inFlight: undefined,
      inFlightWrite: "",
      version: 0,
    }));
    let gw: Gateway | undefined;
    let passed = false;
    await using _cleanup = {
      [Symbol.asyncDispose]: async () => {
        if (!passed)
          console.error(
            `seed ${seed} (KILL_WRITES_SEED replays it); gateway log (tail):\n${gw?.output().slice(-6000)}`,
          );
        if (gw?.proc.exitCode === null) await gw.kill();
      },
    };
    // Per round: writes answered, writes in flight at the kill, and those of them that took effect.
    const rounds: { acked: number; inFlight: number; landed: string[] }[] = [];
    gw = await startGateway(options);
    for (let round = 0; round < 3; round++) {
      const count = { acked: 0 };
      const running = clients.map((c) => writeUntilKilled(gw!, c, dir.path, topic, rnd, count));
      await waitFor(() => count.acked >= 50, { timeoutMs: 45_000, what: "50 answered writes" });
      await gw.kill();
      await Promise.all(running);
      rounds.push({ acked: count.acked, inFlight: clients.filter((c) => c.inFlight).length, landed: [] });

      gw = await startGateway(options); // on the same data.dir; the next round writes to it
      for (const c of clients) {
        const candidates = [c.state, ...(c.inFlight ? [c.inFlight] : [])];
        const seen = await waitFor(
          async () => {
            const now = await observed(gw!, c);
            return candidates.some((s) => Bun.deepEquals(comparable(s, c.kind), comparable(now, c.kind)))
              ? now
              : undefined;
          },
          { timeoutMs: 30_000, what: `${c.name} in one of ${JSON.stringify(candidates)}` },
        ).catch(async (error) => {
          throw new Error(`${(error as Error).message}; seen ${JSON.stringify(await observed(gw!, c))}`);
        });
        const landed =
          c.inFlight !== undefined && !Bun.deepEquals(comparable(c.state, c.kind), comparable(seen, c.kind));
        if (landed) rounds.at(-1)!.landed.push(c.inFlightWrite);
        c.state = { ...seen, position: seen.exists && c.kind === "source" ? seen.position : c.state.position };
        c.inFlight = undefined;
        if (seen.exists) {
          await waitFor(() => convergence(gw!, { name: c.name, kind: c.kind } as ConnectorModel, seen.target), {
            timeoutMs: 30_000,
            what: `${c.name} settled in ${seen.target}`,
          });
        }
      }
    }
    console.log(`config writes across kill -9 (seed ${seed}): ${JSON.stringify(rounds)}`);
    expect(await gw!.stop()).toBe(0);
    passed = true;
  }, 150_000);
});
