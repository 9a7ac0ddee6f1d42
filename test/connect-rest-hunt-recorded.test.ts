/**
 * What the connecthunt asked a real Apache Kafka Connect 4.3.1 worker (test/fixtures/connect-rest:
 * hunt-steps.ts sends them, `record.sh --hunt` recorded Connect's answers into hunt-recordings.json):
 * the offsets API of source and sink connectors in each state, tasks.max edits and restart plans of
 * a running, failed and stopped sink, a connector that fails to start being stopped, active topics
 * reset while running and recorded again, logger scopes, and validation of errors.*, converter,
 * transforms and predicates keys. Compared as connect-rest-recorded.test.ts compares.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { withoutGatewayPlugins } from "./fixtures/connect-rest/apache-only.ts";
import { HUNT_STEPS } from "./fixtures/connect-rest/hunt-steps.ts";
import type { Recording } from "./fixtures/connect-rest/scenario.ts";
import { createTopic, REPO } from "./support/kafka.ts";
import { replayOnGateway } from "./support/recorded-replay.ts";
import { suiteGateway } from "./support/suite-gateway.ts";

const recordings: Recording[] = JSON.parse(
  readFileSync(join(REPO, "test/fixtures/connect-rest/hunt-recordings.json"), "utf8"),
);

const suite = suiteGateway({ "offset.flush.interval.ms": "500" });
let answers: Map<string, Recording>;

beforeAll(async () => {
  // The sink offsets steps alter a partition of oracle-active-a, which existed on the broker Connect
  // was recorded against: on a fresh broker nothing may have made it yet (the steps' sink reads it
  // first, and a consumer does not create topics here), and the alter would fail for want of it.
  await createTopic("oracle-active-a");
  answers = await replayOnGateway(suite.gw.url, suite.dir.path, HUNT_STEPS);
}, 180_000);

describe("the connecthunt's requests, recorded from Apache Kafka Connect 4.3.1", () => {
  test("every step has its recording", () => {
    expect(recordings.map((r) => r.id).sort()).toEqual(HUNT_STEPS.map((s) => s.id).sort());
  });

  test.each(recordings.map((r) => [r.id, r] as const))("%s", (id, recorded) => {
    const answer = answers.get(id)!;
    expect({ ...answer, body: withoutGatewayPlugins(answer.body) }).toEqual(recorded);
  });
});
