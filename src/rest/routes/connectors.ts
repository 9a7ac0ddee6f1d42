/**
 * ConnectorsResource: every public `/connectors` endpoint, with Connect's status codes, bodies
 * and messages (create/update/patch/delete, status, tasks, restart, pause/resume/stop, topics,
 * offsets). Internal inter-worker endpoints answer as standalone Connect does.
 */
import type { Context } from "hono";
import { BadRequestError, RestError } from "../../errors.ts";
import type { ConnectorInfo, ConnectorOffset } from "../../runtime/entities.ts";
import type { InitialState } from "../../runtime/herder.ts";
import { javaHashMap, javaHashOrder } from "../../util/java-hash-order.ts";
import { bindBody, bindConnectorOffsets, bindCreateConnectorRequest, ENTITIES } from "../jackson/bind.ts";
import { bodyOf, emptyResponse, jsonResponse, nullEntity, readConfigMap } from "../json-body.ts";
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

function parseOffsets(c: Context): ConnectorOffset[] {
  const entity = bindBody(bodyOf(c), bindConnectorOffsets);
  if (entity === null) {
    throw nullEntity(`Cannot invoke "${ENTITIES}ConnectorOffsets.offsets()" because "offsets" is null`);
  }
  return (entity.offsets ?? []).map((o) => ({
    partition: (o?.partition ?? null) as Record<string, unknown>,
    offset: o?.offset ?? null,
  }));
}

/** A stored connector's info: its config read back is a Java HashMap in Connect, in that order. */
function storedInfo(info: ConnectorInfo): ConnectorInfo {
  return { ...info, config: javaHashMap(info.config) };
}

/** A Map<String,String> body that the resource method dereferences (`connectorConfig.get(…)`). */
function connectorConfigBody(c: Context): Record<string, string | null> {
  const config = readConfigMap(c);
  if (config === null) throw nullEntity('Cannot invoke "java.util.Map.get(Object)" because "connectorConfig" is null');
  return config;
}

export function connectorRoutes(): Route[] {
  return [
    {
      method: "GET",
      path: "/connectors",
      consumesJson: true,
      handle: (c, { herder }) => {
        const url = new URL(c.req.url);
        // Connect's connector set and the expand map are Java hash collections: their order.
        const connectors = javaHashOrder(herder.connectors());
        if (!url.searchParams.has("expand")) return jsonResponse(200, connectors);
        const expand = url.searchParams.getAll("expand");
        const out: Record<string, Record<string, unknown>> = {};
        for (const connector of connectors) {
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
                entry.info = storedInfo(herder.connectorInfo(connector));
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
      readsBody: true,
      handle: async (c, { herder, timed }) => {
        const body = bindBody(bodyOf(c), bindCreateConnectorRequest);
        if (body === null) {
          throw nullEntity(`Cannot invoke "${ENTITIES}CreateConnectorRequest.name()" because "createRequest" is null`);
        }
        const connector = body.name == null ? "" : body.name.trim();
        if (!body.config) {
          throw nullEntity('Cannot invoke "java.util.Map.get(Object)" because "connectorConfig" is null');
        }
        const config = { ...body.config };
        const configName = config.name;
        if (configName !== undefined && configName !== null && configName !== connector) {
          throw new BadRequestError(
            `Connector name configuration (${configName}) doesn't match connector name in the URL (${connector})`,
          );
        }
        config.name = connector;
        const initialState = (body.initial_state ?? undefined) as InitialState | undefined;
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
      handle: (c, { herder }) => jsonResponse(200, storedInfo(herder.connectorInfo(name(c)))),
    },
    {
      method: "GET",
      path: `${C}/config`,
      consumesJson: true,
      handle: (c, { herder }) => jsonResponse(200, javaHashMap(herder.connectorConfig(name(c)))),
    },
    {
      method: "PUT",
      path: `${C}/config`,
      consumesJson: true,
      readsBody: true,
      handle: async (c, { herder, timed }) => {
        const connector = name(c);
        const config = connectorConfigBody(c);
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
      readsBody: true,
      handle: async (c, { herder, timed }) => {
        const patch = readConfigMap(c);
        if (patch === null) {
          herder.connectorConfig(name(c));
          throw nullEntity('Cannot invoke "java.util.Map.entrySet()" because "patch" is null');
        }
        // ConnectUtils.patchConfig builds a HashMap: the patched config comes back in its order.
        return jsonResponse(200, storedInfo(await timed(() => herder.patchConnectorConfig(name(c), patch))));
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
      handle: (c, { herder }) =>
        jsonResponse(
          200,
          herder.taskConfigs(name(c)).map((t) => ({ id: t.id, config: javaHashMap(t.config) })),
        ),
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
      readsBody: true,
      handle: async (c, { herder, timed }) => {
        const offsets = parseOffsets(c);
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
