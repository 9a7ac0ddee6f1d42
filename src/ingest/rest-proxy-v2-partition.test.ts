/**
 * REST Proxy v2 `POST /topics/{t}/partitions/{p}`: `{p}` is a Jersey `int` path parameter (text
 * that is no int is Jersey's plain 404, before the topic is looked at), and a record's own
 * `partition` wins over the path's (REST Proxy's AbstractProduceAction).
 */
import { describe, expect, test } from "bun:test";
import { systemClock } from "../util/clock.ts";
import { LogManager } from "../util/logger.ts";
import { ingestApp } from "./ingest-handler.ts";
import { IngestMetrics } from "./ingest-metrics.ts";
import { parseV2Body } from "./rest-proxy-v2.ts";
import { bytes, noRoutes, post, testSettings } from "./test-support.ts";

/** An ingest app that serves no topic. */
function app() {
  return ingestApp({
    routes: noRoutes(),
    metrics: new IngestMetrics(),
    clock: systemClock,
    log: new LogManager().get("ingest"),
    redact: (t) => t,
  });
}

async function answer(partition: string): Promise<[number, string]> {
  const response = await app().fetch(
    new Request(`http://127.0.0.1/topics/unknown/partitions/${partition}`, {
      method: "POST",
      headers: { "Content-Type": "application/vnd.kafka.json.v2+json" },
      body: JSON.stringify({ records: [{ value: 1 }] }),
    }),
    {},
  );
  return [response.status, await response.text()];
}

describe("REST Proxy v2 produce to a partition", () => {
  test("a partition Jersey cannot convert to an int is a plain 404, before the topic is looked up", async () => {
    for (const p of ["0x0", "1e0", "%200", "99999999999", "abc"])
      expect([p, ...(await answer(p))]).toEqual([p, 404, '{"error_code":404,"message":"HTTP 404 Not Found"}']);
  });

  test("+0, -0 and -1 are ints: the topic is looked up (Topic not found here)", async () => {
    for (const p of ["+0", "-0", "-1", "2147483647"])
      expect([p, ...(await answer(p))]).toEqual([p, 404, '{"error_code":40401,"message":"Topic not found."}']);
  });

  test("a record's own partition wins over the path's", () => {
    const body = '{"records":[{"value":1,"partition":1},{"value":2}]}';
    const records = parseV2Body(testSettings(), post(body, "application/json"), bytes(body), 0, "json", 0);
    expect(records.map((r) => r.partition)).toEqual([1, 0]);
  });
});
