/**
 * A compose file moved from Confluent's Connect image keeps its logging variables:
 * `CONNECT_LOG4J_ROOT_LOGLEVEL` and `CONNECT_LOG4J_LOGGERS` set the levels `/admin/loggers` shows
 * and the gateway logs by, and are no unknown worker keys. Real gateway (GATEWAY_BIN), real broker.
 */
import { describe, expect, test } from "bun:test";
import { startGateway } from "./support/gateway.ts";
import { kafkaBroker } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";

describe("CONNECT_LOG4J_* from Confluent's images", () => {
  test("root level and loggers applied at start, without unknown-key warnings", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir("log4j-env");
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data") },
      env: {
        CONNECT_LOG4J_ROOT_LOGLEVEL: "WARN",
        CONNECT_LOG4J_LOGGERS: "io.edgegateway=INFO,org.reflections=ERROR",
      },
    });
    const loggers = (await gw.rest.get("/admin/loggers")).body as Record<
      string,
      { level: string; last_modified: number | null }
    >;
    expect(loggers.root).toEqual({ level: "WARN", last_modified: null });
    expect(loggers["org.reflections"]).toEqual({ level: "ERROR", last_modified: null });
    expect(loggers["io.edgegateway.Gateway"]?.level).toBe("INFO");
    expect(loggers["org.apache.kafka.connect.runtime.Herder"]?.level).toBe("WARN");
    expect(gw.output()).not.toContain("isn't a known config");
  });
});
