/**
 * Signals to the compiled binary, as an operator sends them. SIGHUP (a closed terminal or SSH
 * session, `kill -HUP`) is a graceful stop like SIGTERM and SIGINT, as the JVM runs Connect's
 * shutdown hook on all three: the source task's offsets are committed before the exit (status 0).
 * `offset.flush.interval.ms` is far away here, so only the stop can have committed them.
 */
import { describe, expect, test } from "bun:test";
import { statSync, writeFileSync } from "node:fs";
import { startGateway } from "./support/gateway.ts";
import { kafkaBroker } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

describe("signals", () => {
  test("SIGHUP stops the gateway gracefully: offsets committed, exit 0", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir("signals-");
    const input = dir.file("in.txt");
    writeFileSync(input, Array.from({ length: 500 }, (_, i) => `line ${i}\n`).join(""));
    const worker = {
      "bootstrap.servers": kafka.bootstrap,
      "data.dir": dir.file("data"),
      "offset.flush.interval.ms": "3600000",
    };
    const topic = `signals-${crypto.randomUUID()}`;
    {
      await using gw = await startGateway({ dir: dir.path, worker });
      await gw.rest.post("/connectors", {
        name: "hup-in",
        config: {
          "connector.class": "FileStreamSource",
          file: input,
          topic,
          "value.converter": "org.apache.kafka.connect.storage.StringConverter",
        },
      });
      await waitFor(
        async () => {
          const text = await (await fetch(`${gw.url}/metrics`)).text();
          return /source_record_write_total\{connector="hup-in",task="0"\} 500\b/.test(text);
        },
        { what: "500 records written" },
      );
      gw.proc.kill("SIGHUP");
      expect(await gw.proc.exited).toBe(0);
      expect(gw.output()).toContain("Received SIGHUP, stopping the gateway");
      expect(gw.output()).toContain("Gateway stopped");
    }
    await using again = await startGateway({ dir: dir.path, worker });
    const offsets = await again.rest.get("/connectors/hup-in/offsets");
    expect(offsets.body.offsets).toEqual([
      { partition: { filename: input }, offset: { position: statSync(input).size } },
    ]);
  }, 90_000);
});
