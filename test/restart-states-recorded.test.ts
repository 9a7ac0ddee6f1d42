/**
 * Connector and task states around restarts, pauses and config updates answered as a real Apache
 * Kafka Connect 4.3.1 worker answered them (test/fixtures/connect-rest/restart-states.ts; recorded
 * into restart-states.json by record-restart-states.sh).
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { withoutGatewayPlugins } from "./fixtures/connect-rest/apache-only.ts";
import { RESTART_STATE_STEPS, RESTART_STATES_WORKER } from "./fixtures/connect-rest/restart-states.ts";
import type { Recording } from "./fixtures/connect-rest/scenario.ts";
import { REPO } from "./support/kafka.ts";
import { answersOfGateway } from "./support/recorded-replay.ts";

const recordings: Recording[] = JSON.parse(
  readFileSync(join(REPO, "test/fixtures/connect-rest/restart-states.json"), "utf8"),
);

const connectorRestarting = '"connector":{"state":"RESTARTING","worker_id":"{{worker}}","version":null}';
/** The gateway's connector whose restart found its secrets file gone: FAILED with the provider's message. */
const connectorFailed =
  '"connector":{"state":"FAILED","worker_id":"{{worker}}","version":null,"trace":' +
  '"org.apache.kafka.common.config.ConfigException: Could not read properties from file {{dir}}/gp.properties"}';

/** A value a provider resolved never shows in a trace (Connect's names it). */
const hiddenValue = (body: string) => body.replace("Invalid value abc ", "Invalid value [hidden] ");

/**
 * As test/config-providers-recorded.test.ts: a restart that cannot resolve the connector's config
 * FAILS it, with why (Connect leaves it RESTARTING without a word); a resolved value never shows.
 */
const DELIBERATE: Readonly<Record<string, (body: string) => string>> = {
  "gp-restarted": (body) => body.replace(connectorRestarting, connectorFailed),
  "cf-restarted": hiddenValue,
  "cf-paused": hiddenValue,
  "cf-resumed": hiddenValue,
};

/** The gateway's connector is RESTARTING for a moment before it is FAILED: the wait takes the state after. */
const GATEWAY_SETTLED: Readonly<Record<string, (a: { status: number; body: string }) => boolean>> = {
  "gp-restarted": (a) => a.status === 200 && JSON.parse(a.body).connector.state === "FAILED",
};

describe("connector and task states around restarts recorded from Apache Kafka Connect 4.3.1", () => {
  let answers: Map<string, Recording>;

  beforeAll(async () => {
    const steps = RESTART_STATE_STEPS.map((step) => {
      const until = GATEWAY_SETTLED[step.id];
      return until ? { ...step, until } : step;
    });
    const answered = await answersOfGateway(RESTART_STATES_WORKER, steps);
    answers = new Map([...answered].map(([id, a]) => [id, { ...a, body: withoutGatewayPlugins(a.body) }]));
  }, 120_000);

  test("every step was recorded", () => {
    expect(recordings.map((r) => r.id)).toEqual(RESTART_STATE_STEPS.map((s) => s.id));
  });

  test.each(recordings.map((r) => [r.id, r] as const))("%s", (id, recorded) => {
    const deliberate = DELIBERATE[id];
    expect(answers.get(id)).toEqual(deliberate ? { ...recorded, body: deliberate(recorded.body) } : recorded);
  });

  test("every deliberate difference changes its recording", () => {
    for (const [id, deliberate] of Object.entries(DELIBERATE)) {
      const recorded = recordings.find((r) => r.id === id);
      expect(recorded && deliberate(recorded.body)).not.toBe(recorded?.body);
    }
  });
});
