/**
 * WorkerConnector: one running Connector instance and its state machine (Connect's
 * WorkerConnector). States: INIT → STARTED | PAUSED | STOPPED; any → FAILED.
 *   STARTED: `start(config)` was called and succeeded (status RUNNING).
 *   PAUSED / STOPPED: the connector instance is stopped (`stop()` was called if it had started).
 *   FAILED: `start` threw or the connector raised an error; only STOPPED or a restart leaves it.
 * Calls are serialized by the Herder, so no two transitions run at once.
 */
import type { Config, Connector, SourceConnectorContext } from "../api/connector.ts";
import type { ConnectorDescriptor } from "../plugin/descriptor.ts";
import type { TargetState } from "../store/config-store.ts";
import type { Logger } from "../util/logger.ts";

export interface ConnectorStatusListener {
  onStartup(connector: string): void;
  onPause(connector: string): void;
  onResume(connector: string): void;
  onStop(connector: string): void;
  onFailure(connector: string, error: unknown): void;
}

type State = "INIT" | "STARTED" | "PAUSED" | "STOPPED" | "FAILED";

export class WorkerConnector {
  private state: State = "INIT";
  private readonly connector: Connector;
  private readonly log: Logger;

  constructor(
    readonly name: string,
    readonly descriptor: ConnectorDescriptor,
    private readonly config: Config,
    private readonly listener: ConnectorStatusListener,
    context: SourceConnectorContext,
    log: Logger,
  ) {
    this.log = log.withContext(`[${name}|worker]`);
    this.connector = descriptor.create();
    this.connector.initialize?.(context as never);
  }

  get failed(): boolean {
    return this.state === "FAILED";
  }

  get started(): boolean {
    return this.state === "STARTED";
  }

  get instance(): Connector {
    return this.connector;
  }

  async transitionTo(target: TargetState): Promise<void> {
    if (this.state === "FAILED" && target !== "STOPPED") return;
    switch (target) {
      case "STARTED": {
        if (this.state === "STARTED") return;
        try {
          await this.connector.start(this.config);
        } catch (error) {
          this.fail(error);
          return;
        }
        const wasPaused = this.state === "PAUSED";
        this.state = "STARTED";
        if (wasPaused) this.listener.onResume(this.name);
        else this.listener.onStartup(this.name);
        return;
      }
      case "PAUSED":
      case "STOPPED": {
        if (this.state === target) return;
        if (this.state === "STARTED") await this.stopInstance();
        this.state = target;
        if (target === "PAUSED") this.listener.onPause(this.name);
        else this.listener.onStop(this.name);
        return;
      }
    }
  }

  /** Marks the connector FAILED (from `start`, task generation or `raiseError`). */
  fail(error: unknown): void {
    this.log.error(`Connector ${this.name} failed`, error);
    if (this.state === "STARTED") void this.stopInstance();
    this.state = "FAILED";
    this.listener.onFailure(this.name, error);
  }

  async taskConfigs(maxTasks: number): Promise<Config[]> {
    return await this.connector.taskConfigs(maxTasks);
  }

  /** Stops the instance for good (delete, restart or worker shutdown). */
  async shutdown(): Promise<void> {
    if (this.state === "STARTED") await this.stopInstance();
    this.state = "STOPPED";
  }

  private async stopInstance(): Promise<void> {
    try {
      await this.connector.stop();
    } catch (error) {
      this.log.warn(`Error while stopping connector ${this.name}`, error);
    }
  }
}
