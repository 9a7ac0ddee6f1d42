/**
 * RootResource: `GET /` (ServerInfo with the broker's real cluster id) and `GET /health` (KIP-1017).
 */
import { COMMIT_ID, CONNECT_VERSION } from "../../version.ts";
import { jsonResponse } from "../json-body.ts";
import type { Route } from "../route.ts";

export interface RootDeps {
  clusterId(): Promise<string | null>;
}

export function rootRoutes(root: RootDeps): Route[] {
  return [
    {
      method: "GET",
      path: "/",
      consumesJson: false,
      handle: async () =>
        jsonResponse(200, { version: CONNECT_VERSION, commit: COMMIT_ID, kafka_cluster_id: await root.clusterId() }),
    },
    {
      method: "GET",
      path: "/health",
      consumesJson: false,
      handle: (_c, { herder }) =>
        herder.ready
          ? jsonResponse(200, {
              status: "healthy",
              message: "Worker has completed startup and is ready to handle requests.",
            })
          : jsonResponse(503, { status: "starting", message: "Worker is still starting up." }),
    },
  ];
}
