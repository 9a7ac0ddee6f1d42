/**
 * Worker: builds and owns running connectors and tasks (Connect's Worker). It turns a stored
 * connector config into a WorkerConnector, and a task config into a WorkerSourceTask or
 * WorkerSinkTask with its converters, transformation chain, error operator and Kafka clients.
 * It holds no state machine of its own: the Herder decides what runs; the Worker makes it so.
 * Status reports from instances the Worker no longer owns (an abandoned or replaced task) are
 * dropped here, so they cannot overwrite the status of their successor.
 */
import type { Config } from "../api/connector.ts";
import type { Converter, HeaderConverter } from "../api/converter.ts";
import { ConfigError, ConnectError } from "../errors.ts";
import type { KafkaAdmin, KafkaPort } from "../kafka/kafka-port.ts";
import type { ConnectorDescriptor } from "../plugin/descriptor.ts";
import type { PluginRegistry } from "../plugin/registry.ts";
import type { TargetState } from "../store/config-store.ts";
import type { OffsetStore } from "../store/offset-store.ts";
import type { Clock } from "../util/clock.ts";
import type { LogManager } from "../util/logger.ts";
import { clientProperties, type WorkerConfig } from "../worker-config.ts";
import { sinkConnectorConfig, sourceConnectorConfig, splitList, topicPattern } from "./connector-config.ts";
import { DeadLetterQueueReporter } from "./errors/dead-letter-queue-reporter.ts";
import { LogReporter } from "./errors/log-reporter.ts";
import type { ErrorReporter } from "./errors/processing-context.ts";
import { RetryWithToleranceOperator } from "./errors/retry-with-tolerance.ts";
import type { RecordConverters } from "./record-conversion.ts";
import { TaskMetrics } from "./task-metrics.ts";
import { topicCreationGroups, topicCreator } from "./topic-creation.ts";
import { TransformationChain } from "./transformation-chain.ts";
import { resolveConnector } from "./validate-connector-config.ts";
import { type ConnectorStatusListener, WorkerConnector } from "./worker-connector.ts";
import { WorkerSinkTask } from "./worker-sink-task.ts";
import { WorkerSourceTask } from "./worker-source-task.ts";
import { type ConnectorTaskId, type TaskStatusListener, taskIdString, type WorkerTask } from "./worker-task.ts";

export interface WorkerDeps {
  readonly config: WorkerConfig;
  readonly registry: PluginRegistry;
  readonly kafka: KafkaPort;
  readonly offsets: OffsetStore;
  readonly clock: Clock;
  readonly logs: LogManager;
  /** Resolves `${provider:path:key}` references just before a connector or task starts. */
  readonly resolveConfig: (config: Config) => Promise<Config>;
  readonly onTopic: (connector: string, topic: string) => void;
}

export class Worker {
  private readonly connectors = new Map<string, WorkerConnector>();
  private readonly tasks = new Map<string, WorkerTask>();
  /** Aborts a task's retry back-offs when it is asked to stop. */
  private readonly taskAborts = new Map<WorkerTask, AbortController>();
  private sharedAdmin: Promise<KafkaAdmin> | undefined;

  constructor(private readonly deps: WorkerDeps) {}

  /** A lazily created admin client on the worker's own client settings. */
  admin(): Promise<KafkaAdmin> {
    this.sharedAdmin ??= this.deps.kafka.admin(clientProperties(this.deps.config, "admin")).catch((error) => {
      this.sharedAdmin = undefined;
      throw error;
    });
    return this.sharedAdmin;
  }

