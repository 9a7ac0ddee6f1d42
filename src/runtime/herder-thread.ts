/**
 * HerderThread: the Herder's serial executor (Connect's herder thread) and the work that runs on it
 * to bring a stored connector to its target state: starting the connector instance and its tasks,
 * regenerating task configs when the connector asks (task-reconfiguration.ts), and re-creating an
 * instance on restart or config change. HerderRestarts (herder-restarts.ts) and Herder (herder.ts)
 * build their operations on these.
 *
 * Work queued before shutdown (a reconfiguration, a restart's second step) starts nothing once
 * `stopped` is set. A task tried and not started (its build failed, or a restart could not resolve
 * its config) is started again only when asked for or reconfigured (unstarted-tasks.ts).
 *
 * A config update keeps the connector's tasks running until the task configs its new instance
 * generates are stored, then replaces them all, as Connect's DistributedHerder (the tasks restart
 * when their configs are written, even identical ones after a config change: AbstractHerder's
 * taskConfigsChanged compares the applied connector config too). A new instance that fails to start,
 * or a PAUSED connector (not reconfigured until resumed), leaves them as they are. Tasks that serve
 * a route's requests (`tasksServeRequests`: HttpIngestSource) stop before the new instance starts
 * instead, as the route it reopens must hand no request to the old config's tasks. A config changed
 * back to the one the stored task configs were made from before they were generated again restarts
 * no task (Connect compares that applied config, not whether a change happened).
 *
 * Task configs that cannot be stored (the state store is full, or fails) leave the running tasks as
 * they are and are generated and stored again after a backoff (250 ms doubling to 60 s), as Connect's
 * DistributedHerder retries a failed task reconfiguration, until they are stored, the connector is
 * gone or the herder stops (`cancelReconfigurationRetries`). Task configs the connector cannot
 * generate now (a secrets file gone, its taskConfigs throwing) are asked for again the same way,
 * its tasks running meanwhile with the stored ones; a pause, stop, delete or restart of the
 * connector ends its retries (`endReconfigurationRetries`).
 */
import type { Config } from "../api/connector.ts";
import type { ConnectorDescriptor } from "../plugin/descriptor.ts";
import type { RawConnectorConfig, TargetState } from "../store/config-store.ts";
import { storeErrorCode } from "../store/store-full.ts";
import { SerialExecutor } from "../util/async.ts";
import { systemClock } from "../util/clock.ts";
import { AbstractHerder } from "./abstract-herder.ts";
import { sameConfig } from "./connector-config.ts";
import { connectorPlugin, knownPlugin } from "./connector-plugin.ts";
import { unresolvableTasks } from "./restart-plan.ts";
import { servesRouteNotOpened } from "./task-class-cast.ts";
import { generateTaskConfigs } from "./task-reconfiguration.ts";
import { UnstartedTasks } from "./unstarted-tasks.ts";
import { type WorkerHealth, workerHealth } from "./worker-health.ts";
import type { ConnectorTaskId } from "./worker-task.ts";

export abstract class HerderThread extends AbstractHerder {
  protected readonly executor = new SerialExecutor();
  protected started = false;
  protected stopped = false;
  /** Connectors whose task configs could not be stored: the retry's timer and its next delay. */
  private readonly reconfigurationRetries = new Map<string, { timer: ReturnType<typeof setTimeout>; nextMs: number }>();
  /**
   * Connectors whose config changed since their task configs were stored, with the config those task
   * configs were made from (Connect's appliedConnectorConfig): while it differs from the current
   * config, the next generated task configs restart the tasks, identical or not.
   */
  protected readonly appliedConfigs = new Map<string, Config>();
  /** Tasks tried and not started (unstarted-tasks.ts): started again only when asked for by name or reconfigured. */
  protected readonly unstarted = new UnstartedTasks();

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

  // ---- starting and reconfiguring ---------------------------------------------------------------

