/**
 * AbstractHerder: what the Herder answers without its serial executor (Connect's AbstractHerder,
 * which its standalone and distributed herders share): the reads of stored configs and statuses
 * (ConnectorInfo, ConnectorStateInfo, task configs), KIP-558 active topics, offsets reads, metrics,
 * plugins and config validation. Reads go straight to the stores; the Herder (herder.ts) adds
 * everything that changes state.
 */
import type { Config } from "../api/connector.ts";
import { hasConfigVariable } from "../config-providers/config-variables.ts";
import { ConnectError, NotFoundError } from "../errors.ts";
import type { MetricsSnapshot } from "../metrics/connect-metrics.ts";
import type { ConfigInfos, ConfigKeyInfo } from "../plugin/describe-config.ts";
import type { ConnectorDescriptor } from "../plugin/descriptor.ts";
import type { PluginRegistry } from "../plugin/registry.ts";
import type { ConfigStore } from "../store/config-store.ts";
import type { OffsetStore } from "../store/offset-store.ts";
import type { StatusStore } from "../store/status-store.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger, LogManager } from "../util/logger.ts";
import type { SetTimer } from "../util/timer.ts";
import type { ActiveTopicRegistry } from "./active-topics.ts";
import { ConfigValidator } from "./config-validator.ts";
import type { ConverterDefaults } from "./connector-config-def.ts";
import { readOffsets, retrievingSinkOffsets } from "./connector-offsets.ts";
import { connectorPlugin, knownPlugin } from "./connector-plugin.ts";
import {
  type ConnectorInfo,
  type ConnectorOffsets,
  type ConnectorStateInfo,
  type ConnectorType,
  connectorState,
  type PluginInfo,
  type TaskInfo,
  type TaskState,
  taskState,
} from "./entities.ts";
import { metricsSnapshot } from "./metrics-snapshot.ts";
import { requestDeadline } from "./request-deadline.ts";
import { heldResolution, type ResolveConfig, ResolvedValues } from "./resolved-values.ts";
import { RetryingStatusStore } from "./retrying-status-store.ts";
import { StatusWriter } from "./status-writer.ts";
import { TopicTracking } from "./topic-tracking.ts";
import type { Worker } from "./worker.ts";

export interface HerderDeps {
  readonly worker: Worker;
  readonly configs: ConfigStore;
  readonly statuses: StatusStore;
  readonly offsets: OffsetStore;
  /**
   * The ingest Idempotency-Keys, deleted with their connector and, when a connector is created with
   * keys left under its name, hidden and deleted in the background (a connector created again under
   * its name must not replay the old one's answers); none in tests that run no ingest.
   */
  readonly idempotencyKeys?: { connectorDeleted(connector: string): void; connectorCreated(connector: string): void };
  /**
   * What the ingest connectors keep across their instances (ingest-security.ts: the per-identity quota buckets),
   * dropped with their connector: one created again under its name starts afresh.
   */
  readonly ingestState?: { connectorDeleted(connector: string): void };
  /**
   * The ingest routes (route-table.ts): a deleted connector's is suspended, gone once no task holds it, also when
   * stopping its instance (which suspends it) failed; none in tests that run no ingest.
   */
  readonly ingestRoutes?: { suspend(connector: string): void };
  /** The member ids given to sink tasks' consumers (consumer-member-store.ts), deleted with their connector. */
  readonly consumerMembers?: { connectorDeleted(connector: string): void };
  readonly registry: PluginRegistry;
  readonly workerId: () => string;
  readonly logs: LogManager;
  readonly topicTracking: { enabled: boolean; allowReset: boolean };
  /** The active topics the connectors' tasks recorded; a reset makes them record each again. */
  readonly activeTopics: ActiveTopicRegistry;
  /** Resolves config-provider references; validation runs on resolved values, as in Connect. */
  readonly resolveConfig: ResolveConfig;
  /** The worker's converter classes, shown as defaults in validation output (Connect 4.1+). */
  readonly converterDefaults?: ConverterDefaults;
  /**
   * Why a RUNNING task of the connector is degraded (e.g. its ingest spool is backing up), shown as
   * the task's trace in status responses; null when it is not.
   */
  readonly degradedTrace?: (connector: string, task: number) => string | null;
  /** For the health check's timeout; default the system clock. */
  readonly clock?: Clock;
  /** The timer retrying statuses that could not be stored; default an unref'd setTimeout. */
  readonly statusRetryTimer?: SetTimer;
}

export abstract class AbstractHerder {
  protected readonly log: Logger;
  protected readonly status: StatusWriter;
  /**
   * Statuses as status reads see them: stored, or kept in memory when they could not be stored (a
   * full disk) until they are; the store's topics are read from `deps.statuses`.
   */
  protected readonly statuses: RetryingStatusStore;
  protected readonly validator: ConfigValidator;
  private readonly tracking: TopicTracking;
  /**
   * Aborted as the stop begins, before it queues its own step: an offsets read or change whose admin client connects
   * or whose admin calls are tried again while Kafka or a group's coordinator is down (up to the request's 90 s) would
   * otherwise hold the stop past a container's grace period.
   */
  protected readonly stopping = new AbortController();

