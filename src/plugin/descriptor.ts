/**
 * The plugin contract: every plugin (connector, converter, transform, predicate) exports one
 * descriptor and is listed in `src/plugins.ts`. The descriptor's `config` is the single
 * declaration from which validation, REST config descriptions and docs are derived.
 */
import type { Config, SinkConnector, SinkTask, SourceConnector, SourceTask } from "../api/connector.ts";
import type { Converter, HeaderConverter } from "../api/converter.ts";
import type { Predicate, Transformation } from "../api/transformation.ts";
import type { ConfigDef, RawConfig } from "./config-def.ts";

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

/** Converters a connector config implies, by the Connect key they stand for. */
export type ImpliedConverters = Readonly<
  Partial<
    Record<
      "key.converter" | "value.converter",
      { readonly className: string; readonly settings: Readonly<Record<string, string>> }
    >
  >
>;

/** A validation error found by a connector's cross-key rules, reported on the key at fault. */
export interface ConfigProblem {
  readonly key: string;
  readonly message: string;
  /**
   * A validation-only problem: how a stored config with it runs (`runs as 1 ms`), for the WARN at
   * its start. Unset: it runs as before.
   */
  readonly runsAs?: string;
}

interface ConnectorDescriptorBase {
  readonly taskClass: string;
  /**
   * Keys whose value one connector of this class may use at a time (HttpIngestSource's
   * ingest.path): validation rejects a value another connector of the class already has.
   */
  readonly uniqueKeys?: readonly string[];
  /**
   * Cross-connector rules beyond `uniqueKeys`: the problems `config` has with `other`, the stored
   * config of another connector of the class named `otherName` (HttpIngestSource: a REST Proxy topic
   * both accept). Validation adds them as it adds `validate`'s. Must not do I/O nor throw.
   */
  conflicts?(config: Config, other: Config, otherName: string): ConfigProblem[];
  /**
   * The keys of `other` that `conflicts` reads: of the other connectors' configs, validation
   * resolves these and `uniqueKeys` only (runtime/other-connector-values.ts); `conflicts` must read
   * the rest of `other` leniently (its other keys may hold references, or not parse).
   */
  readonly conflictKeys?: readonly string[];
  /**
   * Converter settings for this connector's tasks, under its own `key.converter.*` /
   * `value.converter.*` keys and over the worker's (HttpIngestSource: plain JSON, no envelope).
   */
  readonly converterDefaults?: Readonly<
    Partial<Record<"key.converter" | "value.converter", Readonly<Record<string, string>>>>
  >;
  /**
   * The converter a key of the connector's own config implies (the HTTP sink's Flink `format`):
   * its class and settings, used in place of the worker's converter when the connector config sets
   * no `key.converter` / `value.converter` itself. The config's own `value.converter.*` keys still
   * apply over the settings. Must not do I/O.
   */
  impliedConverters?(config: Config): ImpliedConverters;
  /**
   * Cross-key rules the per-key declarations cannot express (Connect's `Connector.validate`), e.g.
   * "`oauth2.client.secret` is required when `auth.type=OAUTH2`". Called with the raw config only
   * after every key of the connector's own `config` passed its per-key validation, so it may
   * `config.parse(...)` safely. Each problem is added to `PUT …/config/validate` on its key
   * (counted in `error_count`) and rejects create/update with 400 like any config error. Must
   * not do I/O; the message is shown as is (Connect style: a sentence naming the keys involved).
   */
  validate?(config: Config): ReadonlyArray<ConfigProblem>;
  /**
   * Validation-only (upgrade-tolerant) rules: what validation refuses now but a config stored
   * before the rule existed still runs with (a queue limit below the request limit, a cron
   * expression croner runs but Quartz refuses). Validation adds each problem like `validate`'s
   * (on a key one of these faults, `validate`'s problems are not added: one explanation per
   * value); when the worker starts a connector whose stored config breaks one, it logs one WARN
   * per problem naming the connector and the key, and starts it anyway. So the connector's
   * `start` must not check these itself. Same contract as `validate` (parse safely, no I/O); the
   * message is also logged, so it must not quote a secret. `providedKeys`: the keys whose raw value
   * held a reference a config provider resolved (PluginContext.providedKeys), whose values a message shows as
   * the rest of the product does (an endpoint URL as its origin only: http/shown-url.ts).
   */
  validationOnly?(config: Config, providedKeys?: ReadonlySet<string>): ReadonlyArray<ConfigProblem>;
}

export interface SourceConnectorDescriptor extends Descriptor<"source", SourceConnector>, ConnectorDescriptorBase {
  createTask(): SourceTask;
  /**
   * True when a task with this config promises that its records land in Kafka in poll order per
   * partition, retries included (the HttpIngestSource spool). The worker then keeps several
   * produce requests in flight only on an idempotent producer (the default; KafkaProducer's
   * `idempotent`), which keeps that order itself; with a producer that is not idempotent
   * (acks=1/0, enable.idempotence=false, more than 5 in flight, retries=0) it keeps one request
   * in flight, so a retried batch cannot land after a later one. Undefined: false.
   */
  keepsOrder?(taskConfig: Config): boolean;
  /**
   * Connect's SourceConnector.exactlyOnceSupport: whether the connector can give exactly-once
   * semantics with this config (as submitted, JSON nulls included), asked when
   * `exactly.once.support=required`; what it throws is reported as an unexpected validation error.
   * Undefined: the connector does not say (Connect's default, null).
   */
  exactlyOnceSupport?(config: RawConfig): "SUPPORTED" | "UNSUPPORTED";
  /**
   * Gateway extension: the tasks serve requests clients send to a route the connector instance opens
   * (HttpIngestSource). A config change stops them before the new instance starts, so no request
   * the reopened route takes goes through the old config's tasks (its transforms, converters,
   * topic); Connect's other connectors keep their tasks running until the new task configs are
   * stored. Undefined: false.
   */
  readonly tasksServeRequests?: boolean;
  /** Connect's SourceConnector.canDefineTransactionBoundaries. Undefined: UNSUPPORTED (Connect's default). */
  canDefineTransactionBoundaries?(config: Config): "SUPPORTED" | "UNSUPPORTED";
}

export interface SinkConnectorDescriptor extends Descriptor<"sink", SinkConnector>, ConnectorDescriptorBase {
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
