/** Building blocks for unit tests of the request path: route settings (the connector's defaults, overridable), requests, an ingestApp, a started IngestServer. */
import { httpIngestConfig, routeSettings } from "../connectors/http-ingest/config.ts";
import { LogManager } from "../util/logger.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { ingestApp } from "./ingest-handler.ts";
import { IngestMetrics } from "./ingest-metrics.ts";
import type { IngestApp, IngestHandlerDeps } from "./ingest-pipeline-contract.ts";
import type { IngestRecord } from "./ingest-record.ts";
import { IngestServer, type IngestServerOptions } from "./ingest-server.ts";
import type { IngestRouteSettings } from "./route-settings.ts";
import type { IngestRouteTable } from "./route-table.ts";

export function testSettings(
  config: Record<string, string> = {},
  converters: { value?: string; key?: string } = {},
): IngestRouteSettings {
  const parsed = httpIngestConfig.parse({ "ingest.path": "/ingest/t", "kafka.topic": "t", ...config });
  return routeSettings(parsed, converters.value, converters.key);
}

export function post(
  body: string | Uint8Array,
  contentType: string | null,
  headers: Record<string, string> = {},
): Request {
  return new Request("http://gateway/ingest/t", {
    method: "POST",
    body,
    headers: { ...(contentType ? { "Content-Type": contentType } : {}), ...headers },
  });
}

/** ingestApp over `routes` with new metrics, a ManualClock at 1_700_000_000_000, a logger and no redaction; `deps` replaces any of them or adds the rest. */
export function testIngestApp(routes: IngestRouteTable, deps: Partial<IngestHandlerDeps> = {}): IngestApp {
  return ingestApp({
    routes,
    metrics: new IngestMetrics(),
    clock: new ManualClock(1_700_000_000_000),
    log: new LogManager().get("ingest"),
    redact: (t) => t,
    ...deps,
  });
}

/** A route table serving no path and no topic; `byTopic` runs `onLookUp` first (e.g. to move a clock). */
export function noRoutes(onLookUp: () => void = () => {}): IngestRouteTable {
  return {
    byTopic: () => {
      onLookUp();
      return undefined;
    },
    claimants: () => [],
    owners: () => [],
    byPath: () => undefined,
    routes: () => [],
    onChange: () => () => {},
  } as unknown as IngestRouteTable;
}

export const bytes = (s: string) => new TextEncoder().encode(s);

/** A keyless, headerless record of `value` (timestamp 7, 1 byte), as the request path hands it over. */
export const testRecord = (value: unknown): IngestRecord => ({
  key: null,
  value,
  headers: [],
  partition: null,
  timestamp: 7,
  bytes: 1,
});

/** An IngestServer of `app` started on a loopback port of its own; `options` replace its defaults. */
export function startedIngestServer(
  app: IngestApp,
  routes: IngestRouteTable,
  options: Partial<IngestServerOptions> = {},
): IngestServer {
  const server = new IngestServer({
    listeners: ["http://127.0.0.1:0"],
    originals: {},
    app,
    routes,
    log: new LogManager().get("test"),
    ...options,
  });
  server.start();
  return server;
}
