/**
 * Connector and task states around restarts, pauses and config updates answered as a real Apache
 * Kafka Connect 4.3.1 worker answered them (test/fixtures/connect-rest/restart-states.ts; recorded
 * into restart-states.json by record-scenario.sh).
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

/** A value a provider resolved never shows in a trace (Connect's names it). */
const hiddenValue = (body: string) => body.replace("Invalid value abc ", "Invalid value [hidden] ");

/** Not Connect's on purpose: a value a provider resolved never shows (as test/config-providers-recorded.test.ts). */
const DELIBERATE: Readonly<Record<string, (body: string) => string>> = {
  "cf-restarted": hiddenValue,
  "cf-paused": hiddenValue,
  "cf-resumed": hiddenValue,
};

describe("connector and task states around restarts recorded from Apache Kafka Connect 4.3.1", () => {
  let answers: Map<string, Recording>;

  beforeAll(async () => {
    const answered = await answersOfGateway(RESTART_STATES_WORKER, RESTART_STATE_STEPS, [
      "gp-restart",
      "gs-restart",
      // Its connector PAUSED again shows before the restart's last step (the tasks) has run.
      "gt-restart",
    ]);
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
