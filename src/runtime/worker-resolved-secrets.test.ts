/**
 * The provider values a connector and its tasks run with stay hidden from the logs for as long as
 * they run (the process's history of resolved values is bounded: util/resolved-secrets.ts), and
 * are released once they stopped.
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import { HIDDEN } from "../util/logger.ts";
import { inProcessWorker, SCRIPTED_SOURCE } from "./herder-test-support.ts";
import type { ResolveConfig } from "./resolved-values.ts";

describe("Worker and resolved provider values", () => {
  test("a running connector's and task's values stay hidden after the token rotated, until they stop", async () => {
    let token = "rotating-token-1";
    const resolveConfig: ResolveConfig = async (config, onValue) => {
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(config)) {
        if (v.includes("${vault:token}")) onValue?.(token);
        out[k] = v.replaceAll("${vault:token}", token);
      }
      return out;
    };
    await using w = await inProcessWorker({ resolveConfig });
    const config = { "connector.class": SCRIPTED_SOURCE, "tasks.max": "1", "api.token": "${vault:token}" };
    expect((await w.rest("PUT", "/connectors/c/config", config)).status).toBe(201);
    await waitFor(() => w.scripted.taskStarts === 1, { what: "the task started" });
    token = "rotating-token-2"; // rotated: what runs still has the first value
    expect(w.logs.redact("rotating-token-1")).toBe(HIDDEN);
    expect((await w.rest("DELETE", "/connectors/c")).status).toBe(204);
    await waitFor(() => w.logs.redact("rotating-token-1") === "rotating-token-1", {
      what: "the value released once the connector and its task stopped",
    });
    expect(w.logs.secretCount).toBe(0);
  });

  test("a task's values stay hidden while it runs, also a value its connector does not hold", async () => {
    // Each resolution sees a new value (a token rotating every time it is read).
    let resolutions = 0;
    const resolveConfig: ResolveConfig = async (config, onValue) => {
      const token = `rotating-token-${++resolutions}`;
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(config)) {
        if (v.includes("${vault:token}")) onValue?.(token);
        out[k] = v.replaceAll("${vault:token}", token);
      }
      return out;
    };
    await using w = await inProcessWorker({ resolveConfig });
    const seen: { connector?: string; task?: string } = {};
    w.scripted.script = {
      start: (c) => {
        seen.connector = c["api.token"];
      },
      taskConfigs: () => [{ "api.token": "${vault:token}" }],
      taskStart: (c) => {
        seen.task = c["api.token"];
      },
    };
    const config = { "connector.class": SCRIPTED_SOURCE, "tasks.max": "1", "api.token": "${vault:token}" };
    expect((await w.rest("PUT", "/connectors/c/config", config)).status).toBe(201);
    await waitFor(() => w.scripted.taskStarts === 1, { what: "the task started" });
    expect(seen.task).not.toBe(seen.connector);
    // Before: the task's hold was released as soon as it was built (whenFinished read before start).
    expect(w.logs.redact(`connector ${seen.connector} task ${seen.task}`)).toBe(`connector ${HIDDEN} task ${HIDDEN}`);
    expect((await w.rest("DELETE", "/connectors/c")).status).toBe(204);
    await waitFor(() => w.logs.secretCount === 0, { what: "the values released once the connector and task stopped" });
  });
});
