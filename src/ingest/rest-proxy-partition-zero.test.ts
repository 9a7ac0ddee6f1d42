/**
 * REST Proxy requests naming partition 0 of a topic whose connector creates its topics
 * (`topic.creation.*` with the worker's topic.creation.enable) are not looked up: a look-up would
 * have the brokers create the topic with their defaults before the task's creation (review-p3ingest
 * P1-1). With the worker's switch off Connect ignores the connector's `topic.creation.*` keys, so the
 * look-up applies as for any connector (review-p3ingest-b P3-3). Here the look-up answers 0 (brokers
 * that create no topic): a request looked up is REST Proxy's 40401, one not looked up is written.
 */
import { describe, expect, test } from "bun:test";
import { connectorCreatesTopics } from "../runtime/topic-creation.ts";
import type { WorkerConfig } from "../worker-config.ts";
import type { RecordOutcome } from "./ingest-record.ts";
import { passThroughStages } from "./request-context.ts";
import { IngestRouteTable } from "./route-table.ts";
import { testIngestApp, testSettings } from "./test-support.ts";

const CREATING = { "topic.creation.default.partitions": "4", "topic.creation.default.replication.factor": "1" };

/** Connector `c` serving topic `t` over REST Proxy, its writes acknowledged at once; the look-ups asked. */
function gateway(worker: Pick<WorkerConfig, "topic.creation.enable">, connector: Record<string, string>) {
  const routes = new IngestRouteTable();
  routes.open("c", testSettings({ "ingest.rest.proxy.enable": "true", ...connector }), passThroughStages);
  routes.attach("c", {
    pending: 0,
    submit: async ({ records }) =>
      records.map((_, i): RecordOutcome => ({ kind: "written", topic: "t", partition: 0, offset: i, timestamp: 1 })),
    withdrawQueued: () => undefined,
  });
  const lookups: [string, number][] = [];
  const app = testIngestApp(routes, {
    partitions: async (topic, partition) => {
      lookups.push([topic, partition]);
      return 0;
    },
    createsTopics: (name) => name === "c" && connectorCreatesTopics(worker, connector),
  });
  /** POST /topics/t/partitions/{p}: its status and REST Proxy error code (null when written). */
  const produce = async (partition: number) => {
    const response = await app.fetch(
      new Request(`http://127.0.0.1/topics/t/partitions/${partition}`, {
        method: "POST",
        headers: { "Content-Type": "application/vnd.kafka.json.v2+json" },
        body: '{"records":[{"value":1}]}',
      }),
      {},
    );
    const body = (await response.json()) as { error_code?: number; offsets?: { error_code: number | null }[] };
    return [response.status, body.error_code ?? body.offsets?.[0]?.error_code ?? null];
  };
  return { produce, lookups };
}

describe("REST Proxy partition 0 of a topic the connector creates", () => {
  test("with the worker's topic.creation.enable, partition 0 is not looked up; a higher one is", async () => {
    const { produce, lookups } = gateway({ "topic.creation.enable": true }, CREATING);
    expect(await produce(0)).toEqual([200, null]);
    expect(lookups).toEqual([]);
    expect(await produce(1)).toEqual([404, 40401]);
    expect(lookups).toEqual([["t", 1]]);
  });

  test("with the worker's topic.creation.enable=false, the connector's topic.creation.* is ignored: partition 0 is looked up", async () => {
    const { produce, lookups } = gateway({ "topic.creation.enable": false }, CREATING);
    expect(await produce(0)).toEqual([404, 40401]);
    expect(lookups).toEqual([["t", 0]]);
  });

  test("a connector without topic.creation.* has partition 0 looked up", async () => {
    const { produce, lookups } = gateway({ "topic.creation.enable": true }, {});
    expect(await produce(0)).toEqual([404, 40401]);
    expect(lookups).toEqual([["t", 0]]);
  });
});
