/**
 * Worker: builds and owns running connectors and tasks (Connect's Worker). It turns a stored
 * connector config into a WorkerConnector, and a task config into a WorkerSourceTask or
 * WorkerSinkTask with its converters, transformation chain, error operator and Kafka clients
 * (built by task-builder.ts); its admin clients are in worker-admin.ts. It holds no state machine
 * of its own: the Herder decides what runs; the Worker makes it so. Status reports from instances
 * the Worker no longer owns (an abandoned or replaced task) are dropped here, so they cannot
 * overwrite the status of their successor.
 */
import type { Config } from "../api/connector.ts";
import { clientProperties } from "../client-properties.ts";
import { providedKeys } from "../config-providers/config-transformer.ts";
import { unresolvedReferencesWarning } from "../config-providers/unresolved-references.ts";
import {
  type ConnectorClientConfigOverridePolicy,
  connectorClientOverrides,
} from "../connector-client-config-override-policy.ts";
import { ConnectError, JavaException } from "../errors.ts";
import type { ClientType } from "../kafka/client-config-keys.ts";
import type { CallBound, KafkaAdmin, KafkaPort } from "../kafka/kafka-port.ts";
import type { PluginRegistry } from "../plugin/registry.ts";
import type { TargetState } from "../store/config-store.ts";
import type { ConsumerMemberStore } from "../store/consumer-member-store.ts";
import type { OffsetStore } from "../store/offset-store.ts";
import type { Clock } from "../util/clock.ts";
import type { LogManager } from "../util/logger.ts";
import type { WorkerConfig } from "../worker-config.ts";
import { AbandonedTasks } from "./abandoned-tasks.ts";
import type { ActiveTopicRegistry } from "./active-topics.ts";
import { fenceOrphanMembers, type StoredConnector } from "./orphan-members.ts";
import { resolveConnector } from "./resolve-connector.ts";
import { ReportedValues, type ResolveConfig, ResolvedValues } from "./resolved-values.ts";
import { buildTask } from "./task-builder.ts";
import { workerTopicCreationGroups } from "./topic-creation.ts";
import { type AdminLease, WorkerAdmin } from "./worker-admin.ts";
import {
  CONNECTOR_GRACEFUL_SHUTDOWN_TIMEOUT_MS,
  type ConnectorStatusListener,
  WorkerConnector,
} from "./worker-connector.ts";
import { WorkerStartupMetrics } from "./worker-startup-metrics.ts";
import { type ConnectorTaskId, type TaskStatusListener, taskIdString, type WorkerTask } from "./worker-task.ts";

export interface WorkerDeps {
  readonly config: WorkerConfig;
  readonly registry: PluginRegistry;
  readonly kafka: KafkaPort;
  readonly offsets: OffsetStore;
  /** The member ids groups gave the sink tasks' consumers: a task fences only its own predecessors. */
  readonly consumerMembers: ConsumerMemberStore;
  readonly clock: Clock;
  readonly logs: LogManager;
  /**
   * Resolves `${provider:path:key}` references just before a connector or task starts; `onValue`
   * receives each value resolved (hidden from the logs while what got it runs).
   */
  readonly resolveConfig: ResolveConfig;
  readonly activeTopics: ActiveTopicRegistry;
}

/**
 * Connect's WorkerConnector (and a task's TaskBuilder) takes the connector's settings with
 * AbstractConfig.originalsStrings(), which refuses a value that is not a string: a config stored with
 * a JSON null (validation lets it through for a key the connector defines) fails the connector, and
 * any task started after, never reaching them.
 */
function checkStringValues(config: Config): void {
  for (const key of Object.keys(config)) {
    if (typeof config[key] !== "string")
      throw new JavaException(
        "java.lang.ClassCastException",
        `Non-string value found in original settings for key ${key}: null`,
      );
  }
}

export class Worker {
  private readonly connectors = new Map<string, WorkerConnector>();
  private readonly tasks = new Map<string, WorkerTask>();
  /** Releases the provider values a running connector was resolved with (hidden from the logs). */
  private readonly connectorSecrets = new Map<WorkerConnector, () => void>();
  /** Aborts a task's retry back-offs when it is asked to stop. */
  private readonly taskAborts = new Map<WorkerTask, AbortController>();
  /** What the providers resolved for a task's configs (taskResolvedValues). */
  private readonly taskValues = new WeakMap<WorkerTask, ResolvedValues>();
  private readonly abandoned = new AbandonedTasks();
  private readonly admins: WorkerAdmin;
  /** Each connector's orphan sweep in flight: its next one waits for it (orphan-members.ts). */
  private readonly orphanSweeps = new Map<string, Promise<void>>();
  /** Connector and task startup outcomes (Connect's connector/task-startup-* worker metrics). */
  readonly startups = new WorkerStartupMetrics();

