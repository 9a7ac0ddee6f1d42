/**
 * The provider values a connector and its tasks run with stay hidden from the logs for as long as
 * they run (the process's history of resolved values is bounded: util/resolved-secrets.ts), and
 * are released once they stopped.
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import { HIDDEN } from "../util/logger.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { ResolvedSecrets } from "../util/resolved-secrets.ts";
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

/** Resolves `${vault:token}` to `token` (remembered in `history`), and `${vault:slow}` once `gate` opens. */
function gatedVault(state: { history?: ResolvedSecrets; gate?: Promise<void>; reached?: boolean; token: string }) {
  const resolveConfig: ResolveConfig = async (config, onValue) => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(config)) {
      out[k] = v;
      if (v === "${vault:token}") {
        state.history?.remember("vault:token", state.token);
        onValue?.(state.token);
        out[k] = state.token;
      } else if (v === "${vault:slow}") {
        state.reached = true;
        await state.gate;
        out[k] = "slow";
      }
    }
    return out;
  };
  return resolveConfig;
}

describe("Worker and the values of connector code that has not returned", () => {
  test("a connector whose stop timed out keeps its values hidden until its stop returned", async () => {
    const state = { token: "stop-canary-token" };
    const clock = new ManualClock();
    await using w = await inProcessWorker({ resolveConfig: gatedVault(state), clock });
    let stopped = () => {};
    w.scripted.script = { taskConfigs: () => [], stop: () => new Promise<void>((resolve) => (stopped = resolve)) };
    const config = { "connector.class": SCRIPTED_SOURCE, "tasks.max": "1", "api.token": "${vault:token}" };
    expect((await w.rest("PUT", "/connectors/c/config", config)).status).toBe(201);
    await waitFor(() => w.scripted.connectorStarts === 1, { what: "the connector started" });
    const deleted = w.rest("DELETE", "/connectors/c");
    await waitFor(() => w.scripted.connectorStops === 1, { what: "the connector's stop called" });
    clock.advance(5000);
    expect((await deleted).status).toBe(204);
    expect(w.logLines.some((l) => l.includes("Connector 'c' failed to properly shut down"))).toBe(true);
    // Before: released as soon as the stop was abandoned, while its code still runs (and may log).
    expect(w.logs.redact("stop-canary-token")).toBe(HIDDEN);
    stopped();
    await waitFor(() => w.logs.secretCount === 0, { what: "the value released once the stop returned" });
  });

  test("a connector whose stop never returns does not hold up the worker's own stop; its values stay hidden", async () => {
    const state = { token: "never-canary-token" };
    const clock = new ManualClock();
    await using w = await inProcessWorker({ resolveConfig: gatedVault(state), clock });
    w.scripted.script = { taskConfigs: () => [], stop: () => new Promise<void>(() => {}) };
    const config = { "connector.class": SCRIPTED_SOURCE, "tasks.max": "1", "api.token": "${vault:token}" };
    expect((await w.rest("PUT", "/connectors/c/config", config)).status).toBe(201);
    await waitFor(() => w.scripted.connectorStarts === 1, { what: "the connector started" });
    const stopping = w.stop(); // SIGTERM's path: bounded by the stop timeout, not by the abandoned stop
    await waitFor(() => w.scripted.connectorStops === 1, { what: "the connector's stop called" });
    clock.advance(5000);
    await stopping;
    expect(w.logLines.some((l) => l.includes("Connector 'c' failed to properly shut down"))).toBe(true);
    expect(w.logs.redact("never-canary-token")).toBe(HIDDEN);
  });

  test("a connector deleted while its start runs keeps its values hidden until start and stop returned", async () => {
    const state = { token: "start-canary-token" };
    await using w = await inProcessWorker({ resolveConfig: gatedVault(state) });
    let started = () => {};
    w.scripted.script = { taskConfigs: () => [], start: () => new Promise<void>((resolve) => (started = resolve)) };
    const config = { "connector.class": SCRIPTED_SOURCE, "tasks.max": "1", "api.token": "${vault:token}" };
    expect((await w.rest("PUT", "/connectors/c/config", config)).status).toBe(201);
    await waitFor(() => w.scripted.connectorStarts === 1, { what: "the start began" });
    expect((await w.rest("DELETE", "/connectors/c")).status).toBe(204);
    await waitFor(() => !w.worker.connector("c"), { what: "the connector shut down" });
    expect(w.logs.redact("start-canary-token")).toBe(HIDDEN);
    started(); // its late start is followed by its stop
    await waitFor(() => w.scripted.connectorStops === 1, { what: "the late start stopped" });
    await waitFor(() => w.logs.secretCount === 0, { what: "the value released once start and stop returned" });
  });
});

