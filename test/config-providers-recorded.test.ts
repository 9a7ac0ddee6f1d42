/**
 * Config provider failures answered as a real Apache Kafka Connect 4.3.1 worker with the same
 * providers answered them (test/fixtures/connect-rest/config-providers.ts; recorded into
 * config-providers.json by record-config-providers.sh): a provider that fails (a file it cannot
 * read, a path the env provider does not take) is a 500 with the provider's own message (prefixed
 * with its exception class on validate), and a reference nothing resolves stays as written.
 * Regression: the gateway's 500 named the provider, path and keys before the provider's message.
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

describe("config provider failures recorded from Apache Kafka Connect 4.3.1", () => {
  let answers: Map<string, Recording>;

  beforeAll(async () => {
    const answered = await answersOfGateway(PROVIDERS_WORKER, PROVIDER_STEPS);
    answers = new Map([...answered].map(([id, a]) => [id, { ...a, body: withoutGatewayPlugins(a.body) }]));
  }, 120_000);

  test("every step was recorded", () => {
    expect(recordings.map((r) => r.id)).toEqual(PROVIDER_STEPS.map((s) => s.id));
  });

  test.each(recordings.map((r) => [r.id, r] as const))("%s", (id, recorded) => {
    expect(answers.get(id)).toEqual(recorded);
  });
});
