/**
 * Class names the gateway knows that name no plugin of a kind `GET /connector-plugins/{plugin}/config`
 * describes: the task classes of its connectors and its config providers (by class name or alias,
 * config providers being plugins with aliases in Connect too). Apache Kafka Connect loads any
 * class on its classpath by full name there and answers 400 "Invalid plugin class" for one that is
 * no connector, converter, header converter, transformation or predicate (its own
 * FileStreamSourceTask, FileConfigProvider…); a class it cannot load is 404 "Unknown plugin". The
 * gateway has no classpath, so these are the classes it stands in for; a task has no alias, so
 * its simple name stays unknown, as in Connect.
 */
import { builtinConfigProviders, ConfigProviderRegistry } from "../config-providers/config-provider.ts";
import type { PluginRegistry } from "../plugin/registry.ts";

/** Connect's list of the plugin types that have a config to describe. */
const VALID_TYPES = "sink, source, converter, header_converter, transformation, predicate";

const configProviders = new ConfigProviderRegistry(builtinConfigProviders);

/** Whether `name` is a class the gateway knows (or a config provider's alias) that is no plugin. */
export function isNonPluginClass(registry: PluginRegistry, name: string): boolean {
  if (registry.findAny(name)) return false;
  if (configProviders.find(name)) return true;
  return registry.plugins.some((p) => (p.type === "source" || p.type === "sink") && p.taskClass === name);
}

/** Connect's message for a loadable class that is no plugin of a describable type. */
export function invalidPluginClassMessage(name: string): string {
  return `Invalid plugin class ${name}. Valid types are ${VALID_TYPES}.`;
}

/**
 * Connect's message for such a class asked for in a version range (`?version=`), found before the
 * "Invalid plugin class" check: a config provider is a plugin without a version (its full name,
 * also for an alias), a task no plugin at all.
 */
export function nonPluginVersionMessage(name: string, range: string): string {
  const provider = configProviders.find(name);
  if (provider) {
    return `Plugin ${provider.className} not found that matches the version range ${range}, available versions: [undefined]`;
  }
  return `Plugin ${name} is not part of Connect's plugin loading mechanism (ClassPath or Plugin Path)`;
}
