/**
 * ConnectorsResource: every public `/connectors` endpoint, with Connect's status codes, bodies
 * and messages: here the connector list, create/update/patch/delete and config; status, tasks,
 * restart, pause/resume/stop and topics are in connector-state.ts, offsets in connector-offsets.ts.
 * Internal inter-worker endpoints answer as standalone Connect does.
 */

import type { Context } from "hono";
import { BadRequestError } from "../../errors.ts";
import type { ConnectorInfo } from "../../runtime/entities.ts";
import type { InitialState } from "../../runtime/herder.ts";
import { javaHashMap, javaHashOrder } from "../../util/java-hash-order.ts";
import { javaUtf8Text } from "../../util/java-utf8.ts";
import { bindCreateConnectorRequest, ENTITIES } from "../jackson/bind.ts";
import { bindBody } from "../jackson/bind-body.ts";
import { jerseyPath } from "../jersey-uri.ts";
import { bodyOf, emptyResponse, jsonResponse, nullEntity, readConfigMap } from "../json-body.ts";
import type { Route } from "../route.ts";
import { connectorOffsetRoutes } from "./connector-offsets.ts";
import { C, name } from "./connector-params.ts";
import { connectorStateRoutes } from "./connector-state.ts";

function location(c: Context, connector: string): string {
  const url = new URL(c.req.url);
  return `${url.protocol}//${url.host}/connectors/${jerseyPath(connector)}`;
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
        // Entries, not assignments: a connector may be named `__proto__`.
        const out: [string, Record<string, unknown>][] = [];
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
          if (!omit) out.push([connector, entry]);
        }
        return jsonResponse(200, Object.fromEntries(out));
      },
    },
    {
      method: "POST",
      path: "/connectors",
      consumesJson: true,
      readsBody: true,
      handle: async (c, { herder, timed }) => {
        const body = bindBody(bodyOf(c), bindCreateConnectorRequest, `${ENTITIES}CreateConnectorRequest`);
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
        // Connect keys the connector by its name as Java writes it to the config topic (a lone
        // surrogate as `?`), while its config and this answer keep the name as sent. Its check for an
        // existing connector looks up the name as sent, which no `?` key matches: such a name replaces the
        // connector of its `?` form, in the initial_state written with the replacing config, and the answer
        // names no task (ConnectorInfo of the name as sent).
        const key = javaUtf8Text(connector);
        const wellFormed = key === connector;
        const { info } = await timed(() =>
          herder.putConnectorConfig(key, config, {
            allowReplace: !wellFormed,
            initialState,
            replaceState: initialState !== undefined,
          }),
        );
        const answer = wellFormed ? info : { ...info, name: connector, tasks: [] };
        return jsonResponse(201, answer, { Location: location(c, connector) });
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
          throw nullEntity(
            'Cannot invoke "java.util.Map.forEach(java.util.function.BiConsumer)" because "patch" is null',
          );
        }
        // The patched config comes back in the order of ConnectUtils.patchConfig's HashMap copy.
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
    ...connectorStateRoutes(),
    ...connectorOffsetRoutes(),
  ];
}
