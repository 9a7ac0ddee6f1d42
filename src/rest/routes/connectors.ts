/**
 * ConnectorsResource: every public `/connectors` endpoint, with Connect's status codes, bodies
 * and messages (create/update/patch/delete, status, tasks, restart, pause/resume/stop, topics,
 * offsets). Internal inter-worker endpoints answer as standalone Connect does.
 */
import type { Context } from "hono";
import { BadRequestError, RestError } from "../../errors.ts";
import type { ConnectorOffset } from "../../runtime/entities.ts";
import type { InitialState } from "../../runtime/herder.ts";
import { BodyError, emptyResponse, jsonResponse, readJson, requireObject, toConfigMap } from "../json-body.ts";
import { booleanQuery, type Route } from "../route.ts";

const C = "/connectors/:connector";
const TASK = ":task{-?[0-9]+}";

function name(c: Context): string {
  return c.req.param("connector") ?? "";
}

function task(c: Context): number {
  return Number(c.req.param("task"));
}

function location(c: Context, connector: string): string {
  const url = new URL(c.req.url);
  return `${url.protocol}//${url.host}/connectors/${encodeURIComponent(connector)}`;
}

const INITIAL_STATES: Record<string, InitialState> = { RUNNING: "RUNNING", PAUSED: "PAUSED", STOPPED: "STOPPED" };

function parseOffsets(body: unknown): ConnectorOffset[] {
  const entity = requireObject(body, "org.apache.kafka.connect.runtime.rest.entities.ConnectorOffsets", ["offsets"]);
  const offsets = entity.offsets;
  if (offsets === undefined || offsets === null) return [];
  if (!Array.isArray(offsets)) {
    throw new BodyError("Cannot deserialize value of type `java.util.ArrayList<ConnectorOffset>` from an object");
  }
  return offsets.map((o) => {
    const e = requireObject(o, "org.apache.kafka.connect.runtime.rest.entities.ConnectorOffset", [
      "partition",
      "offset",
    ]);
    const partition = e.partition;
    const offset = e.offset;
    const isMap = (v: unknown) => v === null || v === undefined || (typeof v === "object" && !Array.isArray(v));
    if (!isMap(partition) || !isMap(offset)) {
      throw new BodyError(
        "Cannot deserialize value of type `java.util.HashMap<java.lang.String,java.lang.Object>` from a non-object value",
      );
    }
    return {
      partition: (partition ?? null) as Record<string, unknown>,
      offset: (offset ?? null) as Record<string, unknown> | null,
    };
  });
}

