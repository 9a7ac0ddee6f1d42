/**
 * The log redaction's secrets live as long as what holds them: a validated config's while it is
 * validated, a connector's while it exists with that config. Before, every password ever submitted
 * (validate requests, replaced and deleted configs) stayed in the LogManager for the process's life,
 * and each log line was checked against all of them.
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import { ConnectError } from "../errors.ts";
import { HIDDEN } from "../util/logger.ts";
import { inProcessWorker, SCRIPTED_SOURCE } from "./herder-test-support.ts";
import type { ResolveConfig } from "./resolved-values.ts";

const PASSWORD = "producer.override.ssl.key.password";

/** Resolves `${vault:a}` to "q7" and `${vault:b}` to "z9": values too short for the logs to hold. */
const shortVault: ResolveConfig = async (config, onValue) => {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) {
    const value = v === "${vault:a}" ? "q7" : v === "${vault:b}" ? "z9" : v;
    if (value !== v) onValue?.(value);
    out[k] = value;
  }
  return out;
};

describe("secrets hidden from the logs", () => {
  test("a validated config's secrets are forgotten after the validation", async () => {
    await using w = await inProcessWorker();
    const baseline = w.logs.secretCount;
    for (let i = 0; i < 50; i++) {
      const r = await w.rest("PUT", `/connector-plugins/${SCRIPTED_SOURCE}/config/validate`, {
        "connector.class": SCRIPTED_SOURCE,
        [PASSWORD]: `validated-secret-${i}`,
      });
      expect(r.status).toBe(200);
    }
    expect(w.logs.redact("validated-secret-7")).toBe("validated-secret-7");
    expect(w.logs.secretCount).toBe(baseline);
  });

  test("a connector's secrets are hidden while it has them, forgotten once replaced or deleted", async () => {
    await using w = await inProcessWorker();
    const baseline = w.logs.secretCount;
    for (let i = 0; i < 20; i++) {
      const name = `c${i}`;
      const config = { "connector.class": SCRIPTED_SOURCE, [PASSWORD]: `first-secret-${i}` };
      expect((await w.rest("PUT", `/connectors/${name}/config`, config)).status).toBe(201);
      expect(w.logs.redact(`x first-secret-${i} y`)).toBe("x [hidden] y");
      const rotated = { ...config, [PASSWORD]: `rotated-secret-${i}` };
      expect((await w.rest("PUT", `/connectors/${name}/config`, rotated)).status).toBe(200);
      expect(w.logs.redact(`rotated-secret-${i}`)).toBe("[hidden]");
      expect(w.logs.redact(`first-secret-${i}`)).toBe(`first-secret-${i}`);
      expect((await w.rest("DELETE", `/connectors/${name}`)).status).toBe(204);
      expect(w.logs.redact(`rotated-secret-${i}`)).toBe(`rotated-secret-${i}`);
    }
    expect(w.logs.secretCount).toBe(baseline);
  });

  test("a task a stop abandoned still runs with the old config: its secrets stay hidden until it ends", async () => {
    await using w = await inProcessWorker({ worker: { "task.shutdown.graceful.timeout.ms": "50" } });
    const gate = Promise.withResolvers<null>();
    let polling = false;
    // A poll that ignores the stop: the task is abandoned at the next config change.
    w.scripted.script.poll = () => {
      polling = true;
      return gate.promise;
    };
    const config = { "connector.class": SCRIPTED_SOURCE, [PASSWORD]: "old-secret" };
    expect((await w.rest("PUT", "/connectors/c/config", config)).status).toBe(201);
    await waitFor(() => polling, { what: "the task polling" });
    w.scripted.script.poll = undefined;
    expect((await w.rest("PUT", "/connectors/c/config", { ...config, [PASSWORD]: "new-secret" })).status).toBe(200);
    expect(w.logLines.some((l) => l.includes("was abandoned"))).toBe(true);
    expect(w.logs.redact("old-secret")).toBe("[hidden]");
    expect(w.logs.redact("new-secret")).toBe("[hidden]");
    gate.resolve(null);
    await waitFor(() => w.logs.redact("old-secret") === "old-secret", { what: "the old secret released" });
    expect(w.logs.redact("new-secret")).toBe("[hidden]");
  });

  test("tasks a config update keeps running while the new instance starts: the old secrets stay hidden until they stop", async () => {
    await using w = await inProcessWorker();
    const config = { "connector.class": SCRIPTED_SOURCE, [PASSWORD]: "old-secret" };
    expect((await w.rest("PUT", "/connectors/c/config", config)).status).toBe(201);
    await waitFor(() => w.scripted.taskStarts === 1, { what: "the task running" });
    const gate = Promise.withResolvers<void>();
    w.scripted.script.start = () => gate.promise;
    expect((await w.rest("PUT", "/connectors/c/config", { ...config, [PASSWORD]: "new-secret" })).status).toBe(200);
    expect(w.worker.runningTasks("c").length).toBe(1);
    expect(w.logs.redact("old-secret")).toBe("[hidden]");
    gate.resolve();
    await waitFor(() => w.scripted.taskStops === 1, { what: "the old task stopped" });
    await waitFor(() => w.logs.redact("old-secret") === "old-secret", { what: "the old secret released" });
    expect(w.logs.redact("new-secret")).toBe("[hidden]");
  });

  // Config A, B during B's slow start, then A again: the tasks go on running with A (their task
  // configs were made from it), so A's secrets stay hidden; B's are released once B's instance has
  // returned. Before, B's stayed hidden for as long as the tasks on A ran.
  test("a config changed back while the new instance starts: the tasks' secrets stay hidden, the dropped config's are released", async () => {
    await using w = await inProcessWorker({ worker: { "task.shutdown.graceful.timeout.ms": "50" } });
    const config = { "connector.class": SCRIPTED_SOURCE, [PASSWORD]: "first-secret" };
    expect((await w.rest("PUT", "/connectors/c/config", config)).status).toBe(201);
    await waitFor(() => w.scripted.taskStarts === 1, { what: "the task running" });
    const gate = Promise.withResolvers<void>();
    w.scripted.script.start = () => gate.promise;
    expect((await w.rest("PUT", "/connectors/c/config", { ...config, [PASSWORD]: "dropped-secret" })).status).toBe(200);
    w.scripted.script.start = undefined;
    expect((await w.rest("PUT", "/connectors/c/config", config)).status).toBe(200);
    await waitFor(() => w.scripted.connectorStarts === 3, { what: "the connector started on the first config again" });
    expect(w.logs.redact("dropped-secret")).toBe("[hidden]");
    gate.resolve();
    await waitFor(() => w.logs.redact("dropped-secret") === "dropped-secret", { what: "the dropped secret released" });
    expect(w.logs.redact("first-secret")).toBe("[hidden]");
    expect([w.scripted.taskStarts, w.scripted.taskStops, w.worker.runningTasks("c").length]).toEqual([1, 0, 1]);
  });

  // Config A, then B while B's instance starts slowly: the task still runs with A, so a value A
  // resolved (short ones too, which the logs do not hold) stays hidden in its FAILED trace.
  // Before, the trace hid only B's values from then on.
  test("a task running with the previous config while the new instance starts: its trace hides the previous config's values", async () => {
    await using w = await inProcessWorker({ resolveConfig: shortVault });
    const config = { "connector.class": SCRIPTED_SOURCE, "api.pin": "${vault:a}" };
    expect((await w.rest("PUT", "/connectors/c/config", config)).status).toBe(201);
    await waitFor(() => w.scripted.taskStarts === 1, { what: "the task running" });
    const gate = Promise.withResolvers<void>();
    w.scripted.script.start = () => gate.promise;
    expect((await w.rest("PUT", "/connectors/c/config", { ...config, "api.pin": "${vault:b}" })).status).toBe(200);
    w.scripted.script.poll = async () => {
      throw new ConnectError("pin q7 refused");
    };
    const trace = await waitFor(async () => {
      const status = (await w.rest("GET", "/connectors/c/status")).body;
      return status.tasks[0]?.state === "FAILED" && (status.tasks[0].trace as string);
    });
    expect(trace.split("\n")[0]).toBe("org.apache.kafka.connect.errors.ConnectException: pin [hidden] refused");
    gate.resolve();
  });

  // A task config may hold a reference its connector's config does not (a PAUSED connector's config
  // updated: its task configs are generated again only at the resume; restart-states' gt-* steps).
  // Before, its trace hid only the connector config's values: a short one showed.
  test("a value only the task's own config resolved is hidden from its trace, short too", async () => {
    await using w = await inProcessWorker({
      resolveConfig: shortVault,
      script: {
        taskConfigs: () => [{ pin: "${vault:a}" }],
        taskStart: (config) => {
          throw new ConnectError(`pin ${config.pin} refused`);
        },
      },
    });
    expect((await w.rest("PUT", "/connectors/c/config", { "connector.class": SCRIPTED_SOURCE })).status).toBe(201);
    const trace = await waitFor(async () => {
      const status = (await w.rest("GET", "/connectors/c/status")).body;
      return status.tasks[0]?.state === "FAILED" && (status.tasks[0].trace as string);
    });
    expect(trace.split("\n")[0]).toBe("org.apache.kafka.connect.errors.ConnectException: pin [hidden] refused");
  });

  test("a secret two connectors share stays hidden until both are gone", async () => {
    await using w = await inProcessWorker();
    const config = { "connector.class": SCRIPTED_SOURCE, [PASSWORD]: "shared-secret" };
    await w.rest("PUT", "/connectors/a/config", config);
    await w.rest("PUT", "/connectors/b/config", config);
    await w.rest("DELETE", "/connectors/a");
    expect(w.logs.redact("shared-secret")).toBe("[hidden]");
    await w.rest("DELETE", "/connectors/b");
    expect(w.logs.redact("shared-secret")).toBe("shared-secret");
  });
});

