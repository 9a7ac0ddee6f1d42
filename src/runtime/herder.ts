/**
 * Herder: the control plane, and the only thing the REST layer calls (Connect's herder, with
 * distributed-mode behaviour where standalone and distributed differ). It keeps configs, target
 * states and task configs in the ConfigStore, statuses in the StatusStore, and tells the Worker
 * what to run.
 *
 * Concurrency: every operation that changes state runs on one serial executor (Connect's herder
 * thread), so a create, a pause and a delete of the same connector never interleave. Reads go
 * straight to the stores. Status reports arrive from connectors and tasks at any time and are
 * written unless the connector has been deleted meanwhile; one that cannot be stored (a full disk)
 * is kept in memory, shown by status reads and retried (RetryingStatusStore) until `stop`.
 */
import type { Config } from "../api/connector.ts";
import { CONFIG_VARIABLE_PATTERN } from "../config-providers/config-transformer.ts";
import { AlreadyExistsError, BadRequestError, ConnectError, NotFoundError, RestError } from "../errors.ts";
import type { MetricsSnapshot } from "../metrics/connect-metrics.ts";
import type { ConfigInfos, ConfigKeyInfo } from "../plugin/describe-config.ts";
import type { PluginRegistry } from "../plugin/registry.ts";
import type { ConfigStore, RawConnectorConfig, TargetState } from "../store/config-store.ts";
import type { OffsetStore } from "../store/offset-store.ts";
import type { StatusStore } from "../store/status-store.ts";
import { SerialExecutor } from "../util/async.ts";
import { type Clock, systemClock } from "../util/clock.ts";
import type { Logger, LogManager } from "../util/logger.ts";
import type { SetTimer } from "../util/timer.ts";
import { ConfigValidator } from "./config-validator.ts";
import { commonConnectorConfig } from "./connector-config.ts";
import { modifyOffsets, readOffsets } from "./connector-offsets.ts";
import {
  type ConnectorInfo,
  type ConnectorOffset,
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
import { type ResolveConfig, ResolvedValues } from "./resolved-values.ts";
import { RetryingStatusStore } from "./retrying-status-store.ts";
import { StatusWriter } from "./status-writer.ts";
import type { ConverterDefaults } from "./validate-connector-config.ts";
import type { Worker } from "./worker.ts";
import { type WorkerHealth, workerHealth } from "./worker-health.ts";

export interface HerderDeps {
  readonly worker: Worker;
  readonly configs: ConfigStore;
  readonly statuses: StatusStore;
  readonly offsets: OffsetStore;
  readonly registry: PluginRegistry;
  readonly workerId: () => string;
  readonly logs: LogManager;
  readonly topicTracking: { enabled: boolean; allowReset: boolean };
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

export type InitialState = "RUNNING" | "PAUSED" | "STOPPED";

class TooManyTasksError extends ConnectError {
  override readonly javaClass = "org.apache.kafka.connect.errors.TooManyTasksException";
}

export class Herder {
  private readonly executor = new SerialExecutor();
  private readonly log: Logger;
  private readonly status: StatusWriter;
  /** Statuses as status requests see them: stored, or kept in memory when the store is full. */
  private readonly statuses: RetryingStatusStore;
  private readonly validator: ConfigValidator;
  private started = false;
  private stopped = false;

  constructor(private readonly deps: HerderDeps) {
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
      () => deps.configs.names().map((name) => [name, deps.configs.get(name)?.config ?? {}] as const),
      deps.converterDefaults,
    );
  }

  get ready(): boolean {
    return this.started;
  }

  /** KIP-1017's health of this worker (worker-health.ts): starting, healthy, or unhealthy when this herder is stuck. */
  health(): Promise<WorkerHealth> {
    return workerHealth(this, this.deps.clock ?? systemClock);
  }

  /**
   * Resolves once everything queued on the herder before this call has run (Connect's herder lock).
   * Concurrent probes share the check already queued, so a burst of them adds one job, not many.
   */
  healthCheck(): Promise<void> {
    this.pendingHealthCheck ??= this.executor
      .run(async () => {})
      .finally(() => {
        this.pendingHealthCheck = undefined;
      });
    return this.pendingHealthCheck;
  }
  private pendingHealthCheck: Promise<void> | undefined;

  get workerId(): string {
    return this.deps.workerId();
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  /** Starts every stored connector in its target state (after a restart or crash too). */
  async start(): Promise<void> {
    await this.executor.run(async () => {
      for (const name of this.deps.configs.names()) {
        try {
          await this.startConnectorAndTasks(name);
        } catch (error) {
          // One connector that cannot start must not keep the others (or the gateway) down.
          this.log.error(`Could not start connector ${name}`, error);
          this.status.connector(name, "FAILED", error);
        }
      }
      this.started = true;
    });
  }

  /** Stops every task (committing what was acknowledged) and connector; statuses → UNASSIGNED. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.executor.run(async () => {
      this.started = false;
      const tasks = this.deps.worker.allTasks().map((t) => t.id);
      await this.deps.worker.stopTasks(tasks);
      for (const name of this.deps.configs.names()) {
        await this.deps.worker.stopConnector(name);
        if (this.statuses.connector(name)) this.status.connector(name, "UNASSIGNED");
      }
      // A full disk must not keep the worker from stopping: what could not be stored is logged.
      for (const id of tasks) this.status.task(id, "UNASSIGNED");
      this.statuses.close();
    });
  }

  // ---- starting and reconfiguring ---------------------------------------------------------------

  private async startConnectorAndTasks(name: string): Promise<void> {
    // Work queued before shutdown (a reconfiguration, a restart's second step) starts nothing.
    if (this.stopped) return;
    const stored = this.deps.configs.get(name);
    if (!stored) return;
    this.validator.registerSecrets(stored.config);
    // What the providers resolve now is hidden from this connector's failure traces, short values too.
    try {
      this.status.hideInTraces(name, await this.resolvedValuesOf(stored.config));
    } catch {
      // The worker reports the provider's failure; it names no value.
    }
    const wc = await this.deps.worker.startConnector(
      name,
      stored.config,
      stored.targetState,
      this.status.connectorListener,
      () => {
        void this.executor
          .run(() => this.reconfigureTasks(name))
          .catch((error) => this.log.error(`Task reconfiguration of ${name} failed`, error));
      },
    );
    // Statuses of tasks that no longer exist must not linger.
    this.statuses.removeTasksFrom(name, stored.taskConfigs.length);
    if (!wc) return;
    // A start still in flight (tasks follow when it completes) shows as UNASSIGNED, not as nothing.
    if (wc.starting && !this.statuses.connector(name)) this.status.connector(name, "UNASSIGNED");
    if (stored.targetState === "STARTED" && wc.started) await this.reconfigureTasks(name);
    else if (stored.targetState === "PAUSED") await this.startTasks(name, stored.config, stored.taskConfigs, "PAUSED");
  }

  private async startTasks(
    name: string,
    config: Config,
    taskConfigs: readonly Config[],
    state: TargetState,
  ): Promise<void> {
    if (this.stopped) return;
    for (let i = 0; i < taskConfigs.length; i++) {
      const id = { connector: name, task: i };
      if (this.deps.worker.task(id)) continue;
      await this.deps.worker.startTask(id, config, taskConfigs[i]!, state, this.status.taskListener);
    }
  }

  /** Connect's task generation: ask the connector, add framework keys, restart tasks on change. */
  private async reconfigureTasks(name: string): Promise<void> {
    const stored = this.deps.configs.get(name);
    const wc = this.deps.worker.connector(name);
    if (!stored || !wc || stored.targetState !== "STARTED" || !wc.started) return;
    let generated: Config[];
    let common: ReturnType<typeof commonConnectorConfig.parse>;
    let values: ResolvedValues;
    try {
      // Parsed from the resolved config: tasks.max may itself be a config-provider reference.
      const resolved = await ResolvedValues.resolve(stored.config, this.deps.resolveConfig);
      values = resolved.values;
      common = commonConnectorConfig.parse(resolved.config);
      generated = await wc.taskConfigs(common["tasks.max"]);
    } catch (error) {
      wc.fail(error);
      return;
    }
    if (common["tasks.max.enforce"] && generated.length > common["tasks.max"]) {
      wc.fail(
        new TooManyTasksError(
          `The connector ${name} has generated ${generated.length} tasks, which is greater than ${common["tasks.max"]}, the maximum number of tasks it is configured to create. This behaviour should be considered a bug and is no longer permitted; to re-enable this behavior, set 'tasks.max.enforce' to false`,
        ),
      );
      return;
    }
    const taskConfigs = generated.map((c) =>
      this.withFrameworkTaskKeys(stored.config, c, wc.descriptor.taskClass, values),
    );
    const changed = JSON.stringify(taskConfigs) !== JSON.stringify(stored.taskConfigs);
    if (changed) {
      await this.deps.worker.stopTasks(this.deps.worker.runningTasks(name).map((t) => t.id));
      this.deps.configs.putTaskConfigs(name, taskConfigs);
      this.statuses.removeTasksFrom(name, taskConfigs.length);
    }
    await this.startTasks(name, stored.config, taskConfigs, "STARTED");
  }

  private withFrameworkTaskKeys(
    connectorConfig: RawConnectorConfig,
    taskConfig: Config,
    taskClass: string,
    values: ResolvedValues,
  ): RawConnectorConfig {
    const out: RawConnectorConfig = { ...taskConfig, "task.class": taskClass };
    // Connect's reverseTransform: the connector saw resolved values; a task key whose raw connector
    // value is a provider reference stores the reference, so no resolved secret is persisted or shown.
    // Beyond Connect: a task value that is exactly a resolved value, under another key, stores its
    // reference too (it resolves to the same value when the task starts).
    for (const key of Object.keys(out)) {
      const raw = connectorConfig[key];
      if (raw !== undefined && CONFIG_VARIABLE_PATTERN.test(raw)) out[key] = raw;
      else out[key] = values.referenceFor(out[key]!) ?? out[key]!;
    }
    const type = this.connectorType(connectorConfig);
    if (type === "sink") {
      if (connectorConfig.topics !== undefined) out.topics = connectorConfig.topics;
      if (connectorConfig["topics.regex"] !== undefined) out["topics.regex"] = connectorConfig["topics.regex"];
    }
    return out;
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

  private stored(name: string) {
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
    const version = this.pluginVersion(config.config);
    return {
      name,
      connector: connectorState(status.state, status.workerId, status.trace, version),
      tasks: this.statuses
        .tasks(name)
        .map((t) => taskState(t.id, t.status.state, t.status.workerId, this.traceOf(name, t.id, t.status), version)),
      type: this.connectorType(config.config),
    };
  }

  taskStatus(name: string, task: number): TaskState {
    const config = this.deps.configs.get(name);
    const status = config && task >= 0 ? this.statuses.task(name, task) : undefined;
    if (!config || !status) throw new NotFoundError(`No status found for task ${name}-${task}`);
    const version = this.pluginVersion(config.config);
    return taskState(task, status.state, status.workerId, this.traceOf(name, task, status), version);
  }

  /** The version of the connector plugin a config names (KIP-891 status `version`). */
  private pluginVersion(config: Readonly<Record<string, string>>): string | null {
    return this.deps.registry.find(["source", "sink"], config["connector.class"] ?? "")?.version ?? null;
  }

  private traceOf(name: string, task: number, status: { state: string; trace: string | null }): string | null {
    if (status.trace !== null || status.state !== "RUNNING") return status.trace;
    return this.deps.degradedTrace?.(name, task) ?? null;
  }

  /** Active topics; a topic named by a resolved value shows its reference or `[hidden]`. */
  async activeTopics(name: string): Promise<string[]> {
    this.requireTopicTracking(false);
    const topics = this.deps.statuses.topics(name);
    const stored = this.deps.configs.get(name);
    if (topics.length === 0 || !stored) return topics;
    return (await this.resolvedValuesOf(stored.config)).hideDeep(topics);
  }

  /**
   * What the providers resolve for a stored config, to hide in answers. When they cannot resolve
   * it now, the answer is that error: nothing derived from the config could be told from a secret.
   */
  private async resolvedValuesOf(config: Config): Promise<ResolvedValues> {
    if (!Object.values(config).some((v) => CONFIG_VARIABLE_PATTERN.test(v))) return ResolvedValues.none;
    return (await ResolvedValues.resolve(config, this.deps.resolveConfig)).values;
  }

  async resetActiveTopics(name: string): Promise<void> {
    this.requireTopicTracking(true);
    this.deps.statuses.resetTopics(name);
  }

  private requireTopicTracking(reset: boolean): void {
    const { enabled, allowReset } = this.deps.topicTracking;
    if (!enabled) throw new RestError(403, "Topic tracking is disabled.");
    if (reset && !allowReset) throw new RestError(403, "Topic tracking reset is disabled.");
  }

  /**
   * Called from a task's send path: a failure to store the topic (disk full) is logged, never
   * thrown, as Connect's status store does; it must not fail the task. The topic is recorded again
   * when the task restarts.
   */
  recordActiveTopic(connector: string, topic: string): void {
    if (!this.deps.topicTracking.enabled || !this.deps.configs.has(connector)) return;
    try {
      this.deps.statuses.addTopic(connector, topic);
    } catch (error) {
      this.log.error(`Could not record topic ${topic} as active for connector ${connector}`, error);
    }
  }

  // ---- config changes ---------------------------------------------------------------------------

  /** Creates (or, with `allowReplace`, updates) a connector. Returns whether it was created. */
  async putConnectorConfig(
    name: string,
    submitted: Record<string, string | null>,
    options: { allowReplace: boolean; initialState?: InitialState },
  ): Promise<{ created: boolean; info: ConnectorInfo }> {
    // Validated before the herder's queue, as Connect's standalone herder validates outside its lock:
    // a slow connector validate or config provider holds neither other operations nor /health up.
    await this.validator.validateOrThrow(submitted);
    return this.executor.run(async () => {
      // Validation reports any null value as an error, so a valid config has strings only.
      const config = submitted as Record<string, string>;
      const existing = this.deps.configs.get(name);
      if (existing && !options.allowReplace) throw new AlreadyExistsError(`Connector ${name} already exists`);
      const target: TargetState =
        options.initialState === "PAUSED" ? "PAUSED" : options.initialState === "STOPPED" ? "STOPPED" : "STARTED";
      const info: ConnectorInfo = {
        name,
        config,
        tasks: (existing?.taskConfigs ?? []).map((_, task) => ({ connector: name, task })),
        type: this.connectorType(config),
      };
      this.deps.configs.putConfig(name, config, target);
      if (existing) await this.restartConnectorInstance(name, true);
      else {
        if (target === "STOPPED") this.deps.configs.putTaskConfigs(name, []);
        await this.startConnectorAndTasks(name);
      }
      return { created: !existing, info };
    });
  }

  async patchConnectorConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo> {
    const mergeInto = (current: Record<string, string>) => {
      const merged: Record<string, string> = { ...current };
      for (const [k, v] of Object.entries(patch)) {
        if (v === null) delete merged[k];
        else merged[k] = v;
      }
      return merged;
    };
    // Validated outside the herder's queue (as putConnectorConfig), again inside only when the
    // stored config changed meanwhile.
    const before = this.stored(name).config;
    const validated = mergeInto(before);
    await this.validator.validateOrThrow(validated);
    return this.executor.run(async () => {
      const current = this.stored(name).config;
      const unchanged = JSON.stringify(current) === JSON.stringify(before);
      const merged = unchanged ? validated : mergeInto(current);
      if (!unchanged) await this.validator.validateOrThrow(merged);
      const tasks = this.stored(name).taskConfigs.map((_, task) => ({ connector: name, task }));
      this.deps.configs.putConfig(name, merged);
      await this.restartConnectorInstance(name, true);
      return { name, config: merged, tasks, type: this.connectorType(merged) };
    });
  }

  async deleteConnector(name: string): Promise<void> {
    return this.executor.run(async () => {
      this.stored(name);
      // The config goes first, as Connect writes its tombstone before anything stops: a write that
      // fails (a full disk) leaves the connector as it was. Reports of the stopping instances are
      // then dropped (StatusWriter), and statuses left behind by a failed cleanup are invisible
      // without a config and rewritten if the connector is created again.
      this.deps.configs.remove(name);
      await this.deps.worker.stopTasks(this.deps.worker.runningTasks(name).map((t) => t.id));
      await this.deps.worker.stopConnector(name);
      try {
        this.statuses.removeConnector(name);
        this.deps.statuses.resetTopics(name);
      } catch (error) {
        this.log.warn(`Could not remove the statuses of deleted connector ${name}`, error);
      }
    });
  }

  // ---- target states ----------------------------------------------------------------------------

  private requireConnector(name: string): void {
    if (!this.deps.configs.has(name)) throw new NotFoundError(`Unknown connector ${name}`);
  }

  async pauseConnector(name: string): Promise<void> {
    return this.executor.run(async () => {
      this.requireConnector(name);
      this.deps.configs.setTargetState(name, "PAUSED");
      const wc = this.deps.worker.connector(name);
      if (wc) await wc.transitionTo("PAUSED");
      this.deps.worker.setTargetState(name, "PAUSED");
    });
  }

  async resumeConnector(name: string): Promise<void> {
    return this.executor.run(async () => {
      this.requireConnector(name);
      this.deps.configs.setTargetState(name, "STARTED");
      const wc = this.deps.worker.connector(name);
      if (!wc) return await this.startConnectorAndTasks(name);
      await wc.transitionTo("STARTED");
      this.deps.worker.setTargetState(name, "STARTED");
      await this.reconfigureTasks(name);
    });
  }

  async stopConnector(name: string): Promise<void> {
    return this.executor.run(async () => {
      this.requireConnector(name);
      this.deps.configs.setTargetState(name, "STOPPED");
      await this.deps.worker.stopTasks(this.deps.worker.runningTasks(name).map((t) => t.id));
      this.deps.configs.putTaskConfigs(name, []);
      this.statuses.removeTasksFrom(name, 0);
      const wc = this.deps.worker.connector(name);
      if (wc) await wc.transitionTo("STOPPED");
      else this.status.connector(name, "STOPPED");
    });
  }

  // ---- restarts ---------------------------------------------------------------------------------

  /**
   * Stops and re-creates the connector instance, then brings its tasks in line: missing tasks are
   * started, and tasks whose generated configs changed are replaced. With `configChanged` every
   * task restarts, so it picks up the new connector config even if its task config is the same.
   */
  private async restartConnectorInstance(name: string, configChanged: boolean): Promise<void> {
    await this.deps.worker.stopConnector(name);
    if (configChanged) await this.deps.worker.stopTasks(this.deps.worker.runningTasks(name).map((t) => t.id));
    await this.startConnectorAndTasks(name);
  }

  async restartConnector(name: string): Promise<void> {
    return this.executor.run(async () => {
      if (!this.deps.configs.has(name)) throw new NotFoundError(`Unknown connector: ${name}`);
      await this.restartConnectorInstance(name, false);
    });
  }

  async restartTask(name: string, task: number): Promise<void> {
    return this.executor.run(async () => {
      const stored = this.deps.configs.get(name);
      if (!stored) throw new NotFoundError(`Unknown connector: ${name}`);
      const taskConfig = stored.taskConfigs[task];
      if (taskConfig === undefined) throw new NotFoundError(`Unknown task: ${name}-${task}`);
      const id = { connector: name, task };
      await this.deps.worker.stopTasks([id]);
      const state = stored.targetState === "PAUSED" ? "PAUSED" : "STARTED";
      const started = await this.deps.worker.startTask(id, stored.config, taskConfig, state, this.status.taskListener);
      if (!started) throw new ConnectError(`Failed to start task: ${name}-${task}`);
    });
  }

  /** KIP-745 restart: answers with the plan (RESTARTING where applicable), then carries it out. */
  async restartConnectorAndTasks(
    name: string,
    onlyFailed: boolean,
    includeTasks: boolean,
  ): Promise<ConnectorStateInfo> {
    return this.executor.run(async () => {
      const stored = this.deps.configs.get(name);
      if (!stored) throw new NotFoundError(`Unknown connector: ${name}`);
      const status = this.statuses.connector(name);
      if (!status) throw new NotFoundError(`Status for connector ${name} not found`);
      const restartConnector = !onlyFailed || status.state === "FAILED";
      const taskStatuses = this.statuses.tasks(name);
      const tasksToRestart = taskStatuses
        .filter((t) => includeTasks && (!onlyFailed || t.status.state === "FAILED"))
        .map((t) => t.id);
      const version = this.pluginVersion(stored.config);
      const plan: ConnectorStateInfo = {
        name,
        connector: connectorState(
          restartConnector ? "RESTARTING" : status.state,
          status.workerId,
          restartConnector ? null : status.trace,
          version,
        ),
        tasks: taskStatuses.map((t) =>
          tasksToRestart.includes(t.id)
            ? taskState(t.id, "RESTARTING", t.status.workerId, null, version)
            : taskState(t.id, t.status.state, t.status.workerId, t.status.trace, version),
        ),
        type: this.connectorType(stored.config),
      };
      if (restartConnector) this.status.connector(name, "RESTARTING");
      for (const task of tasksToRestart) this.status.task({ connector: name, task }, "RESTARTING", null);
      void this.executor
        .run(async () => {
          const ids = tasksToRestart.map((task) => ({ connector: name, task }));
          await this.deps.worker.stopTasks(ids);
          if (restartConnector) await this.restartConnectorInstance(name, false);
          const current = this.deps.configs.get(name);
          if (!current || current.targetState === "STOPPED") return;
          const state = current.targetState === "PAUSED" ? "PAUSED" : "STARTED";
          await this.startTasks(name, current.config, current.taskConfigs, state);
        })
        .catch((error) => this.log.error(`Restart of ${name} failed`, error));
      return plan;
    });
  }

  private descriptorOf(name: string, config: Readonly<Record<string, string>>) {
    const descriptor = this.deps.registry.find(["source", "sink"], config["connector.class"] ?? "");
    if (!descriptor) throw new ConnectError(`Failed to find the connector class of ${name}`);
    return descriptor;
  }

  // ---- offsets ----------------------------------------------------------------------------------

  async connectorOffsets(name: string): Promise<ConnectorOffsets> {
    const stored = this.stored(name);
    const descriptor = this.descriptorOf(name, stored.config);
    const values = await this.resolvedValuesOf(stored.config);
    // Source offsets live in SQLite: no Kafka client needed (nor a reachable broker).
    const offsets =
      descriptor.type === "source"
        ? await readOffsets(name, descriptor, stored.config, this.deps.offsets, null)
        : await this.deps.worker.withConnectorAdmin(stored.config, (admin) =>
            readOffsets(name, descriptor, stored.config, this.deps.offsets, admin),
          );
    return values.hideDeep(offsets);
  }

  /** Alters (`offsets` given) or resets (`offsets` null) the offsets of a STOPPED connector. */
  async modifyConnectorOffsets(name: string, offsets: ConnectorOffset[] | null): Promise<string> {
    return this.executor.run(async () => {
      const stored = this.stored(name);
      if (stored.targetState !== "STOPPED" || stored.taskConfigs.length > 0) {
        throw new BadRequestError(
          `Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/${name}/stop' endpoint`,
        );
      }
      const descriptor = this.descriptorOf(name, stored.config);
      // GET …/offsets shows references for resolved values; a client sends them back as it read them.
      const values = offsets === null ? ResolvedValues.none : await this.resolvedValuesOf(stored.config);
      const given = values.revealDeep(offsets);
      if (descriptor.type === "source")
        return modifyOffsets(name, descriptor, stored.config, given, this.deps.offsets, null);
      return this.deps.worker.withConnectorAdmin(stored.config, (admin) =>
        modifyOffsets(name, descriptor, stored.config, given, this.deps.offsets, admin),
      );
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
