import { describe, expect, test } from "bun:test";
import { settled, waitFor } from "../../test/support/wait-for.ts";
import { RetriableError } from "../errors.ts";
import type { CallBound, KafkaAdmin, KafkaPort } from "../kafka/kafka-port.ts";
import { MemoryKafka } from "../kafka/memory-kafka.ts";
import { type Deferred, deferred } from "../util/async.ts";
import { Deadline } from "../util/deadline.ts";
import { LogManager } from "../util/logger.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { loadWorkerConfig } from "../worker-config.ts";
import { WorkerAdmin } from "./worker-admin.ts";

describe("WorkerAdmin", () => {
  test("the worker's admin.* keys without effect: one WARN when the shared client is first made, naming the keys only", async () => {
    const lines: string[] = [];
    const config = loadWorkerConfig({
      "bootstrap.servers": "localhost:9092",
      "admin.connections.max.idle.ms": "60000",
      "admin.retries": "7",
      "admin.request.timeout.ms": "20000",
      "reconnect.backoff.max.ms": "5000",
    });
    const admins = new WorkerAdmin({
      config,
      kafka: new MemoryKafka(),
      logs: new LogManager({ sink: (line) => lines.push(line) }),
      resolveConfig: async (c) => c,
    });
    await admins.shared();
    await admins.shared();
    const warnings = lines.filter((l) => l.includes("WARN"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      "The worker's admin client has Kafka client settings that have no effect in this gateway: connections.max.idle.ms, retries (see docs/client-keys.md)",
    );
    await admins.close();
  });

  // Review herdexec P2: an offsets request joining a connect the worker began without a deadline (the library's quick
  // tries) got its failure at once, although its own 90 s had hardly begun.
  test("a shared client's connect another caller began and gave up on is begun again within the caller's own time", async () => {
    const connects: (Deferred<KafkaAdmin> & { bound: CallBound | undefined })[] = [];
    const kafka = {
      admin: (_properties: unknown, bound?: CallBound) => {
        const connect = { ...deferred<KafkaAdmin>(), bound };
        connects.push(connect);
        return connect.promise;
      },
    } as unknown as KafkaPort;
    const admins = new WorkerAdmin({
      config: loadWorkerConfig({ "bootstrap.servers": "localhost:9092" }),
      kafka,
      logs: new LogManager({ sink: () => {} }),
      resolveConfig: async (c) => c,
    });
    const workers = admins.shared();
    const deadline = new Deadline(90_000);
    const offsets = admins.shared(deadline);
    expect(connects.map((c) => c.bound)).toEqual([undefined]);

    connects[0]!.reject(new RetriableError("Kafka not reached"));
    await expect(workers).rejects.toThrow("Kafka not reached");
    await waitFor(() => connects.length === 2);
    expect(connects[1]!.bound).toBe(deadline);
    const admin = await new MemoryKafka().admin();
    connects[1]!.resolve(admin);
    expect(await offsets).toBe(admin);
  });

  // Review herdexec-c P3-3: a caller joining another's connect waited for that connect's time (up to a request's 90 s),
  // whatever its own.
  test("a caller joining another's connect waits within its own time: its deadline's, or request.timeout.ms without one", async () => {
    const clock = new ManualClock();
    const kafka = { admin: () => new Promise<never>(() => {}) } as unknown as KafkaPort;
    const admins = new WorkerAdmin({
      config: loadWorkerConfig({ "bootstrap.servers": "localhost:9092", "request.timeout.ms": "20000" }),
      kafka,
      logs: new LogManager({ sink: () => {} }),
      resolveConfig: async (c) => c,
      clock,
    });
    let firstSettled = false;
    void admins.shared(new Deadline(90_000, undefined, clock)).finally(() => {
      firstSettled = true;
    });
    const joinedWithDeadline = admins.shared(new Deadline(10_000, undefined, clock)).catch((error: Error) => error);
    const joinedWithout = admins.shared().catch((error: Error) => error);
    await waitFor(() => clock.pending === 2);
    clock.advance(10_000);
    expect(await settled(joinedWithDeadline)).toEqual(
      new RetriableError("Failed to connect the admin client: not connected within 10000 ms"),
    );
    clock.advance(10_000);
    expect(await settled(joinedWithout)).toEqual(
      new RetriableError("Failed to connect the admin client: not connected within 20000 ms"),
    );
    expect(firstSettled).toBe(false);
  });
});