export function connectorRoutes(): Route[] {
  return [
    {
      method: "GET",
      path: "/connectors",
      consumesJson: true,
      handle: (c, { herder }) => {
        const url = new URL(c.req.url);
        if (!url.searchParams.has("expand")) return jsonResponse(200, herder.connectors());
        const expand = url.searchParams.getAll("expand");
        const out: Record<string, Record<string, unknown>> = {};
        for (const connector of herder.connectors()) {
          const entry: Record<string, unknown> = {};
          let omit = false;
          for (const e of expand) {
            if (e === "status") {
              try {
                entry.status = herder.connectorStatus(connector);
              } catch {
                omit = true;
              }
            } else if (e === "info") {
              try {
                entry.info = herder.connectorInfo(connector);
              } catch {
                entry.info = null;
              }
            }
          }
          if (!omit) out[connector] = entry;
        }
        return jsonResponse(200, out);
      },
    },
    {
      method: "POST",
      path: "/connectors",
      consumesJson: true,
      handle: async (c, { herder, timed }) => {
        const body = requireObject(
          await readJson(c.req.raw),
          "org.apache.kafka.connect.runtime.rest.entities.CreateConnectorRequest",
          ["name", "config", "initial_state"],
        );
        const connector = typeof body.name === "string" ? body.name.trim() : body.name == null ? "" : String(body.name);
        const config = toConfigMap(body.config, "connector config");
        const configName = config.name;
        if (configName !== undefined && configName !== null && configName !== connector) {
          throw new BadRequestError(
            `Connector name configuration (${configName}) doesn't match connector name in the URL (${connector})`,
          );
        }
        config.name = connector;
        let initialState: InitialState | undefined;
        if (body.initial_state !== undefined && body.initial_state !== null) {
          initialState = INITIAL_STATES[String(body.initial_state).toUpperCase()];
          if (!initialState) {
            throw new BodyError(
              `Cannot construct instance of \`org.apache.kafka.connect.runtime.rest.entities.CreateConnectorRequest$InitialState\` from String "${body.initial_state}": not one of the values accepted for Enum class: [RUNNING, PAUSED, STOPPED]`,
            );
          }
        }
        const { info } = await timed(() =>
          herder.putConnectorConfig(connector, config, { allowReplace: false, initialState }),
        );
        return jsonResponse(201, info, { Location: location(c, connector) });
      },
    },
    {
      method: "GET",
      path: C,
      consumesJson: true,
      handle: (c, { herder }) => jsonResponse(200, herder.connectorInfo(name(c))),
    },
    {
      method: "GET",
      path: `${C}/config`,
      consumesJson: true,
      handle: (c, { herder }) => jsonResponse(200, herder.connectorConfig(name(c))),
    },
    {
      method: "PUT",
      path: `${C}/config`,
      consumesJson: true,
      handle: async (c, { herder, timed }) => {
        const connector = name(c);
        const config = toConfigMap(await readJson(c.req.raw), "connector config");
        if (config.name !== undefined && config.name !== null && config.name !== connector) {
          throw new BadRequestError(
            `Connector name configuration (${config.name}) doesn't match connector name in the URL (${connector})`,
          );
        }
        config.name = connector;
        const { created, info } = await timed(() =>
          herder.putConnectorConfig(connector, config, { allowReplace: true }),
        );
        return created ? jsonResponse(201, info, { Location: location(c, connector) }) : jsonResponse(200, info);
      },
    },
    {
      method: "PATCH",
      path: `${C}/config`,
      consumesJson: true,
      handle: async (c, { herder, timed }) => {
        const patch = toConfigMap(await readJson(c.req.raw), "connector config patch");
        return jsonResponse(200, await timed(() => herder.patchConnectorConfig(name(c), patch)));
      },
    },
    {
      method: "DELETE",
      path: C,
      consumesJson: true,
      handle: async (c, { herder, timed }) => {
        await timed(() => herder.deleteConnector(name(c)));
        return emptyResponse(204);
      },
    },
    {
      method: "GET",
      path: `${C}/status`,
      consumesJson: true,
      handle: (c, { herder }) => jsonResponse(200, herder.connectorStatus(name(c))),
    },
    {
      method: "GET",
      path: `${C}/tasks`,
      consumesJson: true,
      handle: (c, { herder }) => jsonResponse(200, herder.taskConfigs(name(c))),
    },
    {
      method: "POST",
      path: `${C}/tasks`,
      consumesJson: true,
      handle: () => {
        throw new RestError(
          500,
          "Kafka Connect in standalone mode does not support externally setting task configurations.",
        );
      },
    },
    {
      method: "PUT",
      path: `${C}/fence`,
      consumesJson: true,
      handle: () => {
        throw new RestError(500, "Kafka Connect in standalone mode does not support exactly-once source connectors.");
      },
    },
    {
      method: "GET",
      path: `${C}/tasks/${TASK}/status`,
      consumesJson: true,
      handle: (c, { herder }) => jsonResponse(200, herder.taskStatus(name(c), task(c))),
    },
    {
      method: "POST",
      path: `${C}/tasks/${TASK}/restart`,
      consumesJson: true,
      handle: async (c, { herder, timed }) => {
        await timed(() => herder.restartTask(name(c), task(c)));
        return emptyResponse(204);
      },
    },
    {
      method: "POST",
      path: `${C}/restart`,
      consumesJson: true,
      handle: async (c, { herder, timed }) => {
        const includeTasks = booleanQuery(c, "includeTasks");
        const onlyFailed = booleanQuery(c, "onlyFailed");
        if (!includeTasks && !onlyFailed) {
          await timed(() => herder.restartConnector(name(c)));
          return emptyResponse(204);
        }
        return jsonResponse(202, await timed(() => herder.restartConnectorAndTasks(name(c), onlyFailed, includeTasks)));
      },
    },
    {
      method: "PUT",
      path: `${C}/pause`,
      consumesJson: true,
      handle: async (c, { herder, timed }) => {
        await timed(() => herder.pauseConnector(name(c)));
        return emptyResponse(202);
      },
    },
    {
      method: "PUT",
      path: `${C}/resume`,
      consumesJson: true,
      handle: async (c, { herder, timed }) => {
        await timed(() => herder.resumeConnector(name(c)));
        return emptyResponse(202);
      },
    },
    {
      method: "PUT",
      path: `${C}/stop`,
      consumesJson: true,
      handle: async (c, { herder, timed }) => {
        await timed(() => herder.stopConnector(name(c)));
        return emptyResponse(204);
      },
    },
    {
      method: "GET",
      path: `${C}/topics`,
      consumesJson: true,
      handle: async (c, { herder }) => jsonResponse(200, { [name(c)]: { topics: await herder.activeTopics(name(c)) } }),
    },
    {
      method: "PUT",
      path: `${C}/topics/reset`,
      consumesJson: true,
      handle: async (c, { herder }) => {
        await herder.resetActiveTopics(name(c));
        return emptyResponse(202);
      },
    },
    {
      method: "GET",
      path: `${C}/offsets`,
      consumesJson: true,
      handle: async (c, { herder, timed }) => jsonResponse(200, await timed(() => herder.connectorOffsets(name(c)))),
    },
    {
      method: "PATCH",
      path: `${C}/offsets`,
      consumesJson: true,
      handle: async (c, { herder, timed }) => {
        const offsets = parseOffsets(await readJson(c.req.raw));
        if (offsets.length === 0)
          throw new BadRequestError("Partitions / offsets need to be provided for an alter offsets request");
        const message = await timed(() => herder.modifyConnectorOffsets(name(c), offsets));
        return jsonResponse(200, { message });
      },
    },
    {
      method: "DELETE",
      path: `${C}/offsets`,
      consumesJson: true,
      handle: async (c, { herder, timed }) =>
        jsonResponse(200, { message: await timed(() => herder.modifyConnectorOffsets(name(c), null)) }),
    },
  ];
}
