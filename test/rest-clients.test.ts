/**
 * Real third-party Kafka Connect REST clients against the gateway: kafka-connect-py (the
 * KafkaConnect class and its `kc` CLI) and kafka-connect-api (Cluster/Connector/Task objects), from
 * PyPI at the versions pinned in test/fixtures/rest-clients/requirements.txt (install.sh caches
 * them under ~/.cache/edge-gateway). Each client's driver runs the same operations (create, get,
 * list with expand, update, validate, task and connector restarts with includeTasks/onlyFailed,
 * pause/resume/stop, topics, plugins, loggers, delete, and their errors) against the gateway, and
 * what the client returned or raised must equal what it got from Apache Kafka Connect 4.3.1
 * (test/fixtures/rest-clients/<client>.json; regenerate with test/fixtures/rest-clients/record.sh).
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CLIENT_DIR, CLIENTS, type ClientStep, installClients, runClient } from "./fixtures/rest-clients/clients.ts";
import { suiteGateway } from "./support/suite-gateway.ts";

const suite = suiteGateway({ "offset.flush.interval.ms": "500" });
const seen = new Map<string, ClientStep[]>();

beforeAll(async () => {
  const installed = await installClients();
  for (const client of CLIENTS) seen.set(client, await runClient(installed, client, suite.gw.url, suite.dir.path));
}, 600_000);

for (const client of CLIENTS) {
  const recorded: ClientStep[] = JSON.parse(readFileSync(join(CLIENT_DIR, `${client}.json`), "utf8"));
  describe(`${client} sees what it sees from Apache Kafka Connect 4.3.1`, () => {
    test("the same steps", () => {
      expect(seen.get(client)!.map((s) => s.id)).toEqual(recorded.map((s) => s.id));
    });
    test.each(recorded.map((r) => [r.id, r] as const))("%s", (id, expected) => {
      expect(seen.get(client)!.find((s) => s.id === id)).toEqual(expected);
    });
  });
}
