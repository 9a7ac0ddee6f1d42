/**
 * Issue 8 point 1 and 9: the gateway answers the recorded requests exactly as a real Apache Kafka
 * Connect 4.3.1 worker did (test/fixtures/connect-rest: scenario.ts sends them, record.sh recorded
 * Connect's answers into recordings.json). Status, Content-Type, Location and body text are
 * compared after the same normalization (worker address, run id, scratch directory, cluster id).
 * Two things are not Connect's on purpose and are taken out of the gateway's answers before the
 * comparison: the connectors the gateway adds (HTTP source, ingest, …) in plugin lists and in the
 * unknown-class message. Requests Connect's HTTP server (Jetty) refuses or takes literally before a
 * resource sees them (lower-case and unknown methods, control characters, dot segments, ambiguous
 * or illegal paths, malformed fields and bodies) are among the recordings: the gateway's own
 * HTTP/1.1 front end (src/rest/http1/) answers them the same.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { withoutGatewayPlugins } from "./fixtures/connect-rest/apache-only.ts";
import type { Recording } from "./fixtures/connect-rest/scenario.ts";
import { REPO } from "./support/kafka.ts";
import { replayOnGateway } from "./support/recorded-replay.ts";
import { suiteGateway } from "./support/suite-gateway.ts";

const recordings: Recording[] = JSON.parse(
  readFileSync(join(REPO, "test/fixtures/connect-rest/recordings.json"), "utf8"),
);

const suite = suiteGateway({ "offset.flush.interval.ms": "500" });
let answers: Map<string, Recording>;

beforeAll(async () => {
  answers = await replayOnGateway(suite.gw.url, suite.dir.path);
}, 120_000);

/** The gateway's answer with only Apache's own plugins (the recordings come from Apache's set). */
function apacheOnly(answer: Recording): Recording {
  return { ...answer, body: withoutGatewayPlugins(answer.body) };
}

describe("answers recorded from Apache Kafka Connect 4.3.1", () => {
  test.each(recordings.map((r) => [r.id, r] as const))("%s", (id, recorded) => {
    expect(apacheOnly(answers.get(id)!)).toEqual(recorded);
  });
});
