/**
 * What the sixth REST hunt asked a real Apache Kafka Connect 4.3.1 worker (test/fixtures/connect-rest:
 * hunt6-steps.ts sends them, `record.sh --hunt6` recorded Connect's answers into
 * hunt6-recordings.json): PUT-created connectors whose names need percent-encoding, `?expand`
 * combinations, config bodies that are not objects and values that are not strings, offsets bodies
 * of every shape in each connector state, the order source offsets are listed in, logger levels
 * and bodies, validation without or with an unknown class, bodies on routes that take none,
 * Content-Type and Accept variations. Compared as connect-rest-recorded.test.ts compares.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { withoutGatewayPlugins } from "./fixtures/connect-rest/apache-only.ts";
import { HUNT6_STEPS } from "./fixtures/connect-rest/hunt6-steps.ts";
import type { Recording } from "./fixtures/connect-rest/scenario.ts";
import { createTopic, REPO } from "./support/kafka.ts";
import { replayOnGateway } from "./support/recorded-replay.ts";
import { suiteGateway } from "./support/suite-gateway.ts";

const recordings: Recording[] = JSON.parse(
  readFileSync(join(REPO, "test/fixtures/connect-rest/hunt6-recordings.json"), "utf8"),
);

const suite = suiteGateway({ "offset.flush.interval.ms": "500" });
let answers: Map<string, Recording>;

beforeAll(async () => {
  // The sink steps read oracle-active-a, which existed on the broker Connect was recorded against.
  await createTopic("oracle-active-a");
  answers = await replayOnGateway(suite.gw.url, suite.dir.path, HUNT6_STEPS);
}, 180_000);

describe("the sixth REST hunt's requests, recorded from Apache Kafka Connect 4.3.1", () => {
  test("every step has its recording", () => {
    expect(recordings.map((r) => r.id).sort()).toEqual(HUNT6_STEPS.map((s) => s.id).sort());
  });

  test.each(recordings.map((r) => [r.id, r] as const))("%s", (id, recorded) => {
    const answer = answers.get(id)!;
    expect({ ...answer, body: withoutGatewayPlugins(answer.body) }).toEqual(recorded);
  });
});
