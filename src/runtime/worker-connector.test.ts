import { describe, expect, test } from "bun:test";
import type { Config, SourceConnector, SourceConnectorContext } from "../api/connector.ts";
import type { ConnectorDescriptor } from "../plugin/descriptor.ts";
import { systemClock } from "../util/clock.ts";
import { getLogger } from "../util/logger.ts";
import { type ConnectorStatusListener, WorkerConnector } from "./worker-connector.ts";

/** A connector that records the calls it gets. */
function recording(withAnnounce: boolean) {
  const calls: string[] = [];
  const connector: SourceConnector = {
    start: () => {
      calls.push("start");
    },
    taskConfigs: () => [],
    stop: () => {
      calls.push("stop");
    },
    ...(withAnnounce ? { announcePaused: (config: Config) => void calls.push(`announcePaused ${config.name}`) } : {}),
  };
  const descriptor = {
    type: "source",
    className: "Recording",
    create: () => connector,
  } as unknown as ConnectorDescriptor;
  const states: string[] = [];
  const listener: ConnectorStatusListener = {
    onStartup: () => states.push("RUNNING"),
    onPause: () => states.push("PAUSED"),
    onResume: () => states.push("RUNNING"),
    onStop: () => states.push("STOPPED"),
    onFailure: () => states.push("FAILED"),
  };
  const wc = new WorkerConnector(
    "c",
    descriptor,
    { name: "c" },
    listener,
    {} as SourceConnectorContext,
    getLogger("test"),
    { clock: systemClock, startTimeoutMs: 1000, stopTimeoutMs: 1000, onStarted: () => {} },
  );
  return { wc, calls, states };
}

describe("WorkerConnector", () => {
  describe("PAUSED without having started (created PAUSED, or PAUSED when the worker starts)", () => {
    test("is not started, as in Connect, but told it is paused; stop() follows on delete", async () => {
      const { wc, calls, states } = recording(true);
      await wc.transitionTo("PAUSED");
      await wc.shutdown();
      expect({ calls, states }).toEqual({ calls: ["announcePaused c", "stop"], states: ["PAUSED"] });
    });

    test("resumed: started (no stop before), stopped once on delete", async () => {
      const { wc, calls, states } = recording(true);
      await wc.transitionTo("PAUSED");
      await wc.transitionTo("STARTED");
      await wc.shutdown();
      expect({ calls, states }).toEqual({
        calls: ["announcePaused c", "start", "stop"],
        states: ["PAUSED", "RUNNING"],
      });
    });

    test("STOPPED, then PAUSED again: stopped, then told it is paused again", async () => {
      const { wc, calls, states } = recording(true);
      await wc.transitionTo("PAUSED");
      await wc.transitionTo("STOPPED");
      await wc.transitionTo("PAUSED");
      expect({ calls, states }).toEqual({
        calls: ["announcePaused c", "stop", "announcePaused c"],
        states: ["PAUSED", "STOPPED", "PAUSED"],
      });
    });

    test("a connector without announcePaused is neither started nor stopped", async () => {
      const { wc, calls, states } = recording(false);
      await wc.transitionTo("PAUSED");
      await wc.shutdown();
      expect({ calls, states }).toEqual({ calls: [], states: ["PAUSED"] });
    });

    test("paused after running: stopped once, not told (it started)", async () => {
      const { wc, calls } = recording(true);
      await wc.transitionTo("STARTED");
      await wc.transitionTo("PAUSED");
      await wc.shutdown();
      expect(calls).toEqual(["start", "stop"]);
    });
  });
});
