import { beforeEach, describe, expect, test } from "bun:test";
import { kafkaBroker } from "../../test/support/kafka.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import { accessFailure } from "../kafka/access-errors.ts";
import { clusterIdAt } from "../kafka/cluster-id-at.ts";
import { PlatformaticPort } from "../kafka/platformatic/adapter.ts";
import { forgetUnresponsiveBrokers } from "../kafka/platformatic/unresponsive-brokers.ts";
import { LogManager } from "../util/logger.ts";
import { KafkaReachability } from "./kafka-reachability.ts";

/** Lines as logged, without their timestamp. */
const logLines = () => {
  const lines: string[] = [];
  return { lines, logs: new LogManager({ rootLevel: "INFO", sink: (l) => lines.push(l.replace(/^\[[^\]]*\] /, "")) }) };
};

function harness(
  results: (string | Error | Promise<string>)[],
  onRefused?: (error: unknown) => void,
  brokers?: { bootstrap: string[]; lookupAt: (broker: string, signal: AbortSignal) => Promise<string> },
) {
  const { lines, logs } = logLines();
  const timers: { run: () => void; ms: number; cancelled: boolean }[] = [];
  let calls = 0;
  const reachability = new KafkaReachability({
    lookup: async () => {
      const r = results[Math.min(calls++, results.length - 1)]!;
      if (r instanceof Error) throw r;
      return await r;
    },
    bootstrap: ["broker:9092"],
    ...brokers,
    ...(onRefused ? { onRefused } : {}),
    log: logs.get("io.edgegateway.Gateway"),
    setTimer: (run, ms) => {
      const t = { run, ms, cancelled: false };
      timers.push(t);
      return { cancel: () => (t.cancelled = true) };
    },
  });
  const retries = () => timers.filter((t) => !t.cancelled && t.ms !== 5000);
  const lookupTimeouts = () => timers.filter((t) => !t.cancelled && t.ms === 5000);
  return { reachability, lines, retries, lookupTimeouts, calls: () => calls };
}

const refused = () =>
  accessFailure("Failed to describe the Kafka cluster", "SASL_AUTHENTICATION_FAILED", "Authentication failed", null);

beforeEach(forgetUnresponsiveBrokers);

describe("KafkaReachability (issue 8 point 5)", () => {
  test("an unreachable broker is logged once, probed with backoff, and connected to when it appears", async () => {
    const h = harness([new Error("connect ECONNREFUSED"), new Error("connect ECONNREFUSED"), "cluster-1"]);
    h.reachability.start();
    expect(await h.reachability.clusterId()).toBeNull();
    expect(h.reachability.isReachable).toBe(false);
    expect(h.lines.filter((l) => l.includes("is not reachable"))).toHaveLength(1);
    expect(h.lines[0]).toContain("Kafka at broker:9092 is not reachable (connect ECONNREFUSED)");

    h.retries()[0]!.run();
    await waitFor(() => h.calls() === 2 && h.retries().length === 2);
    expect(h.retries().map((t) => t.ms)).toEqual([1000, 2000]);
    expect(h.lines.filter((l) => l.includes("is not reachable"))).toHaveLength(1);

    h.retries()[1]!.run();
    await waitFor(() => h.reachability.isReachable === true);
    expect(await h.reachability.clusterId()).toBe("cluster-1");
    expect(h.lines.at(-1)).toContain("Connected to Kafka cluster cluster-1 at broker:9092");
  });

  test("a reachable broker: the cluster id, no warning", async () => {
    const h = harness(["cluster-2"]);
    h.reachability.start();
    expect(await h.reachability.clusterId()).toBe("cluster-2");
    expect(h.lines.some((l) => l.includes("not reachable"))).toBe(false);
  });

  // Review p3boot c P3-3: the INFO was logged after stop().
  test("a lookup answered after stop(): no 'Connected' INFO", async () => {
    let answer: (id: string) => void = () => {};
    const h = harness([new Promise<string>((resolve) => (answer = resolve))]);
    h.reachability.start();
    h.reachability.stop();
    answer("cluster-3");
    expect(await h.reachability.clusterId()).toBeNull();
    expect(h.lines).toEqual([]);
  });

  test("credentials refused before the cluster was reached: onRefused, once, and no more probing", async () => {
    const seen: unknown[] = [];
    const h = harness([new Error("connect ECONNREFUSED"), refused()], (e) => seen.push(e));
    h.reachability.start();
    expect(await h.reachability.clusterId()).toBeNull();
    h.retries()[0]!.run();
    await waitFor(() => seen.length === 1);
    expect((seen[0] as Error).message).toBe("Failed to describe the Kafka cluster: Authentication failed");
    expect(h.retries()).toHaveLength(1);
  });

  test("credentials refused once the cluster was reached: an outage like any, probed again", async () => {
    const seen: unknown[] = [];
    const h = harness(["cluster-3", refused(), "cluster-3"], (e) => seen.push(e));
    h.reachability.start();
    expect(await h.reachability.clusterId()).toBe("cluster-3");
    // A later lookup (the next probe after a failure elsewhere) is refused: not fatal.
    await (h.reachability as unknown as { probe(): Promise<void> }).probe();
    expect(h.reachability.isReachable).toBe(false);
    expect(seen).toEqual([]);
    expect(h.retries()).toHaveLength(1);
  });
});

