/**
 * The Worker's task builder (Connect's Worker.TaskBuilder): a WorkerSourceTask or WorkerSinkTask
 * from a task's configs, with its converters (the connector's own, else those its config implies,
 * else the worker's, with a source plugin's converter defaults), transformation chain, error reporters and
 * RetryWithToleranceOperator, and the Kafka client properties of its producer or consumer (with
 * Connect's default client ids, task-clients.ts). Called
 * by Worker.startTask (worker.ts), which owns and starts what it builds.
 */
import type { Config } from "../api/connector.ts";
import type { Converter, HeaderConverter } from "../api/converter.ts";
import { javaTrim } from "../api/data/java-text.ts";
import { providedKeys } from "../config-providers/config-transformer.ts";
import { ConfigError, KafkaError } from "../errors.ts";
import { taskClassListHint } from "../kafka/client-class-hints.ts";
import { checkClientClasses, checkClientConfigValues } from "../kafka/client-classes.ts";
import { checkProducerProperties, consumerSettings } from "../kafka/client-config.ts";
import type { ClientType } from "../kafka/client-config-keys.ts";
import { ineffectiveKeysWarning } from "../kafka/client-key-effects.ts";
import { keyStoreExpiryNotice, keyStoreExpiryWarning } from "../kafka/key-store-expiry.ts";
import type { ConnectorDescriptor, ImpliedConverters } from "../plugin/descriptor.ts";
import type { TargetState } from "../store/config-store.ts";
import { invalidValue } from "../util/invalid-value.ts";
import { javaUtf8Text } from "../util/java-utf8.ts";
import type { Logger } from "../util/logger.ts";
import { splitList, topicPattern } from "./connector-config-values.ts";
import { DeadLetterQueueReporter } from "./errors/dead-letter-queue-reporter.ts";
import { LogReporter } from "./errors/log-reporter.ts";
import type { ErrorReporter } from "./errors/processing-context.ts";
import { RetryWithToleranceOperator } from "./errors/retry-with-tolerance.ts";
import type { RecordConverters } from "./record-conversion.ts";
import { resolveConnector } from "./resolve-connector.ts";
import { sinkConnectorConfig } from "./sink-connector-config.ts";
import { sourceConnectorConfig } from "./source-connector-config.ts";
import { castTaskClass } from "./task-class-cast.ts";
import { taskClientProperties } from "./task-clients.ts";
import { TaskMetrics, taskPluginsMetadata } from "./task-metrics.ts";
import { topicCreator, workerTopicCreationGroups } from "./topic-creation.ts";
import { TransformationChain } from "./transformation-chain.ts";
import type { WorkerDeps } from "./worker.ts";
import { WorkerSinkTask } from "./worker-sink-task.ts";
import { WorkerSourceTask } from "./worker-source-task.ts";
import type { ConnectorTaskId, TaskStatusListener, WorkerTask } from "./worker-task.ts";

