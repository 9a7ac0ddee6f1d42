/**
 * What the seventh REST hunt asked a real Apache Kafka Connect 4.3.1 worker (test/fixtures/connect-rest:
 * hunt7-steps.ts sends them, `record.sh --hunt7` recorded Connect's answers into
 * hunt7-recordings.json): bodies with a byte order mark, comments, trailing commas, NaN and escaped
 * keys, config values of every JSON type, control characters in names, Content-Encoding, charset and
 * Accept quality parameters, repeated query parameters, encoded and matrix route segments, offsets of
 * extreme values and logger bodies. Compared as connect-rest-recorded.test.ts compares.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { withoutGatewayPlugins } from "./fixtures/connect-rest/apache-only.ts";
import { HUNT7_STEPS } from "./fixtures/connect-rest/hunt7-steps.ts";
import type { Recording } from "./fixtures/connect-rest/scenario.ts";
import { createTopic, REPO } from "./support/kafka.ts";
import { replayOnGateway } from "./support/recorded-replay.ts";
import { suiteGateway } from "./support/suite-gateway.ts";

const recordings: Recording[] = JSON.parse(
  readFileSync(join(REPO, "test/fixtures/connect-rest/hunt7-recordings.json"), "utf8"),
);

const suite = suiteGateway({ "offset.flush.interval.ms": "500" });
let answers: Map<string, Recording>;

beforeAll(async () => {
  // The sink steps read oracle-active-a, which existed on the broker Connect was recorded against.
  await createTopic("oracle-active-a");
  answers = await replayOnGateway(suite.gw.url, suite.dir.path, HUNT7_STEPS);
}, 180_000);

describe("the seventh REST hunt's requests, recorded from Apache Kafka Connect 4.3.1", () => {
  test("every step has its recording", () => {
    expect(recordings.map((r) => r.id).sort()).toEqual(HUNT7_STEPS.map((s) => s.id).sort());
  });

  test.each(recordings.map((r) => [r.id, r] as const))("%s", (id, recorded) => {
    const answer = answers.get(id)!;
    expect({ ...answer, body: withoutGatewayPlugins(answer.body) }).toEqual(recorded);
  });
});
