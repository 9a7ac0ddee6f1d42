/**
 * connector.client.config.override.policy answers as a real Apache Kafka Connect 4.3.1 worker gave
 * them (test/fixtures/connect-rest/override-policy.ts: one worker per policy, named by alias, simple
 * class name or class name; record-override-policy.sh recorded override-policy.json). For each run a
 * gateway with the same policy answers the same requests: the override entries of config validation
 * (their definitions, parsed values and the policy's errors, only for the clients the connector
 * uses), the 400 refusing a create or update with a key the policy does not allow, the 500 of a
 * value that does not parse, and creates the policy allows. Compared after scenario.ts's normalization.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type PolicyRecordings, RUNS } from "./fixtures/connect-rest/override-policy.ts";
import { type Recording, replay } from "./fixtures/connect-rest/scenario.ts";
import { type Gateway, startGateway } from "./support/gateway.ts";
import { kafkaBroker, REPO } from "./support/kafka.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";

const recordings: PolicyRecordings = JSON.parse(
  readFileSync(join(REPO, "test/fixtures/connect-rest/override-policy.json"), "utf8"),
);

describe.each(RUNS.map((run) => [run.id, run] as const))("policy run %s", (id, run) => {
  let dir: TempDir;
  let gw: Gateway;
  let answers: Map<string, Recording>;

  beforeAll(async () => {
    const kafka = await kafkaBroker();
    dir = await tempDir();
    gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), ...run.worker },
    });
    const answered = await replay(gw.url, { run: `g${Date.now().toString(36)}`, dir: dir.path }, run.steps);
    answers = new Map(answered.map((a) => [a.id, a]));
  }, 120_000);

  afterAll(async () => {
    await gw?.stop();
    await dir?.[Symbol.asyncDispose]();
  });

  test("every step was recorded", () => {
    expect((recordings[id] ?? []).map((r) => r.id)).toEqual(run.steps.map((s) => s.id));
  });

  test.each((recordings[id] ?? []).map((r) => [r.id, r] as const))("%s", (_step, recorded) => {
    expect(answers.get(recorded.id)).toEqual(recorded);
  });
});
