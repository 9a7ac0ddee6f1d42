/**
 * The REST API's edges answered as a real Apache Kafka Connect 4.3.1 worker answered them
 * (test/fixtures/connect-rest: edge-steps.ts sends them, `record.sh --edge` recorded Connect's
 * answers into edge-recordings.json): odd connector names, query parameters, methods a route does
 * not allow, Content-Type and Accept variants, bodies Jackson refuses (trailing tokens, comments,
 * non-standard numbers, broken surrogate pairs), task ids Jersey converts, and the state endpoints
 * asked in each state and twice. Compared as connect-rest-recorded.test.ts compares.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { withoutGatewayPlugins } from "./fixtures/connect-rest/apache-only.ts";
import { EDGE_STEPS } from "./fixtures/connect-rest/edge-steps.ts";
import type { Recording } from "./fixtures/connect-rest/scenario.ts";
import { REPO } from "./support/kafka.ts";
import { replayOnGateway } from "./support/recorded-replay.ts";
import { suiteGateway } from "./support/suite-gateway.ts";

const recordings: Recording[] = JSON.parse(
  readFileSync(join(REPO, "test/fixtures/connect-rest/edge-recordings.json"), "utf8"),
);

const suite = suiteGateway({ "offset.flush.interval.ms": "500" });
let answers: Map<string, Recording>;

beforeAll(async () => {
  answers = await replayOnGateway(suite.gw.url, suite.dir.path, EDGE_STEPS);
}, 120_000);

describe("edge cases recorded from Apache Kafka Connect 4.3.1", () => {
  test("every step has its recording", () => {
    expect(recordings.map((r) => r.id).sort()).toEqual(EDGE_STEPS.map((s) => s.id).sort());
  });

  test.each(recordings.map((r) => [r.id, r] as const))("%s", (id, recorded) => {
    const answer = answers.get(id)!;
    expect({ ...answer, body: withoutGatewayPlugins(answer.body) }).toEqual(recorded);
  });
});
