/**
 * What a REST Proxy request for a topic is told when the stored connector naming it
 * (ingest.rest.proxy.topics) has no route serving it, over HTTP on port 0 with a real route table:
 * "which is not running" while it has none, but a running connector whose route does not name the
 * topic yet (its new config stored, its restart to come) was told "not running" too (ingestp4).
 */
import { expect, test } from "bun:test";
import { systemClock } from "../util/clock.ts";
import { LogManager } from "../util/logger.ts";
import { ingestApp } from "./ingest-handler.ts";
import { IngestMetrics } from "./ingest-metrics.ts";
import { passThroughStages } from "./request-context.ts";
import { IngestRouteTable } from "./route-table.ts";
import { testSettings } from "./test-support.ts";
import type { TopicOwner } from "./topic-owner.ts";

test("a running owner whose config does not name the topic yet is told so, not 'not running'", async () => {
  const routes = new IngestRouteTable();
  const owner: TopicOwner = { connector: "strict", stopped: false, retryAfterSeconds: 7 };
  routes.owners = (topic) => (topic === "orders" ? [owner] : []);
  const app = ingestApp({
    routes,
    metrics: new IngestMetrics(),
    clock: systemClock,
    log: new LogManager().get("ingest"),
    redact: (t) => t,
  });
  using server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (request) => app.fetch(request, {}) });
  const produce = async () => {
    const response = await fetch(`http://127.0.0.1:${server.port}/topics/orders`, {
      method: "POST",
      headers: { "Content-Type": "application/vnd.kafka.json.v2+json" },
      body: '{"records":[{"value":1}]}',
    });
    return {
      status: response.status,
      retryAfter: response.headers.get("Retry-After"),
      body: (await response.json()) as { error_code: number; message: string },
    };
  };

  /** The 503 (with the route's Retry-After) naming why the owner does not serve the topic. */
  const unavailable = (message: string) => ({ status: 503, retryAfter: "7", body: { error_code: 503, message } });

  // No route: it is not running.
  expect(await produce()).toEqual(
    unavailable(
      "REST Proxy produce requests for topic orders are served by the ingest connector strict, which is not running",
    ),
  );
  // Running with the config it had before the one stored (which names the topic).
  routes.open("strict", testSettings({ "ingest.path": "/ingest/strict", "kafka.topic": "own" }), passThroughStages);
  expect(await produce()).toEqual(
    unavailable(
      "REST Proxy produce requests for topic orders are served by the ingest connector strict, which runs with a configuration that does not name the topic yet: its stored configuration does, and takes effect when it restarts",
    ),
  );
  // Stopping (its route suspended): not running again.
  routes.suspend("strict");
  expect((await produce()).body.message).toEndWith("which is not running");
});
