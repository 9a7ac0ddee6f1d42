/**
 * ConnectorPluginsResource: the plugin list (connectorsOnly), a plugin's ConfigKeyInfos, and
 * config validation (ConfigInfos).
 */
import { jsonResponse, nullEntity, readConfigMap } from "../json-body.ts";
import { booleanQuery, type Route } from "../route.ts";

export function connectorPluginRoutes(): Route[] {
  return [
    {
      method: "GET",
      path: "/connector-plugins",
      consumesJson: true,
      handle: (c, { herder }) => jsonResponse(200, herder.plugins(booleanQuery(c, "connectorsOnly", true))),
    },
    {
      method: "GET",
      path: "/connector-plugins/:plugin/config",
      consumesJson: true,
      handle: (c, { herder }) =>
        jsonResponse(200, herder.pluginConfig(c.req.param("plugin") ?? "", c.req.query("version"))),
    },
    {
      method: "PUT",
      path: "/connector-plugins/:plugin/config/validate",
      consumesJson: true,
      readsBody: true,
      handle: async (c, { herder }) => {
        const config = readConfigMap(c);
        if (config === null) {
          throw nullEntity('Cannot invoke "java.util.Map.get(Object)" because "connectorConfig" is null');
        }
        return jsonResponse(200, await herder.validateConfig(c.req.param("plugin") ?? "", config));
      },
    },
  ];
}
