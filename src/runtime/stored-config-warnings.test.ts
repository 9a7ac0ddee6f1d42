/**
 * A connector descriptor's validation-only rules (`validationOnly`): validation (create, PUT,
 * PUT …/config/validate) refuses what they find; a stored config that breaks one (stored before
 * the rule existed) starts anyway, with one WARN per problem naming the connector and the key.
 */
import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait-for.ts";
import type { Config } from "../api/connector.ts";
import { ConfigError } from "../errors.ts";
import type { ConfigProblem, SourceConnectorDescriptor } from "../plugin/descriptor.ts";
import { type InProcessWorker, inProcessWorker, recording, Scripted, scriptedPlugins } from "./herder-test-support.ts";

const UPGRADED = "test.UpgradedSourceConnector";

/** A scripted source whose validation-only rule the test sets (as an upgrade would add it). */
function upgradedSource(): { descriptor: SourceConnectorDescriptor; rule: { check?: (c: Config) => ConfigProblem[] } } {
  const rule: { check?: (c: Config) => ConfigProblem[] } = {};
  const [source] = scriptedPlugins(new Scripted());
  const descriptor: SourceConnectorDescriptor = {
    ...source,
    className: UPGRADED,
    validationOnly: (c) => rule.check?.(c) ?? [],
  };
  return { descriptor, rule };
}

const topicRule = (c: Config): ConfigProblem[] =>
  c.topic === "old" ? [{ key: "topic", message: "topic must not be old any more" }] : [];

async function connectorState(w: InProcessWorker, name: string): Promise<string | undefined> {
  return (await w.rest("GET", `/connectors/${name}/status`)).body?.connector?.state;
}

const warnings = (w: InProcessWorker) => w.logLines.filter((line) => line.includes(" WARN "));

describe("a descriptor's validation-only rules", () => {
  test("validation refuses what they find, with Connect's 400 on create and the problem on its key", async () => {
    const { descriptor, rule } = upgradedSource();
    rule.check = topicRule;
    await using w = await inProcessWorker({ plugins: [descriptor] });
    const config = { "connector.class": UPGRADED, topic: "old" };
    const created = await w.rest("POST", "/connectors", { name: "c", config });
    expect(created.status).toBe(400);
    expect(created.body.message).toBe(
      "Connector configuration is invalid and contains the following 1 error(s):\n" +
        "topic must not be old any more\n" +
        "You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`",
    );
    const validated = await w.rest("PUT", `/connector-plugins/${UPGRADED}/config/validate`, { ...config, name: "c" });
    expect(validated.body.error_count).toBe(1);
    const topic = validated.body.configs.find((c: { value: { name: string } }) => c.value.name === "topic");
    expect(topic.value.errors).toEqual(["topic must not be old any more"]);
  });

  test("a validate() problem on a key a validation-only rule already faults is not added (one explanation per value)", async () => {
    const { descriptor, rule } = upgradedSource();
    rule.check = topicRule;
    const both = { ...descriptor, validate: () => [{ key: "topic", message: "topic is wrong in another way" }] };
    await using w = await inProcessWorker({ plugins: [both] });
    const validated = await w.rest("PUT", `/connector-plugins/${UPGRADED}/config/validate`, {
      "connector.class": UPGRADED,
      name: "c",
      topic: "old",
    });
    expect(validated.body.error_count).toBe(1);
  });

  test("a stored config that breaks one (an upgrade added the rule) starts RUNNING, with one WARN naming the connector and the key", async () => {
    const { descriptor, rule } = upgradedSource();
    await using w = await inProcessWorker({ plugins: [descriptor] });
    const config = { "connector.class": UPGRADED, topic: "old" };
    expect((await w.rest("POST", "/connectors", { name: "c", config })).status).toBe(201);
    await waitFor(async () => (await connectorState(w, "c")) === "RUNNING", { what: "c RUNNING" });
    expect(warnings(w)).toEqual([]);

    rule.check = topicRule; // the upgrade: the stored config now breaks the rule
    expect((await w.rest("POST", "/connectors/c/restart")).status).toBe(204);
    await waitFor(async () => warnings(w).length > 0 && (await connectorState(w, "c")) === "RUNNING", {
      what: "c RUNNING again, with the WARN",
    });
    expect(warnings(w)).toEqual([
      expect.stringContaining(
        "WARN [c|worker] Connector c: topic runs as before, though validation now refuses it: topic must not be old any more",
      ),
    ]);
    // Updating it is validated, so refused until the value is fixed.
    expect((await w.rest("PUT", "/connectors/c/config", config)).status).toBe(400);
    expect((await w.rest("PUT", "/connectors/c/config", { ...config, topic: "new" })).status).toBe(200);
  });

  // Leftover (session 11): the WARN came again on every resume from PAUSED. An operator reads it as
  // "this connector started with a config validation now refuses": once per start of the connector
  // with that config (a restart, a new config, a worker start), not once per pause/resume.
  test("the WARN is logged once per start of the connector, not again on each resume from PAUSED", async () => {
    const { descriptor, rule } = upgradedSource();
    rule.check = topicRule;
    await using w = await inProcessWorker({ plugins: [descriptor] });
    const { listener, started, failed } = recording();
    await w.worker.startConnector("c", { "connector.class": UPGRADED, topic: "old" }, "STARTED", listener, () => {});
    const connector = w.worker.connector("c")!;
    for (let i = 0; i < 2; i++) {
      await connector.transitionTo("PAUSED");
      await connector.transitionTo("STARTED");
    }
    expect({ started, failed }).toEqual({ started: ["c"], failed: [] });
    expect(warnings(w)).toEqual([expect.stringContaining("Connector c: topic runs as before")]);
    await w.worker.stopConnector("c");
    await w.worker.startConnector("c", { "connector.class": UPGRADED, topic: "old" }, "STARTED", listener, () => {});
    expect(warnings(w)).toHaveLength(2);
    await w.worker.stopConnector("c");
  });

  test("a rule that cannot read the config leaves it to the connector's start: a per-key error without a WARN, anything else with one", async () => {
    const { descriptor, rule } = upgradedSource();
    await using w = await inProcessWorker({ plugins: [descriptor] });
    const { listener, started, failed } = recording();
    rule.check = () => {
      throw new ConfigError("Invalid value x for configuration topic");
    };
    await w.worker.startConnector("a", { "connector.class": UPGRADED }, "STARTED", listener, () => {});
    expect(warnings(w)).toEqual([]);
    rule.check = () => {
      throw new TypeError("a bug in the rule");
    };
    await w.worker.startConnector("b", { "connector.class": UPGRADED }, "STARTED", listener, () => {});
    expect(warnings(w)).toEqual([
      expect.stringContaining(
        "Connector b: its stored config could not be checked against the rules validation applies",
      ),
    ]);
    expect({ started, failed }).toEqual({ started: ["a", "b"], failed: [] });
    await w.worker.stopConnector("a");
    await w.worker.stopConnector("b");
  });
});

