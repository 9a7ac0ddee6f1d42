/**
 * KIP-745's RestartPlan (Connect's RestartRequest and RestartPlan): which of a connector and its
 * tasks a `POST /connectors/{name}/restart` restarts, given `onlyFailed` and `includeTasks`, and the
 * ConnectorStateInfo it answers with (RESTARTING where applicable). The Herder builds it from the
 * stored statuses, answers with it, then carries it out.
 */
import type { Status } from "../store/status-store.ts";
import { type ConnectorStateInfo, type ConnectorType, connectorState, taskState } from "./entities.ts";

export interface RestartRequest {
  readonly connector: string;
  readonly onlyFailed: boolean;
  readonly includeTasks: boolean;
}

export interface RestartPlan {
  readonly restartConnector: boolean;
  readonly tasksToRestart: readonly number[];
  /** The answer to the request: current statuses, RESTARTING for what restarts. */
  readonly stateInfo: ConnectorStateInfo;
}

export function buildRestartPlan(
  request: RestartRequest,
  status: Status,
  taskStatuses: readonly { id: number; status: Status }[],
  version: string | null,
  type: ConnectorType,
): RestartPlan {
  const { connector: name, onlyFailed, includeTasks } = request;
  const restartConnector = !onlyFailed || status.state === "FAILED";
  const tasksToRestart = taskStatuses
    .filter((t) => includeTasks && (!onlyFailed || t.status.state === "FAILED"))
    .map((t) => t.id);
  const stateInfo: ConnectorStateInfo = {
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
    type,
  };
  return { restartConnector, tasksToRestart, stateInfo };
}