  constructor(protected readonly deps: HerderDeps) {
    this.log = deps.logs.get("org.apache.kafka.connect.runtime.Herder");
    this.statuses = new RetryingStatusStore({
      store: deps.statuses,
      log: deps.logs.get("org.apache.kafka.connect.storage.StatusBackingStore"),
      ...(deps.statusRetryTimer ? { setTimer: deps.statusRetryTimer } : {}),
    });
    this.status = new StatusWriter(deps.configs, this.statuses, deps.logs, deps.workerId);
    this.validator = new ConfigValidator(
      deps.registry,
      deps.logs,
      deps.resolveConfig,
      deps.worker.overridePolicy,
      () =>
        deps.configs.names().map((name) => ({
          name,
          stored: deps.configs.get(name)?.config ?? {},
          running: deps.worker.connector(name)?.runningConfig,
        })),
      deps.converterDefaults,
      (type) => deps.worker.clientProperties(type),
    );
    this.tracking = new TopicTracking(deps, this.log);
  }

  get workerId(): string {
    return this.deps.workerId();
  }

  // ---- reads ------------------------------------------------------------------------------------

  connectors(): string[] {
    return this.deps.configs.names();
  }

  connectorType(config: Readonly<Record<string, string>> | undefined): ConnectorType {
    const cls = config?.["connector.class"];
    if (!cls) return "unknown";
    return this.deps.registry.find(["source", "sink"], cls)?.type ?? "unknown";
  }

  protected stored(name: string) {
    const stored = this.deps.configs.get(name);
    if (!stored) throw new NotFoundError(`Connector ${name} not found`);
    return stored;
  }

  connectorInfo(name: string): ConnectorInfo {
    const s = this.stored(name);
    return {
      name,
      config: s.config,
      tasks: s.taskConfigs.map((_, task) => ({ connector: name, task })),
      type: this.connectorType(s.config),
    };
  }

  connectorConfig(name: string): Record<string, string> {
    return this.stored(name).config;
  }

  taskConfigs(name: string): TaskInfo[] {
    return this.stored(name).taskConfigs.map((config, task) => ({ id: { connector: name, task }, config }));
  }

  connectorStatus(name: string): ConnectorStateInfo {
    const config = this.deps.configs.get(name);
    const status = config && this.statuses.connector(name);
    if (!config || !status) throw new NotFoundError(`No status found for connector ${name}`);
    const version = this.pluginVersion(name, config.config);
    return {
      name,
      // Connect's status carries the version of the worker's connector instance (Worker.connectorVersion):
      // null when it failed before one was made (Worker.startConnector's config checks), and in the
      // RESTARTING status its herder writes without one (onRestart).
      connector: connectorState(
        status.state,
        status.workerId,
        status.trace,
        status.state === "RESTARTING" || (status.state === "FAILED" && !this.deps.worker.connector(name))
          ? null
          : version,
      ),
      tasks: this.statuses
        .tasks(name)
        .map((t) =>
          taskState(
            t.id,
            t.status.state,
            t.status.workerId,
            this.traceOf(name, t.id, t.status),
            this.taskVersion(name, t.id, t.status.state, version),
          ),
        ),
      type: this.connectorType(config.config),
    };
  }

  taskStatus(name: string, task: number): TaskState {
    const config = this.deps.configs.get(name);
    const status = config && task >= 0 ? this.statuses.task(name, task) : undefined;
    if (!config || !status) throw new NotFoundError(`No status found for task ${name}-${task}`);
    const version = this.pluginVersion(name, config.config);
    return taskState(
      task,
      status.state,
      status.workerId,
      this.traceOf(name, task, status),
      this.taskVersion(name, task, status.state, version),
    );
  }

  /**
   * A task's status carries the version of the worker's task instance (Worker.taskVersion): null
   * when it failed before the worker held one (Worker.startTask's build: a client it cannot make),
   * and in the RESTARTING status the herder writes without one (onRestart).
   */
  private taskVersion(name: string, task: number, state: string, version: string | null): string | null {
    if (state === "RESTARTING") return null;
    return state === "FAILED" && !this.deps.worker.task({ connector: name, task }) ? null : version;
  }

  /** The version of the connector plugin a config names (KIP-891 status `version`). */
  protected pluginVersion(name: string, config: Readonly<Record<string, string>>): string | null {
    return knownPlugin(this.deps.registry, config, this.deps.worker.connector(name)?.descriptor)?.version ?? null;
  }

  private traceOf(name: string, task: number, status: { state: string; trace: string | null }): string | null {
    if (status.trace !== null || status.state !== "RUNNING") return status.trace;
    const degraded = this.deps.degradedTrace?.(name, task) ?? null;
    if (degraded === null) return null;
    return this.status.redact(name, degraded, this.deps.worker.taskResolvedValues({ connector: name, task }));
  }

