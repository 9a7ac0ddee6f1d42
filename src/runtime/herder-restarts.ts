/**
 * HerderRestarts: the Herder's restarts (Connect's restartConnector, restartTask and KIP-745's
 * restartConnectorAndTasks), on the serial executor of HerderThread (herder-thread.ts). Herder
 * (herder.ts) adds the other operations that change state.
 *
 * A restart reads the config resolved as it restarts: a reference its provider cannot resolve now
 * (a secrets file gone) fails a connector's or a task's restart with the provider's message, as
 * Connect's. KIP-745's restart answers with its plan (restart-plan.ts: RESTARTING where applicable)
 * and carries it out as a second step on the executor.
 */
import { ConnectError, NotAssignedError, NotFoundError } from "../errors.ts";
import type { ConnectorStateInfo } from "./entities.ts";
import { HerderThread } from "./herder-thread.ts";
import { buildRestartPlan } from "./restart-plan.ts";

export abstract class HerderRestarts extends HerderThread {
  async restartConnector(name: string): Promise<void> {
    return this.executor.run(async () => {
      if (!this.deps.configs.has(name)) throw new NotFoundError(`Unknown connector: ${name}`);
      await this.restartConnectorInstance(name, null);
      // As Connect's restartConnector: a connector that fails to start fails the request.
      const wc = this.deps.worker.connector(name);
      if (!wc || wc.failed) {
        // A reference its provider cannot resolve now (a secrets file gone) fails it with the
        // provider's own message, as Connect's restart (which throws it from the config lookup).
        const stored = this.deps.configs.get(name);
        if (stored) await this.holdingResolved((resolveConfig) => resolveConfig(stored.config));
        throw new ConnectError(`Failed to start connector: ${name}`);
      }
    });
  }

  async restartTask(name: string, task: number): Promise<void> {
    return this.executor.run(async () => {
      const stored = this.deps.configs.get(name);
      if (!stored) throw new NotFoundError(`Unknown connector: ${name}`);
      const taskConfig = stored.taskConfigs[task];
      if (taskConfig === undefined) {
        // Connect's leader knows the task but assigns it to no worker: it cannot forward the restart.
        if (this.deps.configs.hadTask(name, task))
          throw new NotAssignedError(`Task ${name}-${task} is not assigned to any worker`);
        throw new NotFoundError(`Unknown task: ${name}-${task}`);
      }
      const id = { connector: name, task };
      // As Connect's restartTask, which reads the task config resolved before it stops the task: a
      // reference its provider cannot resolve now (a secrets file gone) fails the request with the
      // provider's message and leaves the running task alone.
      await this.holdingResolved((resolveConfig) => resolveConfig(taskConfig));
      await this.deps.worker.stopTasks([id]);
      this.unstarted.forget(name, [task]);
      // A connector replaced STOPPED keeps its task configs: Connect starts the task in STOPPED, and it ends at once,
      // delivering nothing and leaving the task's last status as it was.
      if (stored.targetState === "STOPPED") return;
      const state = stored.targetState === "PAUSED" ? "PAUSED" : "STARTED";
      const started = await this.startTask(id, stored.config, taskConfig, state);
      if (!started) this.unstarted.add(name, task);
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
      const { restartConnector, tasksToRestart, stateInfo } = buildRestartPlan(
        { connector: name, onlyFailed, includeTasks },
        this.connectorStatus(name),
      );
      if (restartConnector) this.status.connector(name, "RESTARTING");
      for (const task of tasksToRestart) this.status.task({ connector: name, task }, "RESTARTING", null);
      void this.executor
        .run(() => this.carryOutRestart(name, restartConnector, tasksToRestart))
        .catch((error) => this.log.error(`Restart of ${name} failed`, error));
      return stateInfo;
    });
  }
}
