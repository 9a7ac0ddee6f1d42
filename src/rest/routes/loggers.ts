/**
 * LoggingResource (`/admin/loggers`): list, read and set log levels (KIP-495, KIP-976) on the
 * process's LogManager. Served on the admin listeners (or the regular ones when unset).
 */
import { BadRequestError, NotFoundError, RestError } from "../../errors.ts";
import { parseLevel } from "../../util/logger.ts";
import { emptyResponse, jsonResponse, nullEntity, readConfigMap } from "../json-body.ts";
import type { Route } from "../route.ts";

const RESOURCE_LOGGER = "org.apache.kafka.connect.runtime.rest.resources.LoggingResource";

export function loggerRoutes(): Route[] {
  return [
    {
      method: "GET",
      path: "/admin/loggers",
      consumesJson: true,
      handle: (_c, { logs }) =>
        jsonResponse(
          200,
          Object.fromEntries(logs.allLevels().map(([n, l]) => [n, { level: l.level, last_modified: l.lastModified }])),
        ),
    },
    {
      method: "GET",
      path: "/admin/loggers/:logger",
      consumesJson: true,
      handle: (c, { logs }) => {
        const name = c.req.param("logger") ?? "";
        const level = logs.level(name);
        if (!level) throw new NotFoundError(`Logger ${name} not found.`);
        return jsonResponse(200, { level: level.level, last_modified: level.lastModified });
      },
    },
    {
      method: "PUT",
      path: "/admin/loggers/:logger",
      consumesJson: true,
      readsBody: true,
      handle: async (c, { logs }) => {
        const name = c.req.param("logger") ?? "";
        const body = readConfigMap(c);
        if (body === null) throw nullEntity('Cannot invoke "java.util.Map.get(Object)" because "levelMap" is null');
        const requested = body.level;
        if (requested === undefined || requested === null) {
          throw new BadRequestError("Desired 'level' parameter was not specified in request.");
        }
        // Connect's level lookup gets past an empty name (a blank one is just unknown) and then
        // fails in log4j's Level.valueOf: its IllegalArgumentException is a 500.
        if (requested === "") throw new RestError(500, "Illegal null or empty Level name.");
        const level = parseLevel(String(requested));
        if (!level) throw new NotFoundError(`invalid log level '${String(requested)}'.`);
        const scope = c.req.query("scope") ?? "worker";
        const lowered = scope.toLowerCase();
        if (lowered !== "worker" && lowered !== "cluster") {
          // As Connect's LoggingResource: an unknown scope is the worker's, and says so.
          logs
            .get(RESOURCE_LOGGER)
            .warn(`Received invalid scope '${scope}' in request to adjust logging level; will default to worker`);
        }
        const affected = logs.setLevel(name, level);
        if (lowered === "cluster") return emptyResponse(204);
        return jsonResponse(200, affected);
      },
    },
  ];
}
