import { describe, expect, test } from "bun:test";
import { MemoryKafka } from "../kafka/memory-kafka.ts";
import { LogManager } from "../util/logger.ts";
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
});
