/**
 * The connector plugin a stored config runs. Its `connector.class` may be a config provider reference
 * (`${file:…:cls}`), which Connect's herder resolves before its Worker loads the class: what reads the
 * class of a stored config (offsets, serving tasks, orphaned members, status version, /metrics) goes
 * through here, never through the stored text alone, which names no plugin then. Validation's uniqueness
 * checks compare the class as OtherConnectorValues resolves it (bounded in time), and task configs take
 * the running instance's.
 */
import type { Config } from "../api/connector.ts";
import { hasConfigVariable } from "../config-providers/config-variables.ts";
import type { ConnectorDescriptor } from "../plugin/descriptor.ts";
import type { PluginRegistry } from "../plugin/registry.ts";
import type { ResolveConfig } from "./resolved-values.ts";

/**
 * The plugin `config` names, its `connector.class` resolved first when given by reference (the
 * provider asked for that key only); undefined for a class this gateway lacks. A provider's failure rejects.
 */
export async function connectorPlugin(
  registry: PluginRegistry,
  config: Config,
  resolveConfig: ResolveConfig,
): Promise<ConnectorDescriptor | undefined> {
  const cls = config["connector.class"] ?? "";
  const resolved = hasConfigVariable(cls)
    ? ((await resolveConfig({ "connector.class": cls }))["connector.class"] ?? "")
    : cls;
  return registry.find(["source", "sink"], resolved);
}

/**
 * The same where no provider is asked (a status, /metrics, the serving tasks' stop while an instance ran): a class
 * given by reference is that of the connector's running instance (`running`), which the Worker made from the
 * resolved config.
 */
export function knownPlugin(
  registry: PluginRegistry,
  config: Config,
  running: ConnectorDescriptor | undefined,
): ConnectorDescriptor | undefined {
  const cls = config["connector.class"] ?? "";
  return hasConfigVariable(cls) ? running : registry.find(["source", "sink"], cls);
}
