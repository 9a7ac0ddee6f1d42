/**
 * An uncaught exception or unhandled rejection in the running gateway (compiled binary when
 * GATEWAY_BIN is set): one ERROR line through the logger (so secrets resolved from config providers
 * are masked in it), then exit status 70 for a supervisor to restart it; not Bun's own crash report on stderr.
 * The failure is planted by a preloaded file (test/fixtures/uncaught-errors/preload.ts) on SIGUSR2.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { startGateway } from "./support/gateway.ts";
import { kafkaBroker, saslWorker } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";

const PASSWORD = "gateway-secret";
const PRELOAD = join(import.meta.dir, "fixtures", "uncaught-errors", "preload.ts");

describe("an uncaught failure in the running gateway", () => {
  test.each([
    ["exception", "Uncaught exception"],
    ["rejection", "Unhandled promise rejection"],
  ])("an uncaught %s is logged at ERROR without secrets and exits 70", async (kind, what) => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir("uncaught-errors-");
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        ...saslWorker(kafka, "${env:GATEWAY_KAFKA_PASSWORD}"),
        "config.providers": "env",
        "config.providers.env.class": "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
        "data.dir": dir.file("data"),
      },
      env: { BUN_OPTIONS: `--preload ${PRELOAD}`, PLANTED_FAILURE: kind, GATEWAY_KAFKA_PASSWORD: PASSWORD },
    });
    await gw.waitForOutput(/Gateway started/);
    gw.proc.kill("SIGUSR2");
    expect(await gw.proc.exited).toBe(70);
    expect(await gw.stop()).toBe(70); // and the output is read to its end
    const output = gw.output();
    expect(output).toContain(
      `ERROR ${what}: the gateway exits (status 70) so that its supervisor restarts it; acknowledged data is on disk and is delivered after the restart\nError: planted failure near password [hidden]\n`,
    );
    expect(output.trimEnd()).toEndWith("(io.edgegateway.Gateway)");
    expect(output).not.toContain(PASSWORD);
    expect(output).not.toContain("Bun v");
  });
});
