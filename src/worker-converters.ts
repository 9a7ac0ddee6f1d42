/**
 * checkWorkerConverters: the worker's default converters (`key.converter`, `value.converter`,
 * `header.converter`) must name converters this gateway has. startApp calls it once the plugin
 * registry exists, before the data file or a listener opens, so a typo stops the start (exit code 1)
 * with Connect's WorkerConfig message; the gateway started, and every task of a connector without
 * its own converter then FAILED with it (opshunt).
 */
import type { PluginRegistry } from "./plugin/registry.ts";
import { invalidValueError } from "./util/invalid-value.ts";
import type { WorkerConfig } from "./worker-config.ts";

const CONVERTERS = [
  ["key.converter", "converter", "Converter"],
  ["value.converter", "converter", "Converter"],
  ["header.converter", "header_converter", "HeaderConverter"],
] as const;

/** Throws a ConfigError naming the first worker converter key whose class is not a converter here. */
export function checkWorkerConverters(config: WorkerConfig, registry: PluginRegistry): void {
  for (const [key, type, iface] of CONVERTERS) {
    const cls = config[key];
    if (registry.find([type], cls)) continue;
    const other = registry.findAny(cls);
    // ConfigDef loads the class, then Connect's ConcreteSubClassValidator refuses it: its value is the class.
    if (other) throw invalidValueError(key, `class ${other.className}`, `Not a ${iface}`);
    throw invalidValueError(key, cls, `Class ${cls} could not be found.`);
  }
}
