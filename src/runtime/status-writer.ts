/**
 * StatusWriter: turns lifecycle reports from connectors and tasks into stored statuses (Connect's
 * AbstractHerder status callbacks). FAILED statuses carry the error's trace with secrets
 * redacted: the log manager's registered secrets, then every value providers resolved for the
 * connector's config (`hideInTraces`, by ResolvedValues.redaction: one under 4 characters only as a
 * whole token), those of its previous config while tasks still run with it, and, in a task's trace,
 * those of its own configs. Reports for a connector that has been deleted meanwhile are dropped.
 *
 * Nothing here throws: the listeners run inside a task's or connector's lifecycle (a task's
 * failure handler among them), where a throw would escape as an unhandled rejection and exit the
 * gateway. A status that cannot be stored (SQLite "database or disk is full") is kept and retried
 * by RetryingStatusStore, which logs it, and the worker goes on; as in Connect, a status write
 * never fails the REST request that caused it (a restart's RESTARTING).
 */
import { traceOf } from "../errors.ts";
import type { ConfigStore } from "../store/config-store.ts";
import type { State } from "../store/status-store.ts";
import type { LogManager } from "../util/logger.ts";
import { ResolvedValues } from "./resolved-values.ts";
import type { RetryingStatusStore } from "./retrying-status-store.ts";
import type { ConnectorStatusListener } from "./worker-connector.ts";
import type { ConnectorTaskId, TaskStatusListener } from "./worker-task.ts";

export class StatusWriter {
  private readonly resolved = new Map<string, ResolvedValues>();

  constructor(
    private readonly configs: ConfigStore,
    private readonly statuses: RetryingStatusStore,
    private readonly logs: LogManager,
    private readonly workerId: () => string,
  ) {}

  /** Values of earlier configs still hidden: tasks run with them until the promise given with them settles. */
  private readonly lingering = new Map<string, Set<ResolvedValues>>();

  /**
   * The values to hide from `connector`'s traces from now on; the earlier ones stay hidden too until
   * `previousInUseUntil` settles (tasks still running with the previous config).
   */
  hideInTraces(connector: string, values: ResolvedValues, previousInUseUntil?: Promise<void>): void {
    const previous = this.resolved.get(connector);
    if (previous && previousInUseUntil) {
      const held = this.lingering.get(connector) ?? new Set<ResolvedValues>();
      held.add(previous);
      this.lingering.set(connector, held);
      const release = () => {
        held.delete(previous);
        if (held.size === 0 && this.lingering.get(connector) === held) this.lingering.delete(connector);
      };
      void previousInUseUntil.then(release, release);
    }
    if (values.isEmpty) this.resolved.delete(connector);
    else this.resolved.set(connector, values);
  }

  private trace(connector: string, error: unknown, own = ResolvedValues.none): string | null {
    if (error === null || error === undefined) return null;
    return this.redact(connector, traceOf(error), own);
  }

  /**
   * `text` with what a trace of `connector` hides: the log manager's secrets, the values resolved
   * for its config (and its previous one's while they linger) and `own`, a task's own (Worker's
   * taskResolvedValues). Also for the Degraded trace of a RUNNING status, which is no stored status
   * (review-p3ingest P3-2), with the running task's own values (sinksec).
   */
  redact(connector: string, text: string, own = ResolvedValues.none): string {
    let redact = (text: string) => this.logs.redact(text);
    for (const hidden of [...(this.lingering.get(connector) ?? []), own]) {
      const inner = redact;
      redact = (text) => hidden.redaction(inner, { references: false }).hide(text);
    }
    const values = this.resolved.get(connector) ?? ResolvedValues.none;
    return values.redaction(redact, { references: false }).hide(text);
  }

  connector(name: string, state: State, error?: unknown): void {
    if (!this.configs.has(name)) {
      this.resolved.delete(name);
      this.lingering.delete(name);
      return;
    }
    this.statuses.putConnector(name, { state, trace: this.trace(name, error), workerId: this.workerId() });
  }

  /** `resolved`: what the providers resolved for the task's own configs, hidden from its trace too. */
  task(id: ConnectorTaskId, state: State, error?: unknown, resolved?: ResolvedValues): void {
    if (!this.configs.has(id.connector)) return;
    this.statuses.putTask(id.connector, id.task, {
      state,
      trace: this.trace(id.connector, error, resolved),
      workerId: this.workerId(),
    });
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
    onFailure: (id, e, resolved) => this.task(id, "FAILED", e, resolved),
  };
}
