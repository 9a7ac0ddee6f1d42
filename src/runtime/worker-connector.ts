/**
 * WorkerConnector: one running Connector instance and its state machine (Connect's
 * WorkerConnector). States: INIT → STARTING → STARTED | PAUSED | STOPPED; any → FAILED.
 *   STARTING: an asynchronous `start(config)` is in flight (a token fetch, a handshake). Nobody
 *     waits for it: the Herder and the REST API carry on, target-state changes are recorded and
 *     applied once it settles, and after `connector.start.timeout.ms` the connector is FAILED
 *     (the instance is abandoned and stopped if its start ever completes).
 *   STARTED: `start(config)` succeeded (status RUNNING). A start that returns synchronously goes
 *     straight here; one that settles later reports through the listener and `onStarted`. From
 *     INIT it reports `onStartup`, from PAUSED or STOPPED `onResume`, as Connect's.
 *   PAUSED / STOPPED: the connector instance is stopped (`stop()` was called if it had started).
 *     One that reaches PAUSED without being started is told so (`announcePaused`, a gateway
 *     extension: an ingest route answers 503, not 404) and is stopped as if it had started.
 *   FAILED: `start` threw or timed out, or the connector raised an error; only STOPPED or a
 *     restart leaves it.
 * Before its first `start`, the problems the descriptor's `validationOnly` rules find in the stored
 * config are logged as WARNs (stored-config-warnings.ts), once per instance (its config is fixed):
 * a resume from PAUSED or STOPPED does not repeat them. They never stop the start.
 * Calls are serialized by the Herder, so no two transitions start at once; a settling start is
 * the only thing that runs concurrently with them, and it re-checks the state when it lands.
 * `stop()` is bounded too (`CONNECTOR_GRACEFUL_SHUTDOWN_TIMEOUT_MS`, 5 s, Connect's Worker
 * constant: not `task.shutdown.graceful.timeout.ms`, which bounds tasks), so a connector that hangs
 * in stop cannot hold the Herder.
 */
import type { Config, Connector, SourceConnectorContext } from "../api/connector.ts";
import { ConnectError } from "../errors.ts";
import type { ConnectorDescriptor } from "../plugin/descriptor.ts";
import type { TargetState } from "../store/config-store.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import { warnValidationOnlyProblems } from "./stored-config-warnings.ts";

/** How long a connector's `stop()` may take before it is abandoned: Connect's Worker.CONNECTOR_GRACEFUL_SHUTDOWN_TIMEOUT_MS. */
export const CONNECTOR_GRACEFUL_SHUTDOWN_TIMEOUT_MS = 5000;

export interface ConnectorStatusListener {
  onStartup(connector: string): void;
  onPause(connector: string): void;
  onResume(connector: string): void;
  onStop(connector: string): void;
  onFailure(connector: string, error: unknown): void;
}

export interface WorkerConnectorOptions {
  readonly clock: Clock;
  /** How long an asynchronous `start` may take before the connector is FAILED. */
  readonly startTimeoutMs: number;
  /** How long `stop` may take before the instance is abandoned (logged, not failed). */
  readonly stopTimeoutMs: number;
  /** An asynchronous start completed and the connector is STARTED: generate its tasks now. */
  readonly onStarted: () => void;
  /** An asynchronous start failed (or timed out) and the connector is FAILED: its stored tasks run now. */
  readonly onStartFailed?: () => void;
}

type State = "INIT" | "STARTING" | "STARTED" | "PAUSED" | "STOPPED" | "FAILED";

/** The start did not complete within `connector.start.timeout.ms`. */
export class ConnectorStartTimeoutError extends ConnectError {
  override name = "ConnectorStartTimeoutError";
}

const TIMED_OUT: unique symbol = Symbol("timed out");

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === "function";
}

export class WorkerConnector {
  private state: State = "INIT";
  /** The latest target state asked for; a start in flight applies it when it settles. */
  private target: TargetState = "STARTED";
  private readonly connector: Connector;
  private readonly log: Logger;
  /** Ends the start timeout early when the connector is shut down while starting. */
  private startTimer: AbortController | undefined;
  /** `announcePaused` was called: the instance is stopped like a started one. */
  private announcedPaused = false;
  /** The stored config's validation-only problems were logged (once per instance, not per resume). */
  private storedConfigChecked = false;
  /** Calls into the connector's code not yet returned (an asynchronous start or stop): it may still log. */
  private inFlight = 0;
  private readonly onReturned: (() => void)[] = [];
  /** The config's keys given through a config provider (PluginContext.providedKeys), for its WARNs. */
  private readonly providedKeys: ReadonlySet<string> | undefined;

