/**
 * Confluent REST Proxy produce routes on the ingest listener (shared/rest-proxy-api.md).
 */
import type { IngestHandlerDeps, Pipeline } from "./ingest-handler.ts";
import type { IngestRequestContext, IngestShape } from "./request-context.ts";

export interface RestProxyRoute {
  readonly method: "POST";
  readonly path: string;
  readonly shape: IngestShape;
  handle(context: IngestRequestContext, params: Record<string, string>): Promise<Response>;
}

export function restProxyRoutes(_deps: IngestHandlerDeps, _pipeline: Pipeline): RestProxyRoute[] {
  return [];
}