/** Builds a task (not started) from its raw configs, resolving config-provider references first. */
export async function buildTask(
  deps: WorkerDeps,
  id: ConnectorTaskId,
  rawConnectorConfig: Config,
  rawTaskConfig: Config,
  target: TargetState,
  listener: TaskStatusListener,
  stopSignal: AbortSignal,
): Promise<WorkerTask> {
  const connectorConfig = await deps.resolveConfig(rawConnectorConfig);
  const taskConfig = await deps.resolveConfig(rawTaskConfig);
  const descriptor: ConnectorDescriptor = resolveConnector(deps.registry, connectorConfig["connector.class"] ?? "");
  // The task runs the class its task config names (an old connector's while a paused one was not reconfigured).
  const taskPlugin = castTaskClass(deps.registry, taskConfig, descriptor);
  const framework = (descriptor.type === "sink" ? sinkConnectorConfig : sourceConnectorConfig).parse(connectorConfig);
  // The converters the connector config names, else the defaults of the task's own plugin (an old task keeps its own).
  const converterDefaults = taskPlugin.type === "source" ? taskPlugin.converterDefaults : undefined;
  const implied = taskPlugin.impliedConverters?.(connectorConfig) ?? {};
  const key = converter(deps, connectorConfig, "key.converter", converterDefaults?.["key.converter"], implied);
  const value = converter(deps, connectorConfig, "value.converter", converterDefaults?.["value.converter"], implied);
  const header = headerConverter(deps, connectorConfig);
  const converters: RecordConverters = {
    key: key.converter,
    keyClass: key.className,
    value: value.converter,
    valueClass: value.className,
    header: header.converter,
    headerClass: header.className,
  };
  const transformations = TransformationChain.fromConfig(deps.registry, connectorConfig);
  const taskLog = deps.logs.get(
    descriptor.type === "sink"
      ? "org.apache.kafka.connect.runtime.WorkerSinkTask"
      : "org.apache.kafka.connect.runtime.WorkerSourceTask",
  );
  const metrics = new TaskMetrics(Date.now, taskPluginsMetadata(descriptor, taskPlugin, { key, value, header }));
  const clients = taskClientProperties(deps.config, id, connectorConfig);
  /** Connect's task context, on every line about this task (its clients' too). */
  const logContext = `[${id.connector}|task-${id.task}]`;
  const warnClient = clientWarnings(deps, connectorConfig, taskLog.withContext(logContext));
  const reporters: ErrorReporter[] = [];
  if (framework["errors.log.enable"]) {
    reporters.push(
      new LogReporter(
        deps.logs.get("org.apache.kafka.connect.runtime.errors.LogReporter").withContext(logContext),
        framework["errors.log.include.messages"],
        metrics,
      ),
    );
  }
  const common = {
    id,
    initialState: target,
    listener: metrics.trackState(listener),
    clock: deps.clock,
    log: taskLog,
    taskClass: taskPlugin.taskClass,
    config: taskConfig,
    providedKeys: providedKeys(rawTaskConfig, taskConfig),
    converters,
    transformations,
    offsetFlushIntervalMs: deps.config["offset.flush.interval.ms"],
    activeTopics: deps.activeTopics.of(id.connector),
    metrics,
  };
  const tolerance = {
    retryTimeoutMs: framework["errors.retry.timeout"],
    retryDelayMaxMs: framework["errors.retry.delay.max.ms"],
    tolerance: framework["errors.tolerance"] as "none" | "all",
  };
  if (taskPlugin.type === "source") {
    const operator = new RetryWithToleranceOperator(tolerance, reporters, deps.clock, id, metrics, stopSignal);
    const groups = workerTopicCreationGroups(deps.config, connectorConfig);
    const producerProps = clients.producer;
    // Connect constructs the producer in buildWorkerTask, so an invalid configuration fails the task
    // whatever its target state (Worker.startTask: "Failed to start task"); here the producer
    // connects on its first send, so only its configuration is checked now.
    withClassListHint(taskLog, id, "producer", producerProps, () => checkProducerProperties(producerProps));
    warnClient("producer", producerProps);
    // Its topic-creation admin client's properties too (a refused admin.override.* key fails now).
    const creation = groups && { groups, adminProps: clients.admin };
    if (creation) {
      checkClientConfigValues("admin", creation.adminProps);
      warnClient("admin", creation.adminProps, "topic-creation admin client");
    }
    return new WorkerSourceTask({
      ...common,
      task: taskPlugin.createTask(),
      operator,
      // The sender sends a refused request's other records again: they must land before later sends'.
      producer: () => deps.kafka.producer(producerProps, { keepOrderAfterRefusal: true, logContext }),
      keepOrder: taskPlugin.keepsOrder?.(taskConfig) ?? false,
      maxRequestBytes: Number(producerProps["max.request.size"] ?? 1_048_576),
      maxInFlightBatches: Math.max(1, Number(producerProps["max.in.flight.requests.per.connection"] ?? 5) || 5),
      maxInFlightBytes: Math.max(1, Number(producerProps["buffer.memory"] ?? 33_554_432) || 33_554_432),
      offsets: deps.offsets,
      ...(creation ? { topicCreator: topicCreator(() => deps.kafka.admin(creation.adminProps), creation.groups) } : {}),
    });
  }
  const sinkFramework = framework as ReturnType<typeof sinkConnectorConfig.parse>;
  // As Connect's SinkTaskBuilder: the consumer's properties first, then the DLQ's clients'.
  const consumerProps = clients.consumer;
  // Connect builds the consumer here: a class it cannot load or a value out of its range fails the task now.
  let maxPutRecords = 500;
  withClassListHint(taskLog, id, "consumer", consumerProps, () => {
    checkClientClasses("consumer", consumerProps);
    maxPutRecords = consumerSettings(consumerProps).maxPollRecords;
  });
  warnClient("consumer", consumerProps);
  const fencesPredecessors = clients.consumerFencesPredecessors;
  const dlqTopic = sinkFramework["errors.deadletterqueue.topic.name"].trim();
  if (dlqTopic !== "") {
    const dlqProducerProps = clients.dlqProducer;
    const dlqAdminProps = clients.dlqAdmin;
    // Connect's Admin.create parses the DLQ admin's config first: a class key it cannot load (a
    // worker's admin.* key, a connector's admin.override.*) fails the task with its ConfigException,
    // as the topic-creation admin's does.
    checkClientConfigValues("admin", dlqAdminProps);
    warnClient("producer", dlqProducerProps, "dead letter queue producer");
    warnClient("admin", dlqAdminProps, "dead letter queue admin client");
    reporters.push(
      new DeadLetterQueueReporter(
        {
          topic: dlqTopic,
          replicationFactor: sinkFramework["errors.deadletterqueue.topic.replication.factor"],
          contextHeaders: sinkFramework["errors.deadletterqueue.context.headers.enable"],
          redact: (text) => deps.logs.redact(text),
        },
        () => deps.kafka.admin(dlqAdminProps),
        {
          check: () =>
            withClassListHint(taskLog, id, "producer", dlqProducerProps, () =>
              checkProducerProperties(dlqProducerProps),
            ),
          create: () => deps.kafka.producer(dlqProducerProps, { logContext }),
        },
        deps.logs.get("org.apache.kafka.connect.runtime.errors.DeadLetterQueueReporter").withContext(logContext),
        metrics,
      ),
    );
  }
  const operator = new RetryWithToleranceOperator(tolerance, reporters, deps.clock, id, metrics, stopSignal);
  // As Connect's WorkerSinkTask: the subscription is the task config's (topics first, else topics.regex),
  // an old task config's under a changed connector too; a task config with neither key, the connector's.
  const subscription =
    taskConfig.topics !== undefined || taskConfig["topics.regex"] !== undefined ? taskConfig : connectorConfig;
  const listed = splitList(subscription.topics);
  const regex = listed.length > 0 ? "" : (subscription["topics.regex"] ?? "").trim();
  const topics = regex !== "" ? topicPattern(regex) : listed;
  return new WorkerSinkTask({
    ...common,
    task: taskPlugin.createTask(),
    operator,
    errantRecordReporter: dlqTopic !== "" || framework["errors.log.enable"],
    maxPutRecords,
    offsetFlushTimeoutMs: deps.config["offset.flush.timeout.ms"],
    ...(Array.isArray(topics) ? { topics } : {}),
    consumer: () => {
      const groupId = sinkGroupId(id.connector, connectorConfig);
      const clientId = consumerProps["client.id"] ?? "";
      const predecessors = fencesPredecessors
        ? deps.consumerMembers.predecessors(id.connector, groupId, clientId)
        : undefined;
      return deps.kafka.consumer({
        groupId,
        topics,
        ...(regex !== "" ? { topicsPattern: regex } : {}),
        properties: consumerProps,
        ...(predecessors ? { predecessors } : {}),
        logContext,
      });
    },
  });
}