  /** Closes the shared admin client if one was ever created (never creates one to close it). */
  async closeAdmin(): Promise<void> {
    const admin = this.sharedAdmin;
    this.sharedAdmin = undefined;
    if (!admin) return;
    // An admin still connecting to an unreachable broker must not hold up shutdown.
    const closed = admin.then((a) => a.close()).catch(() => undefined);
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2000))]);
  }

  /**
   * Runs `use` with an admin client for a connector: the shared one, or, when the connector has
   * `admin.override.*` keys (and the policy allows them), one made with those and closed after.
   */
  async withConnectorAdmin<T>(connectorConfig: Config, use: (admin: KafkaAdmin) => Promise<T>): Promise<T> {
    const overridden =
      this.deps.config["connector.client.config.override.policy"] === "All" &&
      Object.keys(connectorConfig).some((k) => k.startsWith("admin.override."));
    if (!overridden) return use(await this.admin());
    const admin = await this.deps.kafka.admin(
      clientProperties(this.deps.config, "admin", await this.deps.resolveConfig(connectorConfig)),
    );
    try {
      return await use(admin);
    } finally {
      await admin.close().catch(() => undefined);
    }
  }

  connector(name: string): WorkerConnector | undefined {
    return this.connectors.get(name);
  }

  task(id: ConnectorTaskId): WorkerTask | undefined {
    return this.tasks.get(taskIdString(id));
  }

  runningTasks(connector: string): WorkerTask[] {
    return [...this.tasks.values()].filter((t) => t.id.connector === connector);
  }

  allTasks(): WorkerTask[] {
    return [...this.tasks.values()];
  }

  /**
   * Creates the connector instance and moves it to `target`. A connector whose class or config
   * cannot be resolved is reported FAILED through the listener rather than thrown. An
   * asynchronous `start` is not awaited: `requestTaskReconfiguration` runs when it completes.
   */
  async startConnector(
    name: string,
    rawConfig: Config,
    target: TargetState,
    listener: ConnectorStatusListener,
    requestTaskReconfiguration: () => void,
  ): Promise<WorkerConnector | undefined> {
    const log = this.deps.logs.get("org.apache.kafka.connect.runtime.Worker");
    let wc: WorkerConnector;
    try {
      const descriptor = resolveConnector(this.deps.registry, rawConfig["connector.class"] ?? "");
      const config = await this.deps.resolveConfig(rawConfig);
      const owned = { current: undefined as WorkerConnector | undefined };
      const guarded = this.guardConnector(name, listener, () => owned.current);
      wc = new WorkerConnector(
        name,
        descriptor,
        config,
        guarded,
        {
          logger: this.deps.logs.get(descriptor.className).withContext(`[${name}|worker]`),
          clock: this.deps.clock,
          requestTaskReconfiguration,
          raiseError: (error) => owned.current?.fail(error),
          offsetStorageReader: { offset: async (p) => this.deps.offsets.get(name, p) },
        },
        log,
        {
          clock: this.deps.clock,
          startTimeoutMs: this.deps.config["connector.start.timeout.ms"],
          stopTimeoutMs: this.deps.config["task.shutdown.graceful.timeout.ms"],
          onStarted: requestTaskReconfiguration,
        },
      );
      owned.current = wc;
    } catch (error) {
      log.error(`Failed to start connector ${name}`, error);
      listener.onFailure(name, error);
      return undefined;
    }
    this.connectors.set(name, wc);
    await wc.transitionTo(target);
    return wc;
  }

  private guardConnector(
    name: string,
    listener: ConnectorStatusListener,
    self: () => WorkerConnector | undefined,
  ): ConnectorStatusListener {
    const current = () => self() !== undefined && this.connectors.get(name) === self();
    return {
      onStartup: (n) => current() && listener.onStartup(n),
      onPause: (n) => current() && listener.onPause(n),
      onResume: (n) => current() && listener.onResume(n),
      onStop: (n) => current() && listener.onStop(n),
      onFailure: (n, e) => (current() || !self()) && listener.onFailure(n, e),
    };
  }

  async stopConnector(name: string): Promise<void> {
    const wc = this.connectors.get(name);
    if (!wc) return;
    this.connectors.delete(name);
    await wc.shutdown();
  }

  /** Builds and starts a task; failures while building are reported as task failures (false). */
  async startTask(
    id: ConnectorTaskId,
    connectorConfig: Config,
    taskConfig: Config,
    target: TargetState,
    listener: TaskStatusListener,
  ): Promise<boolean> {
    const key = taskIdString(id);
    if (this.tasks.has(key)) throw new ConnectError(`Task already exists in this worker: ${key}`);
    const guarded: TaskStatusListener = {
      onStartup: (i) => this.tasks.get(key) === task && listener.onStartup(i),
      onPause: (i) => this.tasks.get(key) === task && listener.onPause(i),
      onResume: (i) => this.tasks.get(key) === task && listener.onResume(i),
      onFailure: (i, e) => this.tasks.get(key) === task && listener.onFailure(i, e),
    };
    let task: WorkerTask;
    const abort = new AbortController();
    try {
      task = await this.buildTask(id, connectorConfig, taskConfig, target, guarded, abort.signal);
    } catch (error) {
      this.deps.logs.get("org.apache.kafka.connect.runtime.Worker").error(`Failed to start task ${key}`, error);
      listener.onFailure(id, error);
      return false;
    }
    this.tasks.set(key, task);
    this.taskAborts.set(task, abort);
    task.start();
    return true;
  }

  /** Stops tasks in parallel; a task not done within the graceful timeout is abandoned. */
  async stopTasks(ids: readonly ConnectorTaskId[]): Promise<void> {
    const timeout = this.deps.config["task.shutdown.graceful.timeout.ms"];
    const log = this.deps.logs.get("org.apache.kafka.connect.runtime.Worker");
    const stopping = ids.flatMap((id) => {
      const key = taskIdString(id);
      const task = this.tasks.get(key);
      if (!task) return [];
      task.stop();
      this.taskAborts.get(task)?.abort();
      this.taskAborts.delete(task);
      return [{ key, task }];
    });
    await Promise.all(
      stopping.map(async ({ key, task }) => {
        const done = await task.awaitStop(timeout);
        if (!done) {
          task.cancel();
          log.error(`Graceful stop of task ${key} failed: it did not stop within ${timeout} ms and was abandoned`);
        }
        if (this.tasks.get(key) === task) this.tasks.delete(key);
      }),
    );
  }

  setTargetState(name: string, target: TargetState): void {
    for (const task of this.runningTasks(name)) if (target !== "STOPPED") task.transitionTo(target);
  }

  private converter(
    connectorConfig: Config,
    prop: "key.converter" | "value.converter",
    defaults: Readonly<Record<string, string>> = {},
  ): { converter: Converter; className: string } {
    const own = connectorConfig[prop]?.trim();
    const source = own ? connectorConfig : this.deps.config.originals;
    const className = own || this.deps.config[prop];
    const descriptor = this.deps.registry.find(["converter"], className);
    if (!descriptor)
      throw new ConfigError(
        `Invalid value ${className} for configuration ${prop}: Class ${className} could not be found.`,
      );
    const converter = descriptor.create();
    const settings = own
      ? { ...defaults, ...prefixed(source, `${prop}.`) }
      : { ...prefixed(source, `${prop}.`), ...defaults, ...prefixed(connectorConfig, `${prop}.`) };
    converter.configure(
      { ...settings, "converter.type": prop === "key.converter" ? "key" : "value" },
      prop === "key.converter",
    );
    return { converter, className: descriptor.className };
  }

  private headerConverter(connectorConfig: Config): { converter: HeaderConverter; className: string } {
    const own = connectorConfig["header.converter"]?.trim();
    const source = own ? connectorConfig : this.deps.config.originals;
    const className = own || this.deps.config["header.converter"];
    const descriptor = this.deps.registry.find(["header_converter"], className);
    if (!descriptor)
      throw new ConfigError(
        `Invalid value ${className} for configuration header.converter: Class ${className} could not be found.`,
      );
    const converter = descriptor.create();
    converter.configure({ ...prefixed(source, "header.converter."), "converter.type": "header" });
    return { converter, className: descriptor.className };
  }

  private async buildTask(
    id: ConnectorTaskId,
    rawConnectorConfig: Config,
    rawTaskConfig: Config,
    target: TargetState,
    listener: TaskStatusListener,
    stopSignal: AbortSignal,
  ): Promise<WorkerTask> {
    const { deps } = this;
    const connectorConfig = await deps.resolveConfig(rawConnectorConfig);
    const taskConfig = await deps.resolveConfig(rawTaskConfig);
    const descriptor: ConnectorDescriptor = resolveConnector(deps.registry, connectorConfig["connector.class"] ?? "");
    const framework = (descriptor.type === "sink" ? sinkConnectorConfig : sourceConnectorConfig).parse(connectorConfig);
    const converterDefaults = descriptor.type === "source" ? descriptor.converterDefaults : undefined;
    const key = this.converter(connectorConfig, "key.converter", converterDefaults?.["key.converter"]);
    const value = this.converter(connectorConfig, "value.converter", converterDefaults?.["value.converter"]);
    const header = this.headerConverter(connectorConfig);
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
    const metrics = new TaskMetrics();
    const reporters: ErrorReporter[] = [];
    if (framework["errors.log.enable"]) {
      reporters.push(
        new LogReporter(
          deps.logs
            .get("org.apache.kafka.connect.runtime.errors.LogReporter")
            .withContext(`[${id.connector}|task-${id.task}]`),
          framework["errors.log.include.messages"],
          metrics,
        ),
      );
    }
    const common = {
      id,
      initialState: target,
      listener,
      clock: deps.clock,
      log: taskLog,
      taskClass: descriptor.taskClass,
      config: taskConfig,
      converters,
      transformations,
      offsetFlushIntervalMs: deps.config["offset.flush.interval.ms"],
      onTopic: (topic: string) => deps.onTopic(id.connector, topic),
      metrics,
    };
    const tolerance = {
      retryTimeoutMs: framework["errors.retry.timeout"],
      retryDelayMaxMs: framework["errors.retry.delay.max.ms"],
      tolerance: framework["errors.tolerance"] as "none" | "all",
    };
    if (descriptor.type === "source") {
      const operator = new RetryWithToleranceOperator(tolerance, reporters, deps.clock, id, metrics, stopSignal);
      const groups = deps.config["topic.creation.enable"] ? topicCreationGroups(connectorConfig) : undefined;
      const producerProps = clientProperties(deps.config, "producer", connectorConfig);
      return new WorkerSourceTask({
        ...common,
        task: descriptor.createTask(),
        operator,
        producer: () => deps.kafka.producer(producerProps),
        keepOrder: descriptor.keepsOrder?.(taskConfig) ?? false,
        maxRequestBytes: Number(producerProps["max.request.size"] ?? 1_048_576),
        maxInFlightBatches: Math.max(1, Number(producerProps["max.in.flight.requests.per.connection"] ?? 5) || 5),
        maxInFlightBytes: Math.max(1, Number(producerProps["buffer.memory"] ?? 33_554_432) || 33_554_432),
        offsets: deps.offsets,
        ...(groups
          ? {
              topicCreator: topicCreator(
                () => deps.kafka.admin(clientProperties(deps.config, "admin", connectorConfig)),
                groups,
              ),
            }
          : {}),
      });
    }
    const sinkFramework = framework as ReturnType<typeof sinkConnectorConfig.parse>;
    const dlqTopic = sinkFramework["errors.deadletterqueue.topic.name"].trim();
    if (dlqTopic !== "") {
      reporters.push(
        new DeadLetterQueueReporter(
          {
            topic: dlqTopic,
            replicationFactor: sinkFramework["errors.deadletterqueue.topic.replication.factor"],
            contextHeaders: sinkFramework["errors.deadletterqueue.context.headers.enable"],
          },
          () => deps.kafka.admin(clientProperties(deps.config, "admin", connectorConfig)),
          () => deps.kafka.producer(clientProperties(deps.config, "producer", connectorConfig)),
          deps.logs.get("org.apache.kafka.connect.runtime.errors.DeadLetterQueueReporter"),
          metrics,
        ),
      );
    }
    const operator = new RetryWithToleranceOperator(tolerance, reporters, deps.clock, id, metrics, stopSignal);
    const regex = sinkFramework["topics.regex"].trim();
    const topics = regex !== "" ? topicPattern(regex) : splitList(taskConfig.topics ?? connectorConfig.topics);
    // Connect's consumer client id; it also lets a restarted task fence its own dead predecessor.
    const consumerProps = {
      "auto.offset.reset": "earliest",
      ...clientProperties(deps.config, "consumer", connectorConfig),
      "client.id": `connector-consumer-${id.connector}-${id.task}`,
    };
    return new WorkerSinkTask({
      ...common,
      task: descriptor.createTask(),
      operator,
      maxPutRecords: Math.max(1, Number((consumerProps as Record<string, string>)["max.poll.records"] ?? 500) || 500),
      consumer: () =>
        deps.kafka.consumer({
          groupId: sinkGroupId(id.connector, connectorConfig),
          topics,
          properties: consumerProps,
        }),
    });
  }
}

function prefixed(config: Readonly<Record<string, string>>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

/** The consumer group of a sink connector: `connect-<name>` unless `consumer.override.group.id`. */
export function sinkGroupId(connector: string, config: Readonly<Record<string, string>>): string {
  return config["consumer.override.group.id"]?.trim() || `connect-${connector}`;
}
