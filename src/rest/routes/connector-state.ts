/**
 * The `/connectors/{connector}` endpoints about a running connector: its status and its tasks'
 * (configs, status, restart), restart, pause/resume/stop and its active topics, with Connect's
 * status codes. The internal task-config and fence endpoints answer as distributed Connect does a
 * client that is no worker of its cluster (internal-request-signature.ts).
 */
import { javaHashMap } from "../../util/java-hash-order.ts";
import { completeOrForward } from "../complete-or-forward.ts";
import { refuseInternalRequest } from "../internal-request-signature.ts";
import { bindList, bindStringMap } from "../jackson/bind.ts";
import { readBody } from "../jackson/bind-body.ts";
import { bodyOf, emptyResponse, jsonResponse } from "../json-body.ts";
import { booleanQuery, type Route } from "../route.ts";
import { C, name, TASK, task } from "./connector-params.ts";

const TASK_CONFIGS = bindList("java.util.ArrayList<java.util.Map<java.lang.String,java.lang.String>>", bindStringMap);

export function connectorStateRoutes(): Route[] {
  return [
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
      // The resource takes the body as bytes (any Content-Type) and reads it with a plain
      // ObjectMapper before the signature check: a body of another shape is Jackson's 500 first.
      consumesJson: false,
      readsBody: true,
      handle: (c) => {
        readBody(bodyOf(c), TASK_CONFIGS);
        refuseInternalRequest(c.req.raw.headers);
      },
    },
    {
      method: "PUT",
      path: `${C}/fence`,
      consumesJson: false,
      handle: (c) => refuseInternalRequest(c.req.raw.headers),
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
        await completeOrForward(c, () => timed(() => herder.restartTask(name(c), task(c))));
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
  ];
}
