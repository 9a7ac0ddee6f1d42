/**
 * clusterIdAt, KafkaReachability's probe of one bootstrap server, with each client: one try whatever the admin settings'
 * `retries` (no effect on admin clients, not validated for them: an admin client failed to connect when not a count), no
 * connection left open once the probe failed or was stopped (kafkajs' connect kept a frozen broker's, one per probe, and
 * went on after a stop). The frozen broker here closes a connection the client half-closed; that kafkajs' are destroyed,
 * not half-closed, is closable-sockets.test.ts'.
 */
import { beforeEach, describe, expect, test } from "bun:test";
import { kafkaBroker } from "../../test/support/kafka.ts";
import { recordingBroker } from "../../test/support/recording-broker.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import { LogManager } from "../util/logger.ts";
import { clusterIdAt } from "./cluster-id-at.ts";
import type { KafkaPort } from "./kafka-port.ts";
import { KafkajsPort } from "./kafkajs/adapter.ts";
import { forgetUnresponsiveKafkajsBrokers } from "./kafkajs/unresponsive-brokers.ts";
import { PlatformaticPort } from "./platformatic/adapter.ts";
import { forgetUnresponsiveBrokers } from "./platformatic/unresponsive-brokers.ts";

const quiet = new LogManager({ sink: () => {} });
const clients: [string, () => KafkaPort][] = [
  ["platformatic", () => new PlatformaticPort(quiet)],
  ["kafkajs", () => new KafkajsPort(quiet)],
];
const loopback = (port: number) => `127.0.0.1:${port}`;

// Each client's memory of the brokers that did not answer is the process's: one test's frozen listener (its port reused)
// would order the brokers of the next.
beforeEach(() => {
  forgetUnresponsiveBrokers();
  forgetUnresponsiveKafkajsBrokers();
});
/** The probe's outcome: its cluster id, or its error's message. */
const outcome = (probe: Promise<string>) =>
  probe.then(
    (id) => ({ id }),
    (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
  );

describe.each(clients)("clusterIdAt with kafka.client=%s", (_, client) => {
  test("admin retries that is not a count (no effect on admin clients) connects the worker's admin client", async () => {
    const { bootstrap } = await kafkaBroker();
    const admin = await client().admin({ "bootstrap.servers": bootstrap, retries: "abc" });
    try {
      expect(await admin.clusterId()).toMatch(/.+/);
    } finally {
      await admin.close();
    }
  });

  test.each([
    ["never answers", false],
    ["answers its ApiVersions alone", true],
  ])("a broker that %s: no connection left open once the probe failed", async (_, answersApiVersions) => {
    await using frozen = await recordingBroker({ hangUp: false, answersApiVersions });
    const at = loopback(frozen.port);
    expect(await outcome(clusterIdAt(client(), { "bootstrap.servers": at }, at, 2_000))).toMatchObject({
      error: expect.any(String),
    });
    await waitFor(() => frozen.open() === 0, { what: "the broker's connections closed" });
  });

  test("one try whatever the admin settings' retries", async () => {
    await using cutting = await recordingBroker({ hangUp: true });
    const properties = { "bootstrap.servers": loopback(cutting.port), retries: "3", "retry.backoff.ms": "10" };
    expect(await outcome(clusterIdAt(client(), properties, loopback(cutting.port), 5_000))).toMatchObject({
      error: expect.any(String),
    });
    expect(cutting.requests.map((r) => r.apiKey)).toEqual([18]);
  });

  test("stopped while connecting to a frozen broker: fails with the stop's reason, its connection closed", async () => {
    await using frozen = await recordingBroker({ hangUp: false });
    const at = loopback(frozen.port);
    const stop = new AbortController();
    const probe = outcome(clusterIdAt(client(), { "bootstrap.servers": at }, at, 60_000, stop.signal));
    await waitFor(() => frozen.requests.length > 0, { what: "the probe's first request" });
    stop.abort(new Error("stopped"));
    expect(await probe).toMatchObject({ error: expect.stringMatching(/(^|: )stopped$/) });
    await waitFor(() => frozen.open() === 0, { what: "the frozen broker's connections closed" });
  });
});
