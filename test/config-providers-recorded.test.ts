/**
 * Config provider failures answered as a real Apache Kafka Connect 4.3.1 worker with the same
 * providers answered them (test/fixtures/connect-rest/config-providers.ts; recorded into
 * config-providers.json by record-config-providers.sh): a provider that fails (a file it cannot
 * read, a path the env provider does not take) is a 500 with the provider's own message (prefixed
 * with its exception class on validate), and a reference nothing resolves stays as written.
 * Regression: the gateway's 500 named the provider, path and keys before the provider's message.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { withoutGatewayPlugins } from "./fixtures/connect-rest/apache-only.ts";
import { PROVIDER_STEPS, PROVIDERS_WORKER } from "./fixtures/connect-rest/config-providers.ts";
import { type Recording, replay } from "./fixtures/connect-rest/scenario.ts";
import { type Gateway, startGateway } from "./support/gateway.ts";
import { kafkaBroker, REPO } from "./support/kafka.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";

const recordings: Recording[] = JSON.parse(
  readFileSync(join(REPO, "test/fixtures/connect-rest/config-providers.json"), "utf8"),
);

describe("config provider failures recorded from Apache Kafka Connect 4.3.1", () => {
  let dir: TempDir;
  let gw: Gateway;
  let answers: Map<string, Recording>;

  beforeAll(async () => {
    const kafka = await kafkaBroker();
    dir = await tempDir();
    gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), ...PROVIDERS_WORKER },
    });
    const answered = await replay(gw.url, { run: `g${Date.now().toString(36)}`, dir: dir.path }, PROVIDER_STEPS);
    answers = new Map(answered.map((a) => [a.id, { ...a, body: withoutGatewayPlugins(a.body) }]));
  }, 120_000);

  afterAll(async () => {
    await gw?.stop();
    await dir?.[Symbol.asyncDispose]();
  });

  test("every step was recorded", () => {
    expect(recordings.map((r) => r.id)).toEqual(PROVIDER_STEPS.map((s) => s.id));
  });

  test.each(recordings.map((r) => [r.id, r] as const))("%s", (id, recorded) => {
    expect(answers.get(id)).toEqual(recorded);
  });
});
