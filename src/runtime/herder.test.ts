import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import { inProcessWorker, SCRIPTED_SOURCE } from "./herder-test-support.ts";

describe("Herder", () => {
  describe("the ConnectorContext a connector gets", () => {
    test("carries a logger named for the connector class with [connector|worker], and the worker's clock", async () => {
      await using w = await inProcessWorker();
      await w.herder.putConnectorConfig(
        "ctx",
        { name: "ctx", "connector.class": SCRIPTED_SOURCE },
        { allowReplace: false },
      );
      const context = await waitFor(() => w.scripted.connectorContexts[0]);
      context.logger.info("hello from the connector");
      expect(w.logLines.at(-1)).toEndWith(`INFO [ctx|worker] hello from the connector (${SCRIPTED_SOURCE})`);
      expect(context.clock.now()).toBeGreaterThan(0);
    });
  });
});
