/**
 * The REST Proxy produce paths with one trailing slash are served as without it, as Jersey matches
 * them (rest-proxy-routes.ts; ingestp4: they were the gateway's 404); two slashes are a 404.
 */
import { describe, expect, test } from "bun:test";
import { IngestMetrics } from "./ingest-metrics.ts";
import type { RecordOutcome } from "./ingest-record.ts";
import { passThroughStages } from "./request-context.ts";
import { IngestRouteTable } from "./route-table.ts";
import { testIngestApp, testSettings } from "./test-support.ts";

/** Connector `c` serving topic `t` over REST Proxy, every write acknowledged at partition 0, offset 0. */
function app(metrics = new IngestMetrics()) {
  const routes = new IngestRouteTable();
  routes.open("c", testSettings({ "ingest.rest.proxy.enable": "true" }), passThroughStages);
  routes.attach("c", {
    pending: 0,
    submit: async ({ records }) =>
      records.map((): RecordOutcome => ({ kind: "written", topic: "t", partition: 0, offset: 0, timestamp: 1 })),
    withdrawQueued: () => undefined,
  });
  return testIngestApp(routes, { partitions: async () => 1, metrics });
}

const V2 = {
  type: "application/vnd.kafka.v2+json",
  body: '{"offsets":[{"partition":0,"offset":0,"error_code":null,"error":null}],"key_schema_id":null,"value_schema_id":null}',
};
const V3 = {
  type: "application/json",
  body: '{"error_code":200,"cluster_id":"k","topic_name":"t","partition_id":0,"offset":0,"timestamp":"1970-01-01T00:00:00.001Z","value":{"type":"JSON","size":1}}',
};
const V3_BATCH = {
  type: "application/json",
  body: '{"successes":[{"id":"1","cluster_id":"k","topic_name":"t","partition_id":0,"offset":0,"timestamp":"1970-01-01T00:00:00.001Z","value":{"type":"JSON","size":1}}],"failures":[]}',
};
const NOT_FOUND = { type: "application/json", body: '{"error_code":404,"message":"HTTP 404 Not Found"}' };

async function produce(path: string, contentType: string, body: string, metrics?: IngestMetrics) {
  const response = await app(metrics).fetch(
    new Request(`http://127.0.0.1${path}`, {
      method: "POST",
      headers: { "Content-Type": contentType, Accept: "application/vnd.kafka.v2+json, application/json" },
      body,
    }),
    {},
  );
  return { status: response.status, type: response.headers.get("content-type"), body: await response.text() };
}

/** What each shape's request sends: its Content-Type and body. */
const REQUESTS = {
  v2: ["application/vnd.kafka.json.v2+json", '{"records":[{"value":1}]}'],
  v3: ["application/json", '{"value":{"type":"JSON","data":1}}'],
  batch: ["application/json", '{"entries":[{"id":"1","value":{"type":"JSON","data":1}}]}'],
} as const;

describe("REST Proxy produce paths", () => {
  test.each([
    ["/topics/t", "v2", 200, V2],
    ["/topics/t/", "v2", 200, V2],
    ["/topics/t/partitions/0", "v2", 200, V2],
    ["/topics/t/partitions/0/", "v2", 200, V2],
    ["/topics/t//", "v2", 404, NOT_FOUND],
    ["/topics/t/partitions/0//", "v2", 404, NOT_FOUND],
    ["/v3/clusters/k/topics/t/records", "v3", 200, V3],
    ["/v3/clusters/k/topics/t/records/", "v3", 200, V3],
    ["/v3/clusters/k/topics/t/records//", "v3", 404, NOT_FOUND],
    ["/v3/clusters/k/topics/t/records:batch", "batch", 207, V3_BATCH],
    ["/v3/clusters/k/topics/t/records:batch/", "batch", 207, V3_BATCH],
  ] as const)("%s (%s) is %d", async (path, shape, status, answer) => {
    const [contentType, body] = REQUESTS[shape];
    expect(await produce(path, contentType, body)).toEqual({ status, ...answer });
  });

  test.each([
    ["/topics/t/", "v2", "/topics/{topic}"],
    ["/topics/t/partitions/0/", "v2", "/topics/{topic}"],
    ["/v3/clusters/k/topics/t/records/", "v3", "/v3/…/records"],
    ["/v3/clusters/k/topics/t/records:batch/", "batch", "/v3/…/records:batch"],
  ] as const)(
    "%s (%s) is counted under the metrics route of its path without the slash",
    async (path, shape, route) => {
      const metrics = new IngestMetrics();
      const [contentType, body] = REQUESTS[shape];
      await produce(path, contentType, body, metrics);
      const requests = metrics.families().find((f) => f.name === "ingest_requests_total")!.samples;
      expect(requests.map((s) => s.labels.route)).toEqual([route]);
    },
  );
});
