/**
 * connector.client.config.override.policy answers as a real Apache Kafka Connect 4.3.1 worker gave
 * them (test/fixtures/connect-rest/override-policy.ts: one worker per policy, named by alias, simple
 * class name or class name; record-override-policy.sh recorded override-policy.json). For each run a
 * gateway with the same policy answers the same requests: the override entries of config validation
 * (their definitions, parsed values and the policy's errors, only for the clients the connector
 * uses), the 400 refusing a create or update with a key the policy does not allow, the 500 of a
 * value that does not parse, and creates the policy allows. Compared after scenario.ts's normalization.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type PolicyRecordings, RUNS } from "./fixtures/connect-rest/override-policy.ts";
import type { Recording } from "./fixtures/connect-rest/scenario.ts";
import { REPO } from "./support/kafka.ts";
import { answersOfGateway } from "./support/recorded-replay.ts";

const recordings: PolicyRecordings = JSON.parse(
  readFileSync(join(REPO, "test/fixtures/connect-rest/override-policy.json"), "utf8"),
);

describe.each(RUNS.map((run) => [run.id, run] as const))("policy run %s", (id, run) => {
  let answers: Map<string, Recording>;

  beforeAll(async () => {
    answers = await answersOfGateway(run.worker, run.steps);
  }, 120_000);

  test("every step was recorded", () => {
    expect((recordings[id] ?? []).map((r) => r.id)).toEqual(run.steps.map((s) => s.id));
  });

  test.each((recordings[id] ?? []).map((r) => [r.id, r] as const))("%s", (_step, recorded) => {
    expect(answers.get(recorded.id)).toEqual(recorded);
  });
});
