/**
 * StatusWriter: turns lifecycle reports from connectors and tasks into stored statuses (Connect's
 * AbstractHerder status callbacks). FAILED statuses carry the error's trace with secrets
 * redacted. Reports for a connector that has been deleted meanwhile are dropped.
 */
import { traceOf } from "../errors.ts";
import type { ConfigStore } from "../store/config-store.ts";
import type { State, StatusStore } from "../store/status-store.ts";
import type { LogManager } from "../util/logger.ts";
import type { ConnectorStatusListener } from "./worker-connector.ts";
import type { ConnectorTaskId, TaskStatusListener } from "./worker-task.ts";

export class StatusWriter {
  constructor(
    private readonly configs: ConfigStore,
    private readonly statuses: StatusStore,
    private readonly logs: LogManager,
    private readonly workerId: () => string,
  ) {}

  private trace(error: unknown): string | null {
    return error === null || error === undefined ? null : this.logs.redact(traceOf(error));
  }

  connector(name: string, state: State, error?: unknown): void {
    if (!this.configs.has(name)) return;
    this.statuses.putConnector(name, { state, trace: this.trace(error), workerId: this.workerId() });
  }

  task(id: ConnectorTaskId, state: State, error?: unknown): void {
    if (!this.configs.has(id.connector)) return;
    this.statuses.putTask(id.connector, id.task, { state, trace: this.trace(error), workerId: this.workerId() });
  }

  readonly connectorListener: ConnectorStatusListener = {
    onStartup: (n) => this.connector(n, "RUNNING"),
    onResume: (n) => this.connector(n, "RUNNING"),
    onPause: (n) => this.connector(n, "PAUSED"),
    onStop: (n) => this.connector(n, "STOPPED"),
    onFailure: (n, e) => this.connector(n, "FAILED", e),
  };

  readonly taskListener: TaskStatusListener = {
    onStartup: (id) => this.task(id, "RUNNING"),
    onResume: (id) => this.task(id, "RUNNING"),
    onPause: (id) => this.task(id, "PAUSED"),
    onFailure: (id, e) => this.task(id, "FAILED", e),
  };
}