  constructor(
    readonly name: string,
    readonly descriptor: ConnectorDescriptor,
    private readonly config: Config,
    private readonly listener: ConnectorStatusListener,
    context: SourceConnectorContext,
    log: Logger,
    private readonly options: WorkerConnectorOptions,
  ) {
    this.providedKeys = context.providedKeys;
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

  /** An asynchronous start is in flight. */
  get starting(): boolean {
    return this.state === "STARTING";
  }

  /** The config it was started with (references resolved then), while it is not STOPPED: what its routes serve. */
  get runningConfig(): Config | undefined {
    return this.state === "STOPPED" ? undefined : this.config;
  }

  get instance(): Connector {
    return this.connector;
  }

  /**
   * Moves toward `target`. Resolves once a synchronous transition is done; an asynchronous start
   * is only begun (its outcome arrives through the listener), and while one is in flight the
   * target is recorded and applied when it settles.
   */
  async transitionTo(target: TargetState): Promise<void> {
    this.target = target;
    if (this.state === "STARTING") return;
    await this.apply();
  }

  private async apply(): Promise<void> {
    const target = this.target;
    if (this.state === "FAILED" && target !== "STOPPED") return;
    switch (target) {
      case "STARTED":
        if (this.state !== "STARTED") this.beginStart();
        return;
      case "PAUSED":
      case "STOPPED": {
        if (this.state === target) return;
        // Not started (created, or STOPPED before): announced as paused instead.
        const announce = target === "PAUSED" && this.state !== "STARTED";
        if (this.state === "STARTED" || this.announcedPaused) await this.stopInstance();
        this.announcedPaused = false;
        if (announce) this.announcePaused();
        this.state = target;
        if (target === "PAUSED") this.listener.onPause(this.name);
        else this.listener.onStop(this.name);
        return;
      }
    }
  }

  private announcePaused(): void {
    if (!this.connector.announcePaused) return;
    try {
      this.connector.announcePaused(this.config);
      this.announcedPaused = true;
    } catch (error) {
      this.log.warn(`Connector ${this.name} could not announce that it is paused`, error);
    }
  }

  private beginStart(): void {
    // As Connect's WorkerConnector, only a start from INIT is a startup (onStartup: a connector startup
    // in the worker's metrics); leaving PAUSED or STOPPED is a resume (onResume), RUNNING alike.
    const resuming = this.state === "PAUSED" || this.state === "STOPPED";
    this.announcedPaused = false;
    if (!this.storedConfigChecked) {
      this.storedConfigChecked = true;
      warnValidationOnlyProblems(this.descriptor, this.name, this.config, this.log, this.providedKeys);
    }
    let result: unknown;
    try {
      result = this.connector.start(this.config);
    } catch (error) {
      this.fail(error);
      return;
    }
    if (!isPromise(result)) {
      this.markStarted(resuming);
      return;
    }
    this.state = "STARTING";
    this.track(result);
    this.track(this.settleStart(result, resuming));
  }

  private markStarted(resuming: boolean): void {
    this.state = "STARTED";
    if (resuming) this.listener.onResume(this.name);
    else this.listener.onStartup(this.name);
  }

  private async settleStart(start: Promise<unknown>, resuming: boolean): Promise<void> {
    const timer = new AbortController();
    this.startTimer = timer;
    const timeoutMs = this.options.startTimeoutMs;
    let outcome: typeof TIMED_OUT | { error: unknown } | undefined;
    try {
      outcome = await Promise.race([
        start.then(() => undefined),
        this.options.clock.sleep(timeoutMs, timer.signal).then((): typeof TIMED_OUT => TIMED_OUT),
      ]);
    } catch (error) {
      outcome = { error };
    } finally {
      timer.abort();
    }
    if (outcome === TIMED_OUT) {
      // The instance may still finish starting: then it must be stopped, whatever happened since.
      this.track(
        start.then(
          () => this.stopInstance(),
          () => undefined,
        ),
      );
      if (this.state !== "STARTING") return;
      this.fail(
        new ConnectorStartTimeoutError(
          `Connector ${this.name} did not finish starting within ${timeoutMs} ms (connector.start.timeout.ms); the instance was abandoned`,
        ),
      );
      await this.applyPendingStop();
      if (this.target === "STARTED") this.options.onStartFailed?.();
      return;
    }
    if (this.state !== "STARTING") {
      // Shut down, restarted or failed (raiseError) meanwhile: an instance that started is not wanted.
      if (outcome === undefined) await this.stopInstance();
      return;
    }
    if (outcome !== undefined) {
      this.fail(outcome.error);
      await this.applyPendingStop();
      if (this.target === "STARTED") this.options.onStartFailed?.();
      return;
    }
    this.markStarted(resuming);
    if (this.target === "STARTED") this.options.onStarted();
    else await this.apply();
  }

  /** A stop asked for while the start was in flight still takes the connector out of FAILED. */
  private async applyPendingStop(): Promise<void> {
    if (this.target === "STOPPED") await this.apply();
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

  /** Stops the instance for good (delete, restart or worker shutdown); never waits for a start. */
  async shutdown(): Promise<void> {
    const wasStarted = this.state === "STARTED" || this.announcedPaused;
    this.announcedPaused = false;
    this.state = "STOPPED";
    this.startTimer?.abort();
    if (wasStarted) await this.stopInstance();
  }

  /**
   * Settles once no call into the connector's code is in flight any more: a start or stop past its
   * timeout, abandoned by the worker, still runs (and may log with the config's values) until then.
   * One that never returns never settles it.
   */
  async whenReturned(): Promise<void> {
    // A start that settles late is followed by its stop (settleStart): wait again for that one.
    while (this.inFlight > 0) await new Promise<void>((resolve) => this.onReturned.push(resolve));
  }

  private track<T>(call: T): T {
    if (!isPromise(call)) return call;
    this.inFlight++;
    const done = () => {
      if (--this.inFlight === 0) for (const resolve of this.onReturned.splice(0)) resolve();
    };
    call.then(done, done);
    return call;
  }

  private async stopInstance(): Promise<void> {
    const timer = new AbortController();
    const timeoutMs = this.options.stopTimeoutMs;
    try {
      const stopped = Promise.resolve(this.track(this.connector.stop())).then(() => true);
      const done = await Promise.race([stopped, this.options.clock.sleep(timeoutMs, timer.signal).then(() => false)]);
      // Connect's Worker.awaitStopConnector line; the instance is abandoned (Connect's cancel).
      if (!done)
        this.log.error(
          `Connector '${this.name}' failed to properly shut down, has become unresponsive, and may be consuming external resources. Correct the configuration for this connector or remove the connector. After fixing the connector, it may be necessary to restart this worker to release any consumed resources.`,
        );
    } catch (error) {
      this.log.warn(`Error while stopping connector ${this.name}`, error);
    } finally {
      timer.abort();
    }
  }
}