  /**
   * `text` as a client of `connector`'s own answers sees it (a device's answer from its ingest
   * route): hidden as its status traces are, the logs' secrets, then the values providers resolved
   * for its config and for each of its running tasks' (StatusWriter.redact).
   */
  hideForClient(connector: string, text: string): string {
    let shown = this.status.redact(connector, text);
    for (const task of this.deps.worker.runningTasks(connector))
      shown = this.status.redact(connector, shown, this.deps.worker.taskResolvedValues(task.id));
    return shown;
  }

  /** Active topics; a topic named by a resolved value shows its reference or `[hidden]`. */
  async activeTopics(name: string): Promise<string[]> {
    const topics = this.tracking.topics(name);
    const stored = this.deps.configs.get(name);
    if (topics.length === 0 || !stored) return topics;
    return (await this.resolvedValuesOf(stored.config)).hideDeep(topics);
  }

  async resetActiveTopics(name: string): Promise<void> {
    this.tracking.reset(name);
  }

  /** From a task's send path (topic-tracking.ts); false: the next record retries. */
  recordActiveTopic(connector: string, topic: string): boolean {
    return this.tracking.record(connector, topic);
  }

  /**
   * What the providers resolve for a stored config, to hide in answers. When they cannot resolve
   * it now, the answer is that error: nothing derived from the config could be told from a secret.
   */
  protected async resolvedValuesOf(
    config: Config,
    resolveConfig: ResolveConfig = this.deps.resolveConfig,
  ): Promise<ResolvedValues> {
    return (await this.resolutionOf(config, resolveConfig)).values;
  }

  /** A stored config resolved now, with what the providers returned (resolvedValuesOf). */
  protected async resolutionOf(
    config: Config,
    resolveConfig: ResolveConfig = this.deps.resolveConfig,
  ): Promise<{ config: Config; values: ResolvedValues }> {
    if (!Object.values(config).some((v) => hasConfigVariable(v))) return { config, values: ResolvedValues.none };
    return ResolvedValues.resolve(config, resolveConfig);
  }

  /** Runs `operation` (an offsets read or change) with the values it resolves hidden from the logs until it ends. */
  protected async holdingResolved<T>(operation: (resolveConfig: ResolveConfig) => Promise<T>): Promise<T> {
    const resolution = heldResolution(this.deps.logs, this.deps.resolveConfig);
    try {
      return await operation(resolution.resolveConfig);
    } finally {
      resolution.release();
    }
  }

  /**
   * The connector plugin of a config (connector-plugin.ts): a `connector.class` given by reference
   * (`${file:…:cls}`) is resolved first, as Connect's herder hands its Worker the transformed config.
   */
  protected async descriptorOf(
    name: string,
    config: Readonly<Record<string, string>>,
    resolveConfig: ResolveConfig,
  ): Promise<ConnectorDescriptor> {
    const descriptor = await connectorPlugin(this.deps.registry, config, resolveConfig);
    if (!descriptor) throw new ConnectError(`Failed to find the connector class of ${name}`);
    return descriptor;
  }

  // ---- offsets ----------------------------------------------------------------------------------

  async connectorOffsets(name: string): Promise<ConnectorOffsets> {
    const deadline = requestDeadline(this.stopping.signal, this.deps.clock);
    const stored = this.stored(name);
    return this.holdingResolved(async (resolveConfig) => {
      const resolution = await this.resolutionOf(stored.config, resolveConfig);
      // Its class as resolved with the rest: the providers are asked once.
      const descriptor = await this.descriptorOf(name, resolution.config, resolveConfig);
      const { values } = resolution;
      // Source offsets live in SQLite: no Kafka client needed (nor a reachable broker). Connect's
      // Worker still builds the connector's producer config for its offset store: its overrides are checked.
      if (descriptor.type === "source") {
        await this.deps.worker.checkClientOverrides(stored.config, ["producer"], resolveConfig);
        return values.hideDeep(await readOffsets(name, descriptor, stored.config, this.deps.offsets, null));
      }
      const lend = await this.deps.worker.buildConnectorAdmin(stored.config, resolveConfig);
      const log = this.deps.logs.get("org.apache.kafka.connect.runtime.Worker");
      const offsets = await retrievingSinkOffsets(name, log, async () => {
        await using lease = await lend(deadline);
        return await readOffsets(name, descriptor, stored.config, this.deps.offsets, lease.admin, deadline);
      });
      return values.hideDeep(offsets);
    });
  }

  // ---- views: metrics, plugins, validation ------------------------------------------------------

  metricsSnapshot(): MetricsSnapshot {
    return metricsSnapshot(this.deps.configs, this.statuses, this.deps.registry, this.deps.worker);
  }

  plugins(connectorsOnly: boolean): PluginInfo[] {
    return this.validator.plugins(connectorsOnly);
  }

  pluginConfig(pluginName: string, versionSpec?: string): ConfigKeyInfo[] {
    return this.validator.pluginConfig(pluginName, versionSpec);
  }

  validateConfig(pluginName: string, config: Record<string, string | null>): Promise<ConfigInfos> {
    return this.validator.validateForPlugin(pluginName, config);
  }
}