describe("secrets of a connector one of whose instances never returns", () => {
  // Review finding (review23): every later config of the connector waited for all its abandoned code
  // to end before its secrets were released, the never-returning stop too: one more hold each change.
  test("its own config's secrets stay hidden; the later configs' are released as they are replaced", async () => {
    let resolutions = 0;
    const resolveConfig: ResolveConfig = async (config, onValue) => {
      const token = `provider-canary-${++resolutions}x`;
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(config)) {
        if (v === "${vault:token}") onValue?.(token);
        out[k] = v === "${vault:token}" ? token : v;
      }
      return out;
    };
    await using w = await inProcessWorker({ resolveConfig, worker: { "task.shutdown.graceful.timeout.ms": "50" } });
    let stops = 0;
    const seen: string[] = [];
    // The first instance's stop never returns; the later ones' do.
    w.scripted.script = {
      start: (c) => void seen.push(c["api.token"]!),
      taskConfigs: () => [],
      stop: () => (++stops === 1 ? new Promise<void>(() => {}) : undefined),
    };
    const config = (i: number) => ({
      "connector.class": SCRIPTED_SOURCE,
      "tasks.max": "1",
      "api.token": "${vault:token}",
      [PASSWORD]: `password-canary-${i}x`,
    });
    expect((await w.rest("PUT", "/connectors/c/config", config(0))).status).toBe(201);
    await waitFor(() => w.scripted.connectorStarts === 1, { what: "the connector started" });
    for (let i = 1; i <= 20; i++) {
      expect((await w.rest("PUT", "/connectors/c/config", config(i))).status).toBe(200);
      await waitFor(() => w.scripted.connectorStarts === i + 1, { what: `the connector's start ${i + 1}` });
    }
    // What the never-returning instance runs with stays hidden (the safe side).
    expect(w.logs.redact("password-canary-0x")).toBe(HIDDEN);
    expect(w.logs.redact(seen[0]!)).toBe(HIDDEN);
    expect(w.logs.redact("password-canary-20x")).toBe(HIDDEN);
    // The configs in between, whose instances returned, are forgotten.
    await waitFor(() => w.logs.redact("password-canary-19x") === "password-canary-19x", {
      what: "the replaced configs' secrets released",
    });
    for (let i = 1; i < 20; i++) expect(w.logs.redact(`password-canary-${i}x`)).toBe(`password-canary-${i}x`);
    expect(seen.length).toBe(21);
    for (const value of seen.slice(1, -1)) expect(w.logs.redact(value)).toBe(value);
    expect(w.logs.redact(seen[20]!)).toBe(HIDDEN);
    // The first config's two values, the last one's (letters, digits and `-`: each its one form),
    // and the stored reference of its token key as it is and percent-encoded in a URL's path and
    // by encodeURIComponent.
    const reference = ["${vault:token}", "$%7Bvault:token%7D", "%24%7Bvault%3Atoken%7D"];
    for (const form of reference) expect(w.logs.redact(form)).toBe(HIDDEN);
    expect(w.logs.secretCount).toBe(4 + reference.length);
  });
});
