/**
 * Config provider failures answered as a real Apache Kafka Connect 4.3.1 worker with the same
 * providers answered them (test/fixtures/connect-rest/config-providers.ts; recorded into
 * config-providers.json by record-scenario.sh): a provider that fails (a file it cannot
 * read, a path the env provider does not take) is a 500 with the provider's own message (prefixed
 * with its exception class on validate), and a reference nothing resolves stays as written.
 * References that resolve: GET config, the connector's info and its task configs show them as
 * written. A restart while a secrets file is gone: a task restart fails with the provider's message
 * and leaves the running task alone; a connector restart fails with that message too; a resume
 * keeps the connector and its task RUNNING (its task configs are asked for again after a backoff);
 * a restart with its tasks answers the plan (202, RESTARTING) and leaves the connector and its tasks
 * RESTARTING, version null, not started, until a restart once the file is back runs them.
 * Regressions: the gateway's 500 named the provider, path and keys before the provider's message;
 * a task restart stopped the running task before it found its secrets file gone (FAILED, "Failed
 * to start task"); a connector restart answered "Failed to start connector"; a resume FAILED the
 * connector; a restart with its tasks FAILED them (and their status read kept the version of a
 * RESTARTING one, which Connect writes without). A `connector.class` given by reference runs the class it resolves
 * to, and its offsets are read and changed (diffhunt11: the gateway's connector FAILED, its offsets answered 500).
 *
 * Not Connect's on purpose (DELIBERATE): a resolved value never shows in an answer (Connect's
 * validation echoes it), and a connector whose restart (without its tasks) cannot resolve its
 * config is FAILED with the provider's message as its trace (Connect leaves it UNASSIGNED without a
 * word of why; after a restart with its tasks both leave it RESTARTING). Regression (restart with
 * its tasks): the gateway's connector was FAILED where Connect's stays RESTARTING.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { withoutGatewayPlugins } from "./fixtures/connect-rest/apache-only.ts";
import { PROVIDER_STEPS, PROVIDERS_WORKER } from "./fixtures/connect-rest/config-providers.ts";
import type { Recording } from "./fixtures/connect-rest/scenario.ts";
import { REPO } from "./support/kafka.ts";
import { answersOfGateway } from "./support/recorded-replay.ts";

const recordings: Recording[] = JSON.parse(
  readFileSync(join(REPO, "test/fixtures/connect-rest/config-providers.json"), "utf8"),
);

const DELIBERATE: Readonly<Record<string, (body: string) => string>> = {
  "file-invalid-value-create": (body) => body.replace("Invalid value abc ", "Invalid value [hidden] "),
  "file-invalid-value-validate": (body) => body.replace("Invalid value abc ", "Invalid value [hidden] "),
  "dir-resolves-validate": (body) =>
    body.replace('{"name":"batch.size","value":"5"', '{"name":"batch.size","value":"${dir:{{dir}}/secrets-dir:batch}"'),
  "gone-connector-restarted": (body) =>
    body.replace(
      // Connect's version of an UNASSIGNED connector is null or its last one, from run to run.
      /"connector":\{"state":"UNASSIGNED","worker_id":"\{\{worker\}\}","version":(null|"4\.3\.1")\}/,
      '"connector":{"state":"FAILED","worker_id":"{{worker}}","version":null,"trace":' +
        '"org.apache.kafka.common.config.ConfigException: Could not read properties from file {{dir}}/gone.properties"}',
    ),
};

describe("config provider failures recorded from Apache Kafka Connect 4.3.1", () => {
  let answers: Map<string, Recording>;

  beforeAll(async () => {
    const answered = await answersOfGateway(PROVIDERS_WORKER, PROVIDER_STEPS, ["gone-all-restart"]);
    answers = new Map([...answered].map(([id, a]) => [id, { ...a, body: withoutGatewayPlugins(a.body) }]));
  }, 120_000);

  test("every step was recorded", () => {
    expect(recordings.map((r) => r.id)).toEqual(PROVIDER_STEPS.map((s) => s.id));
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