  constructor(private readonly deps: WorkerDeps) {
    this.admins = new WorkerAdmin(deps);
  }

  /** The worker's connector.client.config.override.policy; the Herder's validation applies this one too. */
  get overridePolicy(): ConnectorClientConfigOverridePolicy {
    return this.deps.config.overridePolicy;
  }

  /** The worker's settings of a Kafka client type, before a connector's overrides (client-properties.ts). */
  clientProperties(type: ClientType): Record<string, string> {
    return clientProperties(this.deps.config, type);
  }

  /** A lazily created admin client on the worker's own client settings (worker-admin.ts). */
  admin(): Promise<KafkaAdmin> {
    return this.admins.shared();
  }

  /** Closes the shared admin client if one was ever created (never creates one to close it). */
  closeAdmin(): Promise<void> {
    return this.admins.close();
  }

  /** The client-override check of a connector's `<type>.override.*` keys (WorkerAdmin.checkClientOverrides). */
  checkClientOverrides(...args: Parameters<WorkerAdmin["checkClientOverrides"]>): Promise<Config | undefined> {
    return this.admins.checkClientOverrides(...args);
  }

  /** An admin client for a sink connector's offsets, held until disposed (WorkerAdmin.connectorAdmin). */
  connectorAdmin(config: Config, resolve?: ResolveConfig, bound?: CallBound): Promise<AdminLease> {
    return this.admins.connectorAdmin(config, resolve, bound);
  }

  /** Builds an admin client config for a sink connector's offsets; returns how to lend the client (WorkerAdmin.buildConnectorAdmin). */
  buildConnectorAdmin(config: Config, resolve?: ResolveConfig): Promise<(bound?: CallBound) => Promise<AdminLease>> {
    return this.admins.buildConnectorAdmin(config, resolve);
  }

  /**
   * Removes from their groups the dead consumers of sink tasks that no longer run (orphan-members.ts)
   * of `connectors` (every connector with member ids kept when none named); `stored` reads a stored
   * connector, `stopping` whether the herder stops. Never rejects: a failure is logged.
   */
  fenceOrphanMembers(
    stored: (name: string) => StoredConnector | undefined,
    stopping: () => boolean,
    connectors?: readonly string[],
  ): Promise<void> {
    return fenceOrphanMembers(
      {
        config: this.deps.config,
        registry: this.deps.registry,
        resolveConfig: this.deps.resolveConfig,
        members: this.deps.consumerMembers,
        connector: stored,
        stopping,
        withAdmin: async (config, use) =>
          config ? this.admins.withConnectorAdmin(config, use) : use(await this.admins.shared()),
        log: this.deps.logs.get("org.apache.kafka.connect.runtime.Worker"),
        clock: this.deps.clock,
        inFlight: this.orphanSweeps,
      },
      connectors,
    );
  }

  connector(name: string): WorkerConnector | undefined {
    return this.connectors.get(name);
  }

  task(id: ConnectorTaskId): WorkerTask | undefined {
    return this.tasks.get(taskIdString(id));
  }

  /**
   * What the providers resolved for the running task's own configs when it was built, hidden from its
   * status traces by StatusWriter.redact (ResolvedValues.redaction's `KEY` rule: 4 characters or more
   * inside words too, shorter ones as whole tokens): its FAILED trace and the Degraded trace of its
   * RUNNING status. They may differ from the connector's (a secrets file changed, then only the
   * task restarted). None for a task the worker does not run.
   */
  taskResolvedValues(id: ConnectorTaskId): ResolvedValues {
    const task = this.task(id);
    return (task && this.taskValues.get(task)) ?? ResolvedValues.none;
  }

  runningTasks(connector: string): WorkerTask[] {
    return [...this.tasks.values()].filter((t) => t.id.connector === connector);
  }

  allTasks(): WorkerTask[] {
    return [...this.tasks.values()];
  }

