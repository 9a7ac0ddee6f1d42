/**
 * StatusWriter: turns lifecycle reports from connectors and tasks into stored statuses (Connect's
 * AbstractHerder status callbacks). FAILED statuses carry the error's trace with secrets
 * redacted: the log manager's registered secrets, and every value providers resolved for the
 * connector's config (`hideInTraces`, whatever its length). Reports for a connector that has been
 * deleted meanwhile are dropped.
 *
 * The listeners never throw: they run inside a task's or connector's lifecycle (a task's failure
 * handler among them), where a throw would escape as an unhandled rejection and exit the gateway.
 * A status that cannot be stored (SQLite "database or disk is full") is logged at ERROR, with the
 * failure it reports, and the worker goes on; so do `tryConnector`/`tryTask` (the herder's stop).
 * `connector`/`task` throw (the herder's writes answering a REST request: the request fails).
 */
import { traceOf } from "../errors.ts";
import type { ConfigStore } from "../store/config-store.ts";
import type { State, StatusStore } from "../store/status-store.ts";
import type { Logger, LogManager } from "../util/logger.ts";
import { ResolvedValues } from "./resolved-values.ts";
import type { ConnectorStatusListener } from "./worker-connector.ts";
import type { ConnectorTaskId, TaskStatusListener } from "./worker-task.ts";

export class StatusWriter {
  private readonly resolved = new Map<string, ResolvedValues>();
  private readonly log: Logger;

  constructor(
    private readonly configs: ConfigStore,
    private readonly statuses: StatusStore,
    private readonly logs: LogManager,
    private readonly workerId: () => string,
  ) {
    this.log = logs.get("org.apache.kafka.connect.storage.StatusBackingStore");
  }

  /** The values to hide from `connector`'s traces from now on (replacing earlier ones). */
  hideInTraces(connector: string, values: ResolvedValues): void {
    if (values.isEmpty) this.resolved.delete(connector);
    else this.resolved.set(connector, values);
  }

  private trace(connector: string, error: unknown): string | null {
    if (error === null || error === undefined) return null;
    const values = this.resolved.get(connector) ?? ResolvedValues.none;
    return this.logs.redact(values.hide(traceOf(error)));
  }

  connector(name: string, state: State, error?: unknown): void {
    if (!this.configs.has(name)) {
      this.resolved.delete(name);
      return;
    }
    this.statuses.putConnector(name, { state, trace: this.trace(name, error), workerId: this.workerId() });
  }

  task(id: ConnectorTaskId, state: State, error?: unknown): void {
    if (!this.configs.has(id.connector)) return;
    this.statuses.putTask(id.connector, id.task, {
      state,
      trace: this.trace(id.connector, error),
      workerId: this.workerId(),
    });
  }

  /** Runs a listener's write; a failure to store the status is logged, never thrown. */
  private record(what: string, state: State, write: () => void): void {
    try {
      write();
    } catch (storeError) {
      this.log.error(`Could not store status ${state} of ${what}; the worker goes on`, storeError);
    }
  }

  /** `connector`, logging a failure to store the status instead of throwing it. */
  tryConnector(name: string, state: State, error?: unknown): void {
    this.record(`connector ${name}`, state, () => this.connector(name, state, error));
  }

  /** `task`, logging a failure to store the status instead of throwing it. */
  tryTask(id: ConnectorTaskId, state: State, error?: unknown): void {
    this.record(`task ${id.connector}-${id.task}`, state, () => this.task(id, state, error));
  }

  readonly connectorListener: ConnectorStatusListener = {
    onStartup: (n) => this.tryConnector(n, "RUNNING"),
    onResume: (n) => this.tryConnector(n, "RUNNING"),
    onPause: (n) => this.tryConnector(n, "PAUSED"),
    onStop: (n) => this.tryConnector(n, "STOPPED"),
    onFailure: (n, e) => this.tryConnector(n, "FAILED", e),
  };

  readonly taskListener: TaskStatusListener = {
    onStartup: (id) => this.tryTask(id, "RUNNING"),
    onResume: (id) => this.tryTask(id, "RUNNING"),
    onPause: (id) => this.tryTask(id, "PAUSED"),
    onFailure: (id, e) => this.tryTask(id, "FAILED", e),
  };
}
