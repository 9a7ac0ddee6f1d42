/**
 * The REST answers whose order hangs on Java's sizing of a `new HashMap<>(map)` copy, as a real
 * Apache Kafka Connect 4.3.1 worker on Java 25 answered them (test/fixtures/connect-rest:
 * hashmap-copy-steps.ts sends them, `record.sh --hashmap-copy` recorded Connect's answers into
 * hashmap-copy-recordings.json): PATCH …/config's answer, a source connector's offsets and the
 * client overrides a validation lists, each ordered otherwise by a worker on Java 17; and a
 * validation's null-valued keys for a connector that cannot be loaded, ordered as its validated
 * names on any JVM. Compared as connect-rest-recorded.test.ts compares.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { withoutGatewayPlugins } from "./fixtures/connect-rest/apache-only.ts";
import { HASHMAP_COPY_STEPS } from "./fixtures/connect-rest/hashmap-copy-steps.ts";
import type { Recording } from "./fixtures/connect-rest/scenario.ts";
import { REPO } from "./support/kafka.ts";
import { replayOnGateway } from "./support/recorded-replay.ts";
import { suiteGateway } from "./support/suite-gateway.ts";

const recordings: Recording[] = JSON.parse(
  readFileSync(join(REPO, "test/fixtures/connect-rest/hashmap-copy-recordings.json"), "utf8"),
);

const suite = suiteGateway({});
let answers: Map<string, Recording>;

beforeAll(async () => {
  answers = await replayOnGateway(suite.gw.url, suite.dir.path, HASHMAP_COPY_STEPS);
}, 120_000);

describe("answers ordered by a HashMap copy, recorded from Apache Kafka Connect 4.3.1 on Java 25", () => {
  test("every step has its recording", () => {
    expect(recordings.map((r) => r.id).sort()).toEqual(HASHMAP_COPY_STEPS.map((s) => s.id).sort());
  });

  test.each(recordings.map((r) => [r.id, r] as const))("%s", (id, recorded) => {
    const answer = answers.get(id)!;
    expect({ ...answer, body: withoutGatewayPlugins(answer.body) }).toEqual(recorded);
  });
});