/** Runs a client check; when a class fails it, logs the advice on class lists the gateway cannot run. */
function withClassListHint(
  log: Logger,
  id: ConnectorTaskId,
  type: "producer" | "consumer",
  props: Readonly<Record<string, string>>,
  check: () => void,
): void {
  try {
    check();
  } catch (error) {
    const hint = error instanceof KafkaError ? taskClassListHint(type, props) : undefined;
    if (hint !== undefined) log.withContext(`[${id.connector}|task-${id.task}]`).warn(hint);
    throw error;
  }
}

/**
 * The WARNs on a task's client, by its type, properties and role in the task (its type unless
 * given): one naming the keys that have no effect in this gateway (client-key-effects.ts), never
 * their values; one when its key store certificate is not valid or expires within 7 days
 * (key-store-expiry.ts).
 */
function clientWarnings(
  deps: WorkerDeps,
  connectorConfig: Config,
  log: Logger,
): (type: ClientType, props: Readonly<Record<string, string>>, role?: string) => void {
  const client = deps.config["kafka.client"] === "kafkajs" ? "kafkajs" : "platformatic";
  return (type, props, role = type) => {
    // Only keys Connect gives a task's client (the worker's `<type>.` keys, the connector's
    // `<type>.override.` keys): top-level worker keys, which reach it here too, are the worker's own
    // clients' in Connect, and would warn on every task.
    const set = (k: string) =>
      deps.config.originals[`${type}.${k}`] !== undefined || connectorConfig[`${type}.override.${k}`] !== undefined;
    const given = Object.fromEntries(Object.entries(props).filter(([k]) => set(k)));
    const ineffective = ineffectiveKeysWarning(type, given, client, `This task's ${role}`);
    if (ineffective !== undefined) log.warn(ineffective);
    // Only for a client whose connector overrides its key store or protocol: the worker's own key
    // stores were checked at its start.
    const prefix = `${type}.override.`;
    const overridden = Object.keys(connectorConfig).some(
      (k) => k.startsWith(`${prefix}ssl.keystore.`) || k === `${prefix}security.protocol`,
    );
    const notice = overridden ? keyStoreExpiryNotice(props, deps.clock.now()) : undefined;
    if (notice !== undefined) log.warn(keyStoreExpiryWarning(`This task's ${role}`, notice));
  };
}

