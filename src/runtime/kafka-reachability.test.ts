import { describe, expect, test } from "bun:test";
import { kafkaBroker } from "../../test/support/kafka.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import { accessFailure } from "../kafka/access-errors.ts";
import { clusterIdAt } from "../kafka/cluster-id-at.ts";
import { PlatformaticPort } from "../kafka/platformatic/adapter.ts";
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
  brokers?: { bootstrap: string[]; lookupAt: (broker: string) => Promise<string> },
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

  const refused = () =>
    accessFailure("Failed to describe the Kafka cluster", "SASL_AUTHENTICATION_FAILED", "Authentication failed", null);

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

  test("a frozen listener first, the real broker second: connected through the broker, the frozen one named", async () => {
    const info = await kafkaBroker();
    await using frozen = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data: () => {} } });
    const bootstrap = [`127.0.0.1:${frozen.port}`, info.bootstrap];
    const kafka = new PlatformaticPort();
    const { lines, logs } = logLines();
    const reachability = new KafkaReachability({
      // The lookup's client over every bootstrap server, as the gateway's, its request.timeout.ms past the probe's time.
      lookup: () => clusterIdAt(kafka, {}, bootstrap.join(","), 6000),
      lookupAt: (broker) => clusterIdAt(kafka, {}, broker, 3000),
      bootstrap,
      log: logs.get("io.edgegateway.Gateway"),
      lookupTimeoutMs: 3000,
    });
    try {
      reachability.start();
      expect(await reachability.clusterId()).toBe(info.clusterId);
      await waitFor(() => lines.length === 2, { what: "the WARN naming the frozen listener" });
      expect(lines).toEqual([
        `INFO Connected to Kafka cluster ${info.clusterId} at ${bootstrap.join(",")} (io.edgegateway.Gateway)`,
        `WARN Kafka broker ${bootstrap[0]} of bootstrap.servers did not answer (no answer within 3000 ms); the cluster answered through the others (io.edgegateway.Gateway)`,
      ]);
    } finally {
      reachability.stop();
    }
  });
});