  protected async startConnectorAndTasks(name: string): Promise<void> {
    // Work queued before shutdown (a reconfiguration, a restart's second step) starts nothing.
    if (this.stopped) return;
    const stored = this.deps.configs.get(name);
    if (!stored) return;
    // The previous config's secrets stay hidden while tasks still run with them: those a stop
    // abandoned, and those a config update keeps running until their new task configs are stored,
    // unless they run with this config (changed back to the one their task configs were made from).
    const previousInUse = [this.deps.worker.takeAbandonedEnd(name)];
    const applied = this.appliedConfigs.get(name);
    if (applied && !sameConfig(applied, stored.config))
      previousInUse.push(...this.deps.worker.runningTasks(name).map((t) => t.whenFinished()));
    const previousInUseUntil = Promise.all(previousInUse).then(() => {});
    this.validator.holdConnectorSecrets(name, stored.config, previousInUseUntil);
    // What the providers resolve now is hidden from this connector's failure traces, short values
    // too; what they resolved for the previous config as long as tasks run with it.
    try {
      this.status.hideInTraces(name, await this.resolvedValuesOf(stored.config), previousInUseUntil);
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
    if (!wc || wc.failed) {
      // As Connect's distributed herder, which starts the tasks assigned to it from their stored
      // configs whatever became of their connector (after a restart of the worker, or a config
      // update: it stops none for it), the stored tasks run (or go on running) while their connector
      // is FAILED (paused while it is PAUSED).
      if (stored.targetState !== "STOPPED")
        await this.startTasks(name, stored.config, stored.taskConfigs, stored.targetState);
      return;
    }
    // A start still in flight (tasks follow when it completes) shows as UNASSIGNED, not as nothing.
    if (wc.starting && !this.statuses.connector(name)) this.status.connector(name, "UNASSIGNED");
    if (stored.targetState === "STARTED" && wc.started) await this.reconfigureTasks(name);
    else if (stored.targetState === "PAUSED") await this.startTasks(name, stored.config, stored.taskConfigs, "PAUSED");
  }

  /**
   * Removes from their groups the dead consumers of `connectors`' sink tasks that no longer run (every
   * connector's when none named: orphan-members.ts), beside the tasks' starts, never delaying them.
   */
  protected sweepOrphanMembers(connectors?: readonly string[]): void {
    if (this.stopped) return;
    const sweep: Promise<void> = this.deps.worker
      .fenceOrphanMembers(
        (name) => {
          const stored = this.deps.configs.get(name);
          return stored && { config: stored.config, tasks: stored.taskConfigs.length };
        },
        () => this.stopped,
        connectors,
      )
      .finally(() => this.sweeps.delete(sweep));
    this.sweeps.add(sweep);
  }

  /**
   * The orphan sweeps in flight: a stop awaits them (up to a limit: herder.ts) so that none goes on
   * with Kafka (a new admin client never closed) or the store after the worker closed them.
   */
  protected readonly sweeps = new Set<Promise<void>>();

  /** Starts the tasks not running and not in `unstarted` (startTask); one that cannot be built joins `unstarted`. */
  protected async startTasks(
    name: string,
    config: Config,
    taskConfigs: readonly Config[],
    state: TargetState,
  ): Promise<void> {
    if (this.stopped) return;
    for (let i = 0; i < taskConfigs.length; i++) {
      const id = { connector: name, task: i };
      if (this.deps.worker.task(id) || this.unstarted.has(name, i)) continue;
      if (!(await this.startTask(id, config, taskConfigs[i]!, state))) this.unstarted.add(name, i);
    }
  }

  /**
   * Starts one task on the worker; false when it could not be built. While PAUSED, a stored task serving an ingest
   * route the connector's class no longer opens (servesRouteNotOpened) is not built: it shows PAUSED, as Connect's
   * old-class task of a connector changed while paused, and the resume makes the new class's tasks (leftfix2). Used
   * by startTasks and by restartTask (herder-restarts.ts).
   */
  protected async startTask(
    id: ConnectorTaskId,
    config: Config,
    taskConfig: Config,
    state: TargetState,
  ): Promise<boolean> {
    const connector = this.deps.registry.find(["source", "sink"], config["connector.class"] ?? "");
    if (state === "PAUSED" && connector && servesRouteNotOpened(this.deps.registry, taskConfig, connector)) {
      this.status.task(id, "PAUSED");
      return true;
    }
    return this.deps.worker.startTask(id, config, taskConfig, state, this.status.taskListener);
  }

  /** Connect's task generation: ask the connector, add framework keys, restart tasks on change. */
  protected async reconfigureTasks(name: string): Promise<void> {
    const stored = this.deps.configs.get(name);
    const wc = this.deps.worker.connector(name);
    if (!stored || !wc || stored.targetState !== "STARTED" || !wc.started) {
      this.endReconfigurationRetries(name);
      // A connector whose start failed (asynchronously, or before it was built, then resumed): its
      // stored tasks run, as after a start that fails at once (startConnectorAndTasks).
      if (stored?.targetState === "STARTED" && (!wc || wc.failed))
        await this.startTasks(name, stored.config, stored.taskConfigs, "STARTED");
      return;
    }
    let taskConfigs: RawConnectorConfig[] | null;
    try {
      taskConfigs = await generateTaskConfigs(name, stored.config, wc, this.deps.resolveConfig);
    } catch (error) {
      // As Connect's reconfigureConnectorTasksWithRetry: the connector keeps running and is asked
      // again after a backoff; a secrets file back in place ends the retries. Its tasks run meanwhile
      // with the stored task configs, as Connect's run with those of its config topic.
      const why = (ms: number) =>
        `Failed to reconfigure connector's tasks (${name}), retrying after backoff (${ms} ms).`;
      this.retryReconfiguration(name, why, error);
      await this.startTasks(name, stored.config, stored.taskConfigs, "STARTED");
      return;
    }
    if (!taskConfigs) return;
    const applied = this.appliedConfigs.get(name);
    const changed =
      JSON.stringify(taskConfigs) !== JSON.stringify(stored.taskConfigs) ||
      (applied !== undefined && !sameConfig(applied, stored.config));
    if (changed) {
      // Stored before the running tasks stop, as Connect writes them to its config topic before the
      // rebalance that applies them: tasks stopped for configs that were never stored would stay so.
      try {
        this.deps.configs.putTaskConfigs(name, taskConfigs);
      } catch (error) {
        const code = storeErrorCode(error);
        if (code === undefined) throw error;
        this.retryReconfiguration(
          name,
          (ms) =>
            `Could not store the task configs of connector ${name} (${code}); generating and storing them again in ${ms} ms`,
        );
        // Its tasks run meanwhile with the stored task configs, as when they cannot be generated.
        await this.startTasks(name, stored.config, stored.taskConfigs, "STARTED");
        return;
      }
      // Every task of the previous generation has stopped (committing its offsets) before one of
      // the new starts.
      await this.deps.worker.stopTasks(this.deps.worker.runningTasks(name).map((t) => t.id));
      this.statuses.removeTasksFrom(name, taskConfigs.length);
      // Task configs written: every task of the connector starts again, one that never started too.
      this.unstarted.forget(name);
      // The stopped tasks left their groups; those with no successor may have left a dead
      // predecessor they never got to fence (stopped before their consumer joined).
      this.sweepOrphanMembers([name]);
    }
    // The stored task configs are now those of the current config.
    this.appliedConfigs.delete(name);
    this.endReconfigurationRetries(name);
    await this.startTasks(name, stored.config, taskConfigs, "STARTED");
  }

  /** Generates the task configs of `name` again after a backoff (250 ms, doubling up to 60 s), logging why. */
  private retryReconfiguration(name: string, why: (delayMs: number) => string, error?: unknown): void {
    // A reconfiguration that was running as the herder stopped: nothing is retried.
    if (this.stopped) return;
    const previous = this.reconfigurationRetries.get(name);
    if (previous) clearTimeout(previous.timer);
    const delayMs = previous?.nextMs ?? 250;
    this.log.error(why(delayMs), error);
    const timer = setTimeout(() => {
      if (this.stopped) return;
      void this.executor
        .run(() => this.reconfigureTasks(name))
        .catch((failure) => this.log.error(`Task reconfiguration of ${name} failed`, failure));
    }, delayMs);
    timer.unref?.();
    this.reconfigurationRetries.set(name, { timer, nextMs: Math.min(delayMs * 2, 60_000) });
  }

  /**
   * Ends the retries of `name`'s task configs: they were generated and stored, or the connector is
   * no longer running (paused, stopped, deleted, restarted); a later failure starts again at 250 ms.
   */
  protected endReconfigurationRetries(name: string): void {
    const retry = this.reconfigurationRetries.get(name);
    if (retry) clearTimeout(retry.timer);
    this.reconfigurationRetries.delete(name);
  }

  /** Ends the retries of task configs that could not be generated or stored (the herder stops). */
  protected cancelReconfigurationRetries(): void {
    for (const { timer } of this.reconfigurationRetries.values()) clearTimeout(timer);
    this.reconfigurationRetries.clear();
  }

  /**
   * The second step of a KIP-745 restart (its plan answered): stops the tasks to restart, restarts
   * the connector instance, then starts the tasks not running (those of a STOPPED connector end at
   * once: UNASSIGNED). Tasks whose configs cannot be resolved stay RESTARTING (restart-plan.ts), and
   * so does a connector whose config cannot be (stopped); a task the connector's restart already
   * built (running, or in `unstarted`) is not built again, so each is started once, as Connect's
   * doRestartConnectorAndTasks.
   */
  protected async carryOutRestart(
    name: string,
    restartConnector: boolean,
    tasksToRestart: readonly number[],
  ): Promise<void> {
    await this.deps.worker.stopTasks(tasksToRestart.map((task) => ({ connector: name, task })));
    const restarting = this.deps.configs.get(name);
    if (!restarting) return;
    const unresolved = await this.holdingResolved((resolveConfig) =>
      unresolvableTasks(name, restarting, tasksToRestart, resolveConfig, this.log),
    );
    // The tasks asked for start again; those left RESTARTING are not started until asked for again.
    this.unstarted.forget(name, tasksToRestart);
    for (const task of unresolved) this.unstarted.add(name, task);
    if (restartConnector && !(await this.connectorConfigResolves(name, restarting.config))) {
      // As Connect's doRestartConnectorAndTasks, whose startConnector throws from the config lookup:
      // the connector is stopped and left RESTARTING (logged), started again by the next restart.
      this.endReconfigurationRetries(name);
      await this.deps.worker.stopConnector(name);
    } else if (restartConnector) {
      await this.restartConnectorInstance(name, null);
    }
    const current = this.deps.configs.get(name);
    if (!current) return;
    if (current.targetState === "STOPPED") {
      // Connect starts them in STOPPED (a connector replaced STOPPED keeps its task configs): each ends at once,
      // delivering nothing, and reports UNASSIGNED.
      this.unassignStoppedTasks(
        name,
        tasksToRestart.filter((task) => !unresolved.has(task)),
      );
      return;
    }
    const state = current.targetState === "PAUSED" ? "PAUSED" : "STARTED";
    await this.startTasks(name, current.config, current.taskConfigs, state);
  }

  /**
   * Marks tasks of a STOPPED connector (replaced STOPPED, keeping its task configs) UNASSIGNED: Connect starts each in
   * STOPPED, and it ends at once, delivering nothing.
   */
  protected unassignStoppedTasks(name: string, tasks: readonly number[]): void {
    for (const task of tasks) this.status.task({ connector: name, task }, "UNASSIGNED");
  }

  /** Whether the providers resolve `config` now; when not, logs why as Connect's failed restart. */
  private connectorConfigResolves(name: string, config: Config): Promise<boolean> {
    return this.holdingResolved(async (resolveConfig) => {
      try {
        await resolveConfig(config);
        return true;
      } catch (error) {
        this.log.error(`Connector '${name}' restart failed`, error);
        return false;
      }
    });
  }

  /**
   * Stops the tasks of `name` if they serve the requests of a route, or are to (`tasksServeRequests` of `config`'s
   * class or of `previous`'s, the config their task configs were made from), for callers whose config differs from
   * `previous`: a request must not go through the old config (review67) once the route is reopened (a new instance)
   * or resumed, and a connector changed to a class that serves no route keeps no task attached to the route it had
   * (leftfix2). The route answers 503 until new tasks attach (404 once gone). A class given by reference is that of
   * the connector's instance (`running`, the one stopped just before when replaced); the provider is asked only when
   * none ran.
   */
  protected async stopServingTasks(
    name: string,
    config: Config,
    previous: Config | undefined,
    running: ConnectorDescriptor | undefined = this.deps.worker.connector(name)?.descriptor,
  ): Promise<void> {
    const serving = (d: ConnectorDescriptor | undefined): boolean =>
      d?.type === "source" && d.tasksServeRequests === true;
    const registry = this.deps.registry;
    const known = knownPlugin(registry, config, running);
    // A class given by reference that cannot be resolved now: its tasks are stopped, as the class may serve.
    const serves =
      (previous !== undefined && registry.servesRequests(previous)) ||
      serving(running) ||
      (await (known ? Promise.resolve(known) : connectorPlugin(registry, config, this.deps.resolveConfig)).then(
        serving,
        () => true,
      ));
    if (serves) await this.deps.worker.stopTasks(this.deps.worker.runningTasks(name).map((t) => t.id));
  }

  /**
   * Stops and re-creates the connector instance, then brings its tasks in line: missing tasks are
   * started, and tasks whose generated configs changed are replaced, once the new instance has
   * generated them. A config `update` (from its `previous` config) shows the connector UNASSIGNED
   * until its new instance reports (Connect's WorkerConnector.shutdown); one that changed the config
   * restarts every task then, so it picks up the new connector config even if its task config is the
   * same, unless the config is back to the one their task configs were made from by then.
   */
  protected async restartConnectorInstance(name: string, update: { previous: Config } | null): Promise<void> {
    this.endReconfigurationRetries(name);
    const instance = this.deps.worker.connector(name);
    await this.deps.worker.stopConnector(name);
    const config = this.deps.configs.get(name)?.config ?? {};
    if (update && !sameConfig(update.previous, config)) {
      // The first change since the task configs were stored: they were made from the previous config.
      if (!this.appliedConfigs.has(name)) this.appliedConfigs.set(name, update.previous);
      // Between a class serving a route and another, a task that could not be built from the previous config is
      // tried again with this one (leftfix2: one failed for a class changed from HttpIngestSource stayed FAILED after
      // the class was changed back, its route 503 for good). Otherwise it stays as Connect leaves it (FAILED).
      if (this.deps.registry.servesRequests(config) !== this.deps.registry.servesRequests(update.previous))
        this.unstarted.forget(name);
      await this.stopServingTasks(name, config, update.previous, instance?.descriptor);
    }
    if (update && instance) this.status.connector(name, "UNASSIGNED");
    await this.startConnectorAndTasks(name);
  }
}
