/** Route settings for unit tests of the request path: the connector's defaults, overridable. */
import { httpIngestConfig, routeSettings } from "../connectors/http-ingest/config.ts";
import type { IngestRouteSettings } from "./route-settings.ts";

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

export const bytes = (s: string) => new TextEncoder().encode(s);
