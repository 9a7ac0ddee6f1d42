import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { Config } from "../api/connector.ts";
import { type InProcessWorker, inProcessWorker, SCRIPTED_SOURCE } from "./herder-test-support.ts";

const source = (extra: Config = {}): Config => ({ "connector.class": SCRIPTED_SOURCE, ...extra });
const BAD_ACKS =
  "org.apache.kafka.common.config.ConfigException: Invalid value banana for configuration acks: String must be one of: all, -1, 0, 1\n";

/** The connector's state and its tasks' states and traces, once its task 0 is in `state`. */
async function awaitTask0(w: InProcessWorker, name: string, state: string) {
  return waitFor(
    async () => {
      const { body } = await w.rest("GET", `/connectors/${name}/status`);
      return body?.tasks?.[0]?.state === state ? body : undefined;
    },
    { what: `${name}'s task 0 to be ${state}` },
  );
}

describe("buildTask", () => {
  describe("a source task's producer configuration is checked when the task is built (Connect's buildWorkerTask)", () => {
    test("invalid: the task FAILs with the client's message; its SourceTask never starts", async () => {
      await using w = await inProcessWorker();
      const created = await w.rest("POST", "/connectors", {
        name: "a",
        config: source({ "producer.override.acks": "banana" }),
      });
      expect(created.status).toBe(201);
      const status = await awaitTask0(w, "a", "FAILED");
      expect(status.connector.state).toBe("RUNNING");
      expect(status.tasks[0].trace).toStartWith(BAD_ACKS);
      expect(w.scripted.taskStarts).toBe(0);
    });

    test("invalid, for a task created PAUSED: FAILED, not PAUSED (Worker.startTask fails it whatever the target state)", async () => {
      await using w = await inProcessWorker();
      await w.rest("POST", "/connectors", { name: "a", config: source() });
      await awaitTask0(w, "a", "RUNNING");
      await w.rest("PUT", "/connectors/a/pause");
      await awaitTask0(w, "a", "PAUSED");
      // While paused, the new config restarts the task, created PAUSED.
      expect((await w.rest("PUT", "/connectors/a/config", source({ "producer.override.acks": "banana" }))).status).toBe(
        200,
      );
      const status = await awaitTask0(w, "a", "FAILED");
      expect(status.connector.state).toBe("PAUSED");
      expect(status.tasks[0].trace).toStartWith(BAD_ACKS);
      expect(w.scripted.taskStarts).toBe(1);
    });
  });
});