function converter(
  deps: WorkerDeps,
  connectorConfig: Config,
  prop: "key.converter" | "value.converter",
  defaults: Readonly<Record<string, string>> = {},
  implied: ImpliedConverters = {},
): { converter: Converter; className: string; version: string } {
  const own = connectorConfig[prop]?.trim();
  const chosen = own ? undefined : implied[prop];
  const source = own ? connectorConfig : deps.config.originals;
  const className = own || chosen?.className || deps.config[prop];
  const descriptor = deps.registry.find(["converter"], className);
  if (!descriptor) throw new ConfigError(invalidValue(prop, className, `Class ${className} could not be found.`));
  const converter = descriptor.create();
  const settings = own
    ? { ...defaults, ...prefixed(source, `${prop}.`) }
    : chosen
      ? { ...chosen.settings, ...prefixed(connectorConfig, `${prop}.`) }
      : { ...prefixed(source, `${prop}.`), ...defaults, ...prefixed(connectorConfig, `${prop}.`) };
  converter.configure(
    { ...settings, "converter.type": prop === "key.converter" ? "key" : "value" },
    prop === "key.converter",
  );
  return { converter, className: descriptor.className, version: descriptor.version };
}

function headerConverter(
  deps: WorkerDeps,
  connectorConfig: Config,
): { converter: HeaderConverter; className: string; version: string } {
  const own = connectorConfig["header.converter"]?.trim();
  const source = own ? connectorConfig : deps.config.originals;
  const className = own || deps.config["header.converter"];
  const descriptor = deps.registry.find(["header_converter"], className);
  if (!descriptor)
    throw new ConfigError(invalidValue("header.converter", className, `Class ${className} could not be found.`));
  const converter = descriptor.create();
  converter.configure({ ...prefixed(source, "header.converter."), "converter.type": "header" });
  return { converter, className: descriptor.className, version: descriptor.version };
}

function prefixed(config: Readonly<Record<string, string>>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

/**
 * The consumer group of a sink connector: `connect-<name>` unless `consumer.override.group.id`, as
 * Kafka gets it from Java: a lone surrogate (a name sent as `"\ud800"`) as `?`. The broker answers
 * with the id it was sent, which the client looks its group up by: with TextEncoder's U+FFFD there
 * the lookup failed, an uncaught TypeError that ended the gateway. The override is trimmed as
 * ConsumerConfig trims it (Java's String.trim: U+00A0 and U+3000 stay, as client-classes.ts checks it).
 */
export function sinkGroupId(connector: string, config: Readonly<Record<string, string>>): string {
  return javaUtf8Text(javaTrim(config["consumer.override.group.id"] ?? "") || `connect-${connector}`);
}