  /**
   * Creates the connector instance and moves it to `target`. A connector whose class or config
   * cannot be resolved is reported FAILED through the listener rather than thrown, as is a source
   * connector with a bad `topic.creation.*` value (Connect's SourceConnectorConfig: the first
   * ConfigException, no tasks) or a `producer.override.*` key the override policy does not allow
   * (Connect's Worker builds a source connector's offset store with its producer's config, which
   * checks them).
   * An asynchronous `start` is not awaited: `requestTaskReconfiguration` runs when it settles.
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
    // The provider values it runs with stay hidden from the logs until it stops.
    const resolved = new ReportedValues();
    const unresolvedKeys = new Set<string>();
    const start = this.startups.connector(listener, (c) =>
      this.deps.resolveConfig(c, resolved.onValue, (key) => unresolvedKeys.add(key)),
    );
    listener = start.listener;
    try {
      // As Connect's herder hands its Worker the transformed config: a `connector.class` given by reference runs.
      const config = await start.resolveConfig(rawConfig);
      const descriptor = resolveConnector(this.deps.registry, config["connector.class"] ?? "");
      const unresolved = unresolvedReferencesWarning(`Connector ${name}`, unresolvedKeys);
      if (unresolved !== undefined) log.warn(unresolved);
      if (descriptor.type === "source") {
        // Connect's SourceConnectorConfig parses the topic.creation.* groups (when the worker
        // creates topics) before the offset store checks the producer's overrides.
        workerTopicCreationGroups(this.deps.config, config);
        connectorClientOverrides(this.overridePolicy, config, "producer");
      }
      checkStringValues(config);
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
          connectorName: name,
          providedKeys: providedKeys(rawConfig, config),
          requestTaskReconfiguration,
          raiseError: (error) => owned.current?.fail(error),
          offsetStorageReader: { offset: async (p) => this.deps.offsets.get(name, p) },
        },
        log,
        {
          clock: this.deps.clock,
          startTimeoutMs: this.deps.config["connector.start.timeout.ms"],
          stopTimeoutMs: CONNECTOR_GRACEFUL_SHUTDOWN_TIMEOUT_MS,
          onStarted: requestTaskReconfiguration,
          onStartFailed: requestTaskReconfiguration,
        },
      );
      owned.current = wc;
    } catch (error) {
      const release = this.deps.logs.holdSecrets(resolved.all);
      log.error(`Failed to start connector ${name}`, error);
      listener.onFailure(name, error);
      release();
      return undefined;
    }
    this.connectorSecrets.set(wc, this.deps.logs.holdSecrets(resolved.all));
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
    // A start or stop past its timeout still runs the connector's code, which may log its values:
    // they stay hidden until it returned (for good if it never does).
    const returned = wc.whenReturned();
    this.abandoned.trackEnd(name, returned);
    void returned.then(this.connectorSecrets.get(wc));
    this.connectorSecrets.delete(wc);
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
      onFailure: (i, e) => this.tasks.get(key) === task && listener.onFailure(i, e, this.taskValues.get(task)),
    };
    let task: WorkerTask;
    const abort = new AbortController();
    // The provider values the task runs with stay hidden from the logs until it has ended.
    const resolved = new ReportedValues();
    const build = this.startups.taskBuild((c) => this.deps.resolveConfig(c, resolved.onValue));
    const deps: WorkerDeps = { ...this.deps, resolveConfig: build.resolveConfig };
    try {
      // Connect's TaskBuilder takes the connector's config with originalsStrings() as well.
      checkStringValues(connectorConfig);
      task = await buildTask(deps, id, connectorConfig, taskConfig, target, guarded, abort.signal);
    } catch (error) {
      const release = this.deps.logs.holdSecrets(resolved.all);
      this.deps.logs.get("org.apache.kafka.connect.runtime.Worker").error(`Failed to start task ${key}`, error);
      build.failed();
      listener.onFailure(id, error, resolved.values());
      release();
      return false;
    }
    const release = this.deps.logs.holdSecrets(resolved.all);
    this.taskValues.set(task, resolved.values());
    this.tasks.set(key, task);
    this.taskAborts.set(task, abort);
    task.start();
    // Read after start: before it, whenFinished is already settled and would release the values at once.
    void task.whenFinished().then(release);
    return true;
  }

  /**
   * Stops tasks in parallel; a task not done within the graceful timeout, or whose end threw, is cancelled and abandoned
   * (logged, tracked until it ends): a task's failure fails no caller.
   */
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
        // Connect's Worker.awaitStopTask cancels a task not stopped in time. Its stops cannot fail otherwise; here a
        // task whose end threw past its own handling (its failure report or a log line) is treated alike: cancelled and
        // tracked while it may still run (its config's secrets stay hidden), and the other stops go on all the same.
        const failed = await task.awaitStop(timeout).then(
          (done) => (done ? undefined : { why: `it did not stop within ${timeout} ms`, error: undefined }),
          (error: unknown) => ({ why: "its end threw", error }),
        );
        if (failed) {
          task.cancel();
          log.error(`Graceful stop of task ${key} failed: ${failed.why} and was abandoned`, failed.error);
          this.abandoned.track(task);
        }
        if (this.tasks.get(key) === task) this.tasks.delete(key);
      }),
    );
  }

  /**
   * Settles once what stops of `connector` abandoned (tasks, a start or stop) since the last call has
   * ended: it runs with the config the connector had until now (AbandonedTasks.take).
   */
  takeAbandonedEnd(connector: string): Promise<void> {
    return this.abandoned.take(connector);
  }

  setTargetState(name: string, target: TargetState): void {
    for (const task of this.runningTasks(name)) if (target !== "STOPPED") task.transitionTo(target);
  }
}
