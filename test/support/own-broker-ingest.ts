/**
 * A kafka-mode HttpIngestSource route "devices" on a gateway of the test's own broker, for the tests that freeze that
 * broker (SIGSTOP) under ingest (test/hung-leader-degraded.test.ts, test/ingest-stop-silent-broker.test.ts): a new
 * topic of `partitions`, the gateway on `dir`, the connector created and its route answering (one warm-up record,
 * `{"id":"warm-up"}`, written before the test's). `worker`: more worker keys (`kafka.client`), `config`: the connector's.
 */
import { expect } from "bun:test";
import { type Gateway, startIngestGateway } from "./gateway.ts";
import { createTopicsOn, uniqueTopic } from "./kafka.ts";
import type { OwnBroker } from "./own-broker.ts";
import type { TempDir } from "./temp-dir.ts";
import { waitFor } from "./wait-for.ts";

export interface OwnBrokerIngest {
  readonly topic: string;
  /** `await using` it: stops the gateway. */
  readonly gw: Gateway;
  /** The route's full URL. */
  readonly url: string;
}

export async function startOwnBrokerIngest(
  dir: TempDir,
  kafka: OwnBroker,
  o: { topicPrefix: string; partitions: number; config?: Record<string, string>; worker?: Record<string, string> },
): Promise<OwnBrokerIngest> {
  const topic = uniqueTopic(o.topicPrefix);
  const admin = kafka.client().admin();
  await admin.connect();
  await createTopicsOn(admin, [{ topic, numPartitions: o.partitions }]);
  await admin.disconnect();
  const { gw, ingest } = await startIngestGateway(dir, { "bootstrap.servers": kafka.bootstrap, ...o.worker });
  try {
    const config = {
      "connector.class": "HttpIngestSource",
      "ingest.path": "/ingest/devices",
      "kafka.topic": topic,
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
      ...o.config,
    };
    expect((await gw.rest.post("/connectors", { name: "devices", config })).status).toBe(201);
    const url = `${ingest}/ingest/devices`;
    const warmUp = () =>
      fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: '{"id":"warm-up"}' });
    await waitFor(async () => (await warmUp()).status === 200, { what: "the ingest route" });
    return { topic, gw, url };
  } catch (error) {
    await gw[Symbol.asyncDispose]();
    throw error;
  }
}
