/**
 * The plugin contract: every plugin (connector, converter, transform, predicate) exports one
 * descriptor and is listed in `src/plugins.ts`. The descriptor's `config` is the single
 * declaration from which validation, REST config descriptions and docs are derived.
 */
import type { SinkConnector, SinkTask, SourceConnector, SourceTask } from "../api/connector.ts";
import type { Converter, HeaderConverter } from "../api/converter.ts";
import type { Predicate, Transformation } from "../api/transformation.ts";
import type { ConfigDef } from "./config-def.ts";

export type PluginType = "source" | "sink" | "converter" | "header_converter" | "transformation" | "predicate";

interface Descriptor<T extends PluginType, P> {
  readonly type: T;
  /** Apache's class name for Apache-compatible plugins, so existing configs work unchanged. */
  readonly className: string;
  /** Names that find the plugin besides the class name and Connect's computed aliases. */
  readonly aliases?: readonly string[];
  readonly version: string;
  readonly config: ConfigDef<never> | ConfigDef;
  /** One paragraph for the generated docs. */
  readonly summary: string;
  create(): P;
}

export interface SourceConnectorDescriptor extends Descriptor<"source", SourceConnector> {
  readonly taskClass: string;
  createTask(): SourceTask;
}

export interface SinkConnectorDescriptor extends Descriptor<"sink", SinkConnector> {
  readonly taskClass: string;
  createTask(): SinkTask;
}

export type ConnectorDescriptor = SourceConnectorDescriptor | SinkConnectorDescriptor;
export type ConverterDescriptor = Descriptor<"converter", Converter>;
export type HeaderConverterDescriptor = Descriptor<"header_converter", HeaderConverter>;
export type TransformationDescriptor = Descriptor<"transformation", Transformation>;
export type PredicateDescriptor = Descriptor<"predicate", Predicate>;

export type PluginDescriptor =
  | SourceConnectorDescriptor
  | SinkConnectorDescriptor
  | ConverterDescriptor
  | HeaderConverterDescriptor
  | TransformationDescriptor
  | PredicateDescriptor;

export type DescriptorOf<T extends PluginType> = Extract<PluginDescriptor, { type: T }>;
