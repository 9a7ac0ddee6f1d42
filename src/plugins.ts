/**
 * The built-in plugins, listed explicitly (no registration by import side effect). A test builds
 * its own PluginRegistry with just the plugins it needs.
 */
import { fileStreamSink, fileStreamSource } from "./connectors/file-stream/index.ts";
import type { HttpIngestServices } from "./connectors/http-ingest/connector.ts";
import { httpIngestSource } from "./connectors/http-ingest/index.ts";
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
  httpIngestSource(),
  httpSource,
  ...converterPlugins,
  ...transformationPlugins,
  ...predicatePlugins,
];

/**
 * The built-in plugins; with `ingest`, the HttpIngestSource connector serves the worker's ingest
 * route table (without, its routes are served by no listener: fine for docs and validation).
 */
export function builtInRegistry(ingest?: HttpIngestServices): PluginRegistry {
  if (!ingest) return new PluginRegistry(builtInPlugins);
  const bound = httpIngestSource(ingest);
  return new PluginRegistry(builtInPlugins.map((p) => (p.className === bound.className ? bound : p)));
}
