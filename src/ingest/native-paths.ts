/**
 * nativePaths: the connectors' ingest paths a listener's own router (Bun.serve `routes`) may send
 * straight to `IngestApp.servePath`. Used by IngestServer when it (re)builds its routes.
 */
import { mayBeClaimed } from "./direct-path.ts";
import type { IngestRouteTable } from "./route-table.ts";

/**
 * Paths a listener's own router (Bun.serve `routes`) may send to `IngestApp.servePath` for POST:
 * the connectors' paths that take the direct path and that the router matches literally (no `:`
 * parameter, `*` wildcard or percent sign, which Bun's router would read as a pattern or decode).
 */
export function nativePaths(routes: IngestRouteTable): string[] {
  const paths: string[] = [];
  for (const route of routes.routes()) {
    const path = route.settings.path;
    if (LITERAL_PATH.test(path) && !mayBeClaimed(path)) paths.push(path);
  }
  return paths;
}

const LITERAL_PATH = /^\/[A-Za-z0-9._~/-]+$/;
