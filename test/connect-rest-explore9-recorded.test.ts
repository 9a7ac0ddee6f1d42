/**
 * What operator run explore9 found answered differently from a real Apache Kafka Connect 4.3.1
 * worker (test/fixtures/connect-rest: explore9-steps.ts sends them, `record.sh --explore9` recorded
 * Connect's answers into explore9-recordings.json): the internal task-config and fence endpoints,
 * which distributed Connect refuses without a valid signature (F6); the DLQ topic message listing
 * `topics` without its empty and repeated entries (F4); bodies starting with a control character,
 * or zero bytes (F5). Compared as connect-rest-recorded.test.ts compares.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { withoutGatewayPlugins } from "./fixtures/connect-rest/apache-only.ts";
import { EXPLORE9_STEPS } from "./fixtures/connect-rest/explore9-steps.ts";
import type { Recording } from "./fixtures/connect-rest/scenario.ts";
import { REPO } from "./support/kafka.ts";
import { replayOnGateway } from "./support/recorded-replay.ts";
import { suiteGateway } from "./support/suite-gateway.ts";

const recordings: Recording[] = JSON.parse(
  readFileSync(join(REPO, "test/fixtures/connect-rest/explore9-recordings.json"), "utf8"),
);

const suite = suiteGateway({});
let answers: Map<string, Recording>;

beforeAll(async () => {
  answers = await replayOnGateway(suite.gw.url, suite.dir.path, EXPLORE9_STEPS);
}, 180_000);

describe("explore9's requests, recorded from Apache Kafka Connect 4.3.1", () => {
  test("every step has its recording", () => {
    expect(recordings.map((r) => r.id).sort()).toEqual(EXPLORE9_STEPS.map((s) => s.id).sort());
  });

  test.each(recordings.map((r) => [r.id, r] as const))("%s", (id, recorded) => {
    const answer = answers.get(id)!;
    expect({ ...answer, body: withoutGatewayPlugins(answer.body) }).toEqual(recorded);
  });
});
