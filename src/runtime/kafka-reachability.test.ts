import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import { accessFailure } from "../kafka/access-errors.ts";
import { LogManager } from "../util/logger.ts";
import { KafkaReachability } from "./kafka-reachability.ts";

function harness(results: (string | Error)[], onRefused?: (error: unknown) => void) {
  const lines: string[] = [];
  const logs = new LogManager({ rootLevel: "INFO", sink: (l) => lines.push(l) });
  const timers: { run: () => void; ms: number; cancelled: boolean }[] = [];
  let calls = 0;
  const reachability = new KafkaReachability({
    lookup: async () => {
      const r = results[Math.min(calls++, results.length - 1)]!;
      if (r instanceof Error) throw r;
      return r;
    },
    bootstrap: "broker:9092",
    ...(onRefused ? { onRefused } : {}),
    log: logs.get("io.edgegateway.Gateway"),
    setTimer: (run, ms) => {
      const t = { run, ms, cancelled: false };
      timers.push(t);
      return { cancel: () => (t.cancelled = true) };
    },
  });
  const retries = () => timers.filter((t) => !t.cancelled && t.ms !== 5000);
  return { reachability, lines, retries, calls: () => calls };
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