// explore33 F2: with the first bootstrap server frozen (it accepts connections, never answers) the lookup's client waited
// request.timeout.ms on it, so the gateway warned that Kafka at every bootstrap server was not reachable although the
// others answered, and logged "Connected" 30 s later.
describe("KafkaReachability with several bootstrap servers", () => {
  const pending = () => new Promise<string>(() => {});

  test("one answering broker is enough: connected at once, and each broker that did not answer is named", async () => {
    const answers: Record<string, () => Promise<string>> = {
      "frozen:9092": pending,
      "up:9092": async () => "cluster-4",
      "down:9092": async () => Promise.reject(new Error("connect ECONNREFUSED")),
    };
    const h = harness([pending()], undefined, {
      bootstrap: Object.keys(answers),
      lookupAt: (broker) => answers[broker]!(),
    });
    h.reachability.start();
    expect(await h.reachability.clusterId()).toBe("cluster-4");
    expect(h.lines).toEqual([
      "INFO Connected to Kafka cluster cluster-4 at frozen:9092,up:9092,down:9092 (io.edgegateway.Gateway)",
    ]);
    for (const t of h.lookupTimeouts()) t.run();
    await waitFor(() => h.lines.length === 3);
    expect(h.lines.slice(1)).toEqual([
      "WARN Kafka broker frozen:9092 of bootstrap.servers did not answer (no answer within 5000 ms); the cluster answered through the others (io.edgegateway.Gateway)",
      "WARN Kafka broker down:9092 of bootstrap.servers did not answer (connect ECONNREFUSED); the cluster answered through the others (io.edgegateway.Gateway)",
    ]);
    expect(h.reachability.isReachable).toBe(true);
  });

  test("no broker answering: the lookup's reason, once, as with one bootstrap server", async () => {
    const h = harness([new Error("connect ECONNREFUSED")], undefined, {
      bootstrap: ["a:9092", "b:9092"],
      lookupAt: async (broker) => Promise.reject(new Error(`${broker} refused`)),
    });
    h.reachability.start();
    expect(await h.reachability.clusterId()).toBeNull();
    expect(h.lines).toEqual([
      "WARN Kafka at a:9092,b:9092 is not reachable (connect ECONNREFUSED); the gateway keeps running, connectors wait, and it connects when the broker appears (io.edgegateway.Gateway)",
    ]);
    expect(h.retries().map((t) => t.ms)).toEqual([1000]);
  });

  test("a probe of one broker that gives up is aborted, and stop() aborts those still waiting", async () => {
    const signals = new Map<string, AbortSignal>();
    const h = harness([pending()], undefined, {
      bootstrap: ["frozen:9092", "up:9092", "late:9092"],
      lookupAt: (broker, signal) => {
        signals.set(broker, signal);
        return broker === "up:9092" ? Promise.resolve("cluster-5") : pending();
      },
    });
    h.reachability.start();
    expect(await h.reachability.clusterId()).toBe("cluster-5");
    expect([...signals.values()].map((s) => s.aborted)).toEqual([false, false, false]);
    // The frozen broker's probe gives up at its limit (the timers still running: the lookup's, frozen's, late's).
    h.lookupTimeouts()[1]!.run();
    expect(signals.get("frozen:9092")?.reason).toMatchObject({ message: "no answer within 5000 ms" });
    expect(signals.get("late:9092")?.aborted).toBe(false);
    h.reachability.stop();
    expect(signals.get("late:9092")?.reason).toMatchObject({ message: "the gateway stops" });
    expect(signals.get("up:9092")?.aborted).toBe(false);
  });

  // Review p3boot P3-4: the lookup's timeout was reported and probed again though a broker refused the worker's access.
  test("no broker answering, one refusing the worker's credentials: onRefused with that refusal", async () => {
    const seen: unknown[] = [];
    const h = harness([new Error("no answer within 5000 ms")], (e) => seen.push(e), {
      bootstrap: ["a:9092", "b:9092"],
      lookupAt: async (broker) => Promise.reject(broker === "b:9092" ? refused() : new Error("a refused")),
    });
    h.reachability.start();
    expect(await h.reachability.clusterId()).toBeNull();
    expect(seen).toEqual([refused()]);
    expect(h.lines).toEqual([]);
    expect(h.retries()).toEqual([]);
  });

  // Review p3boot P3-7: bootstrap.servers listing brokers of two clusters went unnoticed.
  test("brokers answering with different cluster ids: a WARN naming both, the lookup's id kept", async () => {
    const ids: Record<string, string> = { "a:9092": "cluster-a", "b:9092": "cluster-b", "c:9092": "cluster-a" };
    let answerLookup: (id: string) => void = () => {};
    const lookup = new Promise<string>((resolve) => (answerLookup = resolve));
    const h = harness([lookup], undefined, {
      bootstrap: Object.keys(ids),
      lookupAt: async (broker) => ids[broker]!,
    });
    h.reachability.start();
    expect(await h.reachability.clusterId()).toBe("cluster-a");
    answerLookup("cluster-b");
    await waitFor(() => h.lines.length === 3);
    // Review p3boot c P3-2: the INFO named cluster-a alone, the id not used.
    expect(h.lines).toEqual([
      "INFO Connected to Kafka cluster cluster-a at a:9092,b:9092,c:9092 (io.edgegateway.Gateway)",
      "WARN Kafka brokers a:9092 and b:9092 of bootstrap.servers answered with different cluster ids (cluster-a, cluster-b): bootstrap.servers lists brokers of different clusters; the gateway uses cluster cluster-b (io.edgegateway.Gateway)",
      "INFO Using Kafka cluster cluster-b at a:9092,b:9092,c:9092, not cluster-a (io.edgegateway.Gateway)",
    ]);
    expect(await h.reachability.clusterId()).toBe("cluster-b");
  });

  test("brokers answering with one cluster id: no WARN of cluster ids", async () => {
    const h = harness(["cluster-6"], undefined, {
      bootstrap: ["a:9092", "b:9092", "down:9092"],
      lookupAt: async (broker) => (broker === "down:9092" ? Promise.reject(new Error("refused")) : "cluster-6"),
    });
    h.reachability.start();
    expect(await h.reachability.clusterId()).toBe("cluster-6");
    // Logged in one go with the comparison of the ids: once it is seen, an ids WARN would be too.
    await waitFor(() => h.lines.length === 2);
    expect(h.lines).toEqual([
      "INFO Connected to Kafka cluster cluster-6 at a:9092,b:9092,down:9092 (io.edgegateway.Gateway)",
      "WARN Kafka broker down:9092 of bootstrap.servers did not answer (refused); the cluster answered through the others (io.edgegateway.Gateway)",
    ]);
  });

  /** A listener that accepts connections and never answers (a frozen broker), counting them and their closes. */
  function frozenListener() {
    const counts = { opened: 0, closed: 0 };
    const listener = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: { open: () => void counts.opened++, close: () => void counts.closed++, data: () => {} },
    });
    return {
      counts,
      at: `127.0.0.1:${listener.port}`,
      /** Its one connection, the probe's (no retries), closed. */
      probeClosed: async () => {
        await waitFor(() => counts.closed === 1, { what: "the probe's connection closed", timeoutMs: 10_000 });
        expect(counts).toEqual({ opened: 1, closed: 1 });
      },
      [Symbol.dispose]: () => listener.stop(true),
    };
  }

  /**
   * KafkaReachability over a frozen listener and the suite's broker, each probed on a client of its own, started and
   * connected (the lookup asks the broker alone: the frozen listener's connections are the probe's).
   */
  async function connectedPastFrozenListener(frozenAt: string, lookupTimeoutMs: number) {
    const info = await kafkaBroker();
    const bootstrap = [frozenAt, info.bootstrap];
    const kafka = new PlatformaticPort();
    const { lines, logs } = logLines();
    const reachability = new KafkaReachability({
      lookup: () => clusterIdAt(kafka, {}, info.bootstrap, lookupTimeoutMs),
      lookupAt: (broker, signal) => clusterIdAt(kafka, {}, broker, lookupTimeoutMs, signal),
      bootstrap,
      log: logs.get("io.edgegateway.Gateway"),
      lookupTimeoutMs,
    });
    reachability.start();
    expect(await reachability.clusterId()).toBe(info.clusterId);
    return { info, bootstrap, lines, reachability, [Symbol.dispose]: () => reachability.stop() };
  }

  test("a frozen listener first, the real broker second: connected through the broker, the frozen one named", async () => {
    using frozen = frozenListener();
    // Ample for the broker to answer on loaded cores; the frozen listener's probe times out in its client at 9.5 s.
    using probed = await connectedPastFrozenListener(frozen.at, 10_000);
    await waitFor(() => probed.lines.length === 2, { what: "the WARN naming the frozen listener" });
    // Its client's request timed out first: the broker is remembered by every client (review p3boot P3-2).
    expect(probed.lines).toEqual([
      `INFO Connected to Kafka cluster ${probed.info.clusterId} at ${probed.bootstrap.join(",")} (io.edgegateway.Gateway)`,
      `WARN Kafka broker ${frozen.at} of bootstrap.servers did not answer (Failed to connect the admin client: Request timed out); the cluster answered through the others (io.edgegateway.Gateway)`,
    ]);
    await frozen.probeClosed();
  });

  // Review p3boot P3-6: the probe's client lived on after stop(), its requests waiting and retried.
  test("stop() closes the client of a probe still waiting on a frozen listener", async () => {
    using frozen = frozenListener();
    // Long: the probe still waits when stop() comes, and would wait 29.5 s more.
    using probed = await connectedPastFrozenListener(frozen.at, 30_000);
    await waitFor(() => frozen.counts.opened === 1, { what: "the probe connected to the frozen listener" });
    probed.reachability.stop();
    await frozen.probeClosed();
    expect(probed.lines).toHaveLength(1);
  });
});
