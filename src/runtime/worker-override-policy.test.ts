import { describe, expect, test } from "bun:test";
import type { Config } from "../api/connector.ts";
import { inProcessWorker, recording, SCRIPTED_SINK, SCRIPTED_SOURCE } from "./herder-test-support.ts";

const NONE = { "connector.client.config.override.policy": "None" };
const refused = (key: string, value: string) =>
  `Client Config Overrides not allowed [[${key},${value},[],[The 'None' policy does not allow '${key}' to be overridden in the connector configuration.],true]]`;

describe("Worker and connector.client.config.override.policy (a config stored under another policy)", () => {
  describe("a source connector with a refused producer.override.* key", () => {
    const config: Config = { "connector.class": SCRIPTED_SOURCE, name: "src", "producer.override.linger.ms": "10" };

    test("fails to start, as Connect's Worker building the connector's offset store", async () => {
      await using w = await inProcessWorker({ worker: NONE });
      const { listener, failed, started } = recording();
      expect(await w.worker.startConnector("src", config, "STARTED", listener, () => undefined)).toBeUndefined();
      expect(started).toEqual([]);
      expect(failed.map((e) => [(e as { javaClass: string }).javaClass, (e as Error).message])).toEqual([
        ["org.apache.kafka.connect.errors.ConnectException", refused("linger.ms", "10")],
      ]);
      expect(w.logLines.some((l) => l.includes("Failed to start connector src"))).toBe(true);
    });

    test("starts under All", async () => {
      await using w = await inProcessWorker();
      const { listener, failed } = recording();
      expect(await w.worker.startConnector("src", config, "STOPPED", listener, () => undefined)).toBeDefined();
      expect(failed).toEqual([]);
    });

    test("its offsets cannot be read, altered or reset: Connect's 500", async () => {
      await using w = await inProcessWorker({ worker: NONE });
      w.configs.putConfig("src", config, "STOPPED");
      const error = { status: 500, body: { error_code: 500, message: refused("linger.ms", "10") } };
      expect(await w.rest("GET", "/connectors/src/offsets")).toEqual(error);
      const offsets = { offsets: [{ partition: { file: "f" }, offset: { position: 5 } }] };
      expect(await w.rest("PATCH", "/connectors/src/offsets", offsets)).toEqual(error);
      expect(await w.rest("DELETE", "/connectors/src/offsets")).toEqual(error);
      // Connect's Worker builds the producer config before the try that logs a failed change.
      expect(w.logLines.filter((l) => l.includes("Failed to modify offsets"))).toEqual([]);
    });
  });

  test("a sink's offsets: the admin client's keys are checked before the consumer's, as Connect's Worker", async () => {
    await using w = await inProcessWorker({ worker: NONE });
    w.configs.putConfig(
      "snk",
      {
        "connector.class": SCRIPTED_SINK,
        name: "snk",
        topics: "in",
        "consumer.override.max.poll.records": "7",
        "admin.override.retries": "3",
      },
      "STOPPED",
    );
    const error = { status: 500, body: { error_code: 500, message: refused("retries", "3") } };
    expect(await w.rest("GET", "/connectors/snk/offsets")).toEqual(error);
    expect(await w.rest("DELETE", "/connectors/snk/offsets")).toEqual(error);
    const offsets = {
      offsets: [{ partition: { kafka_topic: "in", kafka_partition: 0 }, offset: { kafka_offset: 1 } }],
    };
    expect(await w.rest("PATCH", "/connectors/snk/offsets", offsets)).toEqual(error);
    // p3mix review: Connect's Worker builds the sink's admin config inside the try that logs a failed change.
    const logged = w.logLines.filter((l) => l.includes("Failed to modify offsets"));
    expect(logged.map((l) => [l.split(" ERROR ")[1]!.split("\n")[0], l.includes(refused("retries", "3"))])).toEqual([
      ["Failed to modify offsets for sink connector snk", true],
      ["Failed to modify offsets for sink connector snk", true],
    ]);
  });

  describe("checkClientOverrides", () => {
    const withOverride: Config = { "connector.class": SCRIPTED_SINK, "consumer.override.max.poll.records": "${x}" };
    const counting = () => {
      const calls: Config[] = [];
      return {
        calls,
        resolveConfig: async (c: Config) => {
          calls.push(c);
          return { ...c, "consumer.override.max.poll.records": "7" };
        },
      };
    };

    test("under All the config is not resolved: no key can be refused", async () => {
      const { calls, resolveConfig } = counting();
      await using w = await inProcessWorker({ resolveConfig });
      expect(await w.worker.checkClientOverrides(withOverride, ["admin", "consumer"])).toBeUndefined();
      await using lease = await w.worker.connectorAdmin(withOverride);
      expect(lease.admin).toBeDefined();
      expect(calls).toEqual([]);
    });

    test("under another policy the resolved values are checked (and shown in the refusal)", async () => {
      const { calls, resolveConfig } = counting();
      await using w = await inProcessWorker({ worker: NONE, resolveConfig });
      await expect(w.worker.checkClientOverrides(withOverride, ["consumer"])).rejects.toThrow(
        refused("max.poll.records", "7"),
      );
      expect(calls).toEqual([withOverride]);
    });

    test("without override keys of the checked types nothing is resolved", async () => {
      const { calls, resolveConfig } = counting();
      await using w = await inProcessWorker({ worker: NONE, resolveConfig });
      expect(await w.worker.checkClientOverrides(withOverride, ["producer", "admin"])).toBeUndefined();
      expect(calls).toEqual([]);
    });
  });
});
