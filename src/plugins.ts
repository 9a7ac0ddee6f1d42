/**
 * The built-in plugins, listed explicitly (no registration by import side effect). A test builds
 * its own PluginRegistry with just the plugins it needs.
 */
import { fileStreamSink, fileStreamSource } from "./connectors/file-stream/index.ts";
import { httpSink } from "./connectors/http-sink/index.ts";
import { httpSource } from "./connectors/http-source/index.ts";
import { converterPlugins } from "./converters/index.ts";
import type { PluginDescriptor } from "./plugin/descriptor.ts";
import { PluginRegistry } from "./plugin/registry.ts";
import { predicatePlugins, transformationPlugins } from "./transforms/index.ts";

export const builtInPlugins: readonly PluginDescriptor[] = [
  fileStreamSource,
  fileStreamSink,
  httpSink,
  httpSource,
  ...converterPlugins,
  ...transformationPlugins,
  ...predicatePlugins,
];

export function builtInRegistry(): PluginRegistry {
  return new PluginRegistry(builtInPlugins);
}
