/**
 * RootResource: `GET /` (ServerInfo with the broker's real cluster id, null while Kafka has not been
 * reached) and `GET /health` (KIP-1017: 503 starting, 500 unhealthy when the herder is stuck for
 * the health check timeout, else 200 healthy, whose message says when Kafka has not been reached yet).
 */
import { COMMIT_ID, CONNECT_VERSION } from "../../version.ts";
import { jsonResponse } from "../json-body.ts";
import type { Route } from "../route.ts";

export interface RootDeps {
  clusterId(): Promise<string | null>;
  /** false while the worker has not reached Kafka (null: not known yet). */
  kafkaReachable?(): boolean | null;
  /** `bootstrap.servers`, for the health message. */
  readonly bootstrap?: string;
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
      handle: async (_c, { herder }) => {
        const health = await herder.health();
        if (health === "starting")
          return jsonResponse(503, { status: "starting", message: "Worker is still starting up." });
        if (health === "unhealthy")
          return jsonResponse(500, {
            status: "unhealthy",
            message: "Worker was unable to handle this request and may be unable to handle other requests.",
          });
        // Still healthy without Kafka (the REST API works, connectors wait), but it says so.
        const kafka =
          root.kafkaReachable?.() === false
            ? ` Kafka at ${root.bootstrap ?? "bootstrap.servers"} is not reachable yet: connectors wait for it.`
            : "";
        return jsonResponse(200, {
          status: "healthy",
          message: `Worker has completed startup and is ready to handle requests.${kafka}`,
        });
      },
    },
  ];
}
