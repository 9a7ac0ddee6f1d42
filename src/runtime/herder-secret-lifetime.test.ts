/**
 * The log redaction's secrets live as long as what holds them: a validated config's while it is
 * validated, a connector's while it exists with that config. Before, every password ever submitted
 * (validate requests, replaced and deleted configs) stayed in the LogManager for the process's life,
 * and each log line was checked against all of them.
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import { inProcessWorker, SCRIPTED_SOURCE } from "./herder-test-support.ts";

const PASSWORD = "producer.override.ssl.key.password";

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