describe("the built-in connectors' validation-only rules", () => {
  /** An HTTP source stored with `extra` starts, logging exactly the one WARN `warning` begins with. */
  async function startsWithWarning(extra: Record<string, string>, warning: string): Promise<void> {
    await using w = await inProcessWorker();
    const { listener, started, failed } = recording();
    const config = {
      "connector.class": "HttpSource",
      name: "src",
      "http.url": "http://127.0.0.1:9/events",
      "kafka.topic": "t",
      ...extra,
    };
    await w.worker.startConnector("src", config, "STARTED", listener, () => {});
    expect({ started, failed }).toEqual({ started: ["src"], failed: [] });
    expect(warnings(w)).toEqual([expect.stringContaining(warning)]);
    await w.worker.stopConnector("src");
  }

  test("HttpSource: a stored cron expression Quartz refuses but croner runs starts, with the WARN", async () => {
    await startsWithWarning(
      { "http.timer.type": "cron", "http.timer.cron.expression": "*/5 * * * *" },
      "WARN [src|worker] Connector src: http.timer.cron.expression runs as before, though validation now refuses it: Invalid cron expression: A Quartz cron expression has 6 or 7 fields",
    );
  });

  // srctime-d P2: earlier releases read `europe/madrid` (Intl, case-insensitively); castorm's ZoneId.of refuses it.
  test("HttpSource: a stored parser zone Java refuses starts, with a WARN saying it is read as before and naming Java's spelling", async () => {
    await startsWithWarning(
      { "http.response.record.timestamp.parser.zone": "europe/madrid" },
      "WARN [src|worker] Connector src: http.response.record.timestamp.parser.zone is read as before, the other timestamp parser keys with it, though validation now refuses it: Unknown time-zone ID: europe/madrid (IDs are case-sensitive: Europe/Madrid)",
    );
  });

  // explore11 F3: the WARN said a stored 0 "runs as before" (back to back); it runs as 1 ms.
  test("HttpSource: a stored retry backoff of 0 starts, with a WARN saying it runs as 1 ms", async () => {
    await startsWithWarning(
      { "http.retry.backoff.ms": "0" },
      "WARN [src|worker] Connector src: http.retry.backoff.ms runs as 1 ms, though validation now refuses it: Invalid value 0 for configuration http.retry.backoff.ms: Value must be at least 1",
    );
  });
});