describe("values resolved for one operation", () => {
  const config = {
    "connector.class": SCRIPTED_SOURCE,
    name: "c",
    "tasks.max": "1",
    "api.token": "${vault:token}",
    "slow.value": "${vault:slow}",
  };

  /** A worker whose history keeps one value per reference, and an operation paused on its slow value. */
  async function pausedOperation() {
    const state: Parameters<typeof gatedVault>[0] = { token: "operation-canary-token" };
    const w = await inProcessWorker({ resolveConfig: gatedVault(state) });
    state.history = new ResolvedSecrets(w.logs, { perReference: 1, references: 8 });
    const pause = (): (() => void) => {
      let open = () => {};
      state.gate = new Promise<void>((resolve) => (open = resolve));
      state.reached = false;
      return open;
    };
    return { w, state, pause };
  }

  /**
   * Connector c created with the token "connector-token" and stopped; then the token rotated to
   * "operation-canary-token" (the stopped connector holds the one it ran with).
   */
  async function stoppedThenRotated({ w, state }: Pick<Awaited<ReturnType<typeof pausedOperation>>, "w" | "state">) {
    state.token = "connector-token";
    expect((await w.rest("PUT", "/connectors/c/config", config)).status).toBe(201);
    expect((await w.rest("PUT", "/connectors/c/stop")).status).toBe(204);
    await waitFor(() => w.worker.runningTasks("c").length === 0, { what: "its task stopped" });
    state.token = "operation-canary-token";
  }

  test("a validation's resolved values stay hidden until it ends, even once the history forgot them", async () => {
    const { w, state, pause } = await pausedOperation();
    await using _ = w;
    const open = pause();
    const validated = w.rest("PUT", `/connector-plugins/${SCRIPTED_SOURCE}/config/validate`, config);
    await waitFor(() => state.reached === true, { what: "the validation resolving its slow value" });
    state.history!.remember("vault:token", "rotated-token"); // forgets the one the validation resolved
    // Before: only the bounded history held it.
    expect(w.logs.redact("operation-canary-token")).toBe(HIDDEN);
    open();
    expect((await validated).status).toBe(200);
    expect(w.logs.redact("operation-canary-token")).toBe("operation-canary-token");
  });

  test("an offsets read's resolved values stay hidden until it ends, even once the history forgot them", async () => {
    const { w, state, pause } = await pausedOperation();
    await using _ = w;
    await stoppedThenRotated({ w, state });
    const open = pause();
    const read = w.rest("GET", "/connectors/c/offsets");
    await waitFor(() => state.reached === true, { what: "the offsets read resolving its slow value" });
    state.history!.remember("vault:token", "rotated-token");
    expect(w.logs.redact("operation-canary-token")).toBe(HIDDEN);
    open();
    expect((await read).status).toBe(200);
    expect(w.logs.redact("operation-canary-token")).toBe("operation-canary-token");
  });

  test("an offsets change's resolved values stay hidden until it ends", async () => {
    const { w, state, pause } = await pausedOperation();
    await using _ = w;
    await stoppedThenRotated({ w, state });
    const open = pause();
    const offsets = [{ partition: { file: "a" }, offset: { position: 1 } }];
    const altered = w.rest("PATCH", "/connectors/c/offsets", { offsets });
    await waitFor(() => state.reached === true, { what: "the offsets change resolving its slow value" });
    state.history!.remember("vault:token", "rotated-token");
    expect(w.logs.redact("operation-canary-token")).toBe(HIDDEN);
    open();
    expect((await altered).status).toBe(200);
    expect(w.logs.redact("operation-canary-token")).toBe("operation-canary-token");
  });
});
