/**
 * KIP-745's RestartPlan (Connect's RestartRequest and RestartPlan): which of a connector and its
 * tasks a `POST /connectors/{name}/restart` restarts, given `onlyFailed` and `includeTasks`, and the
 * ConnectorStateInfo it answers with. The Herder builds it from the current status answer, answers
 * with it, then carries it out.
 */
import type { StoredConnector } from "../store/config-store.ts";
import type { Logger } from "../util/logger.ts";
import type { ConnectorStateInfo } from "./entities.ts";
import type { ResolveConfig } from "./resolved-values.ts";

export interface RestartRequest {
  readonly connector: string;
  readonly onlyFailed: boolean;
  readonly includeTasks: boolean;
}

export interface RestartPlan {
  readonly restartConnector: boolean;
  readonly tasksToRestart: readonly number[];
  /** The answer to the request: the current statuses, RESTARTING for what restarts. */
  readonly stateInfo: ConnectorStateInfo;
}

/**
 * As Connect's AbstractHerder.buildRestartPlan, only the state of what restarts changes: its worker,
 * version and trace stay those of its stored status (a connector that failed before the worker made
 * an instance keeps version null and its failure's trace while RESTARTING).
 */
export function buildRestartPlan(request: RestartRequest, current: ConnectorStateInfo): RestartPlan {
  const { onlyFailed, includeTasks } = request;
  const restartConnector = !onlyFailed || current.connector.state === "FAILED";
  const tasksToRestart = current.tasks
    .filter((t) => includeTasks && (!onlyFailed || t.state === "FAILED"))
    .map((t) => t.id);
  const stateInfo: ConnectorStateInfo = {
    ...current,
    connector: restartConnector ? { ...current.connector, state: "RESTARTING" } : current.connector,
    tasks: current.tasks.map((t) => (tasksToRestart.includes(t.id) ? { ...t, state: "RESTARTING" } : t)),
  };
  return { restartConnector, tasksToRestart, stateInfo };
}

/**
 * The tasks of a plan whose configs cannot be resolved now (a secrets file gone): as Connect's
 * doRestartConnectorAndTasks, whose startTask throws from the config lookup before the worker sees
 * the task, each is logged and left RESTARTING, neither started nor FAILED.
 */
export async function unresolvableTasks(
  connector: string,
  stored: StoredConnector,
  tasks: readonly number[],
  resolveConfig: ResolveConfig,
  log: Logger,
): Promise<Set<number>> {
  const unresolved = new Set<number>();
  for (const task of tasks) {
    const taskConfig = stored.taskConfigs[task];
    if (taskConfig === undefined) continue;
    try {
      await resolveConfig(stored.config);
      await resolveConfig(taskConfig);
    } catch (error) {
      log.error(`Task '${connector}-${task}' restart failed`, error);
      unresolved.add(task);
    }
  }
  return unresolved;
}
