/**
 * WorkerTask: the lifecycle shared by WorkerSourceTask and WorkerSinkTask (Connect's WorkerTask).
 *
 * States and transitions, reported through the TaskStatusListener:
 *   created → (start) → initializing → RUNNING ⇄ PAUSED   (target state STARTED / PAUSED)
 *   A task created PAUSED reports PAUSED and initializes only once resumed (Connect's doRun).
 *   Initializing first starts the error reporters (Connect's doStart: the sink's dead letter queue
 *   topic is created then), then the clients and the plugin task; a failure there fails the task.
 *   Stopping interrupts the reporters' start; nothing more is initialized once stopping.
 *   any → FAILED (an error escaped the task: status carries its trace; not once it is stopping:
 *   then the error is logged as a warning, as in Connect)
 *   any → stopped (stop() requested; the task commits what was acknowledged, then closes)
 * Concurrency: `run()` is the task's single logical thread; `transitionTo` and `stop` may be called
 * at any time from the herder and only set flags and wake the loop. A task that ignores stop beyond
 * the graceful timeout is abandoned by the Worker (its later status reports are ignored there).
 */
import type { TargetState } from "../store/config-store.ts";
import { Signal } from "../util/async.ts";
import { type Clock, timerMs } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import type { ActiveTopics } from "./active-topics.ts";
import type { RetryWithToleranceOperator } from "./errors/retry-with-tolerance.ts";
import type { RecordConverters } from "./record-conversion.ts";
import type { ResolvedValues } from "./resolved-values.ts";
import type { TaskMetrics } from "./task-metrics.ts";
import type { TransformationChain } from "./transformation-chain.ts";

export interface ConnectorTaskId {
  readonly connector: string;
  readonly task: number;
}

export function taskIdString(id: ConnectorTaskId): string {
  return `${id.connector}-${id.task}`;
}

/** Connect's WorkerTask.toString, which starts its log lines: `WorkerSourceTask{id=c-0}`. */
export function workerTaskName(kind: "source" | "sink", id: ConnectorTaskId): string {
  return `${kind === "sink" ? "WorkerSinkTask" : "WorkerSourceTask"}{id=${taskIdString(id)}}`;
}

export interface TaskStatusListener {
  onStartup(id: ConnectorTaskId): void;
  onPause(id: ConnectorTaskId): void;
  onResume(id: ConnectorTaskId): void;
  /**
   * `resolved`: what the providers resolved for the task's configs (the Worker adds them), hidden from
   * its trace whatever their length: a task config may hold a reference its connector's config no
   * longer does (updated while PAUSED, the task configs not generated again).
   */
  onFailure(id: ConnectorTaskId, error: unknown, resolved?: ResolvedValues): void;
}

/** What every task needs, source or sink. */
export interface WorkerTaskOptions {
  readonly id: ConnectorTaskId;
  readonly initialState: TargetState;
  readonly listener: TaskStatusListener;
  readonly clock: Clock;
  readonly log: Logger;
  readonly taskClass: string;
  readonly config: Readonly<Record<string, string>>;
  /** The keys of `config` whose raw value held a reference a config provider resolved (PluginContext.providedKeys). */
  readonly providedKeys?: ReadonlySet<string>;
  readonly converters: RecordConverters;
  readonly transformations: TransformationChain;
  readonly operator: RetryWithToleranceOperator;
  readonly offsetFlushIntervalMs: number;
  readonly activeTopics: ActiveTopics;
  readonly metrics: TaskMetrics;
}

export abstract class WorkerTask {
  protected targetState: TargetState;
  private readonly stopController = new AbortController();
  private readonly wake = new Signal();
  private pauseController = new AbortController();
  /** `activeSignal` of the current pause controller (made once per pause/resume, not per poll). */
  private active: { readonly pause: AbortController; readonly signal: AbortSignal } | undefined;
  private finished: Promise<void> = Promise.resolve();
  private reportedPaused = false;
  /** PAUSED was reported by `followTargetState` (before the loop's own pause handling ran). */
  private announcedPause = false;
  protected readonly log: Logger;

  constructor(
    readonly id: ConnectorTaskId,
    initialState: TargetState,
    protected readonly listener: TaskStatusListener,
    protected readonly clock: Clock,
    log: Logger,
    private readonly errorReporting: Pick<RetryWithToleranceOperator, "start">,
  ) {
    this.targetState = initialState;
    this.log = log.withContext(`[${id.connector}|task-${id.task}]`);
  }

  /** Starts the task's loop in the background. */
  start(): void {
    this.finished = this.run();
  }

  get stopping(): boolean {
    return this.stopController.signal.aborted;
  }

  /** Aborts on stop. */
  protected get stopSignal(): AbortSignal {
    return this.stopController.signal;
  }

  /**
   * Aborts on stop or pause: pass it to blocking plugin calls (poll). One signal per pause/resume
   * generation (the source loop asks for it per poll, thousands of times a second under load):
   * whoever listens to it removes the listener when done (as `abortable` and the clock's sleep do).
   */
  protected get activeSignal(): AbortSignal {
    const pause = this.pauseController;
    if (this.active?.pause !== pause)
      this.active = { pause, signal: AbortSignal.any([this.stopController.signal, pause.signal]) };
    return this.active.signal;
  }

  transitionTo(state: TargetState): void {
    if (state === this.targetState) return;
    this.targetState = state;
    if (state !== "STARTED") this.pauseController.abort();
    else this.pauseController = new AbortController();
    this.onTargetState(state);
    this.wake.notify();
  }

  stop(): void {
    this.stopController.abort();
    this.wake.notify();
  }

  /**
   * The task did not stop in time and is abandoned (Connect's cancel): whatever it still does, it
   * must not commit offsets any more, or it could undo an offset reset or move offsets back.
   */
  cancel(): void {
    this.cancelled = true;
    try {
      this.onCancel();
    } catch (error) {
      this.log.warn("Could not cancel the task's plugin", error);
    }
    this.stop();
  }

  /** The plugin gives up what it still waits for (a sink's SinkTask.cancel). */
  protected onCancel(): void {}

  protected cancelled = false;

  /** Resolves true once the task has fully stopped, false if `timeoutMs` passed first. */
  /** Settles when run() has ended, however late (an abandoned task's end included). */
  whenFinished(): Promise<void> {
    return this.finished.then(
      () => undefined,
      () => undefined,
    );
  }

  async awaitStop(timeoutMs: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timerMs(timeoutMs));
    });
    const done = await Promise.race([this.finished.then(() => true as const), timeout]);
    clearTimeout(timer);
    return done;
  }

  /** Wakes the loop (a commit was requested, a record arrived, …). */
  protected notify(): void {
    this.wake.notify();
  }

  /** Waits for a wake-up, at most `ms`. */
  protected waitForWake(ms: number): Promise<void> {
    return this.wake.wait(ms);
  }

  /**
   * While the target state is PAUSED, reports PAUSED and waits; reports RUNNING again on resume.
   * Returns false when the task is stopping. Throws what `throwIfFailed` throws, checked at every
   * wake-up: a failure found while paused (a batch in flight rejected for good) fails the task
   * without waiting for a resume.
   */
  protected async awaitUnpaused(): Promise<boolean> {
    while (!this.stopping && this.targetState !== "STARTED") {
      this.throwIfFailed();
      if (!this.reportedPaused) {
        this.reportedPaused = true;
        await this.onPaused();
        if (!this.announcedPause) this.listener.onPause(this.id);
        this.announcedPause = false;
      }
      await this.waitForWake(1000);
      this.throwIfFailed();
      if (!this.stopping) await this.whilePaused();
    }
    if (this.reportedPaused && !this.stopping) {
      this.reportedPaused = false;
      await this.onResumed();
      this.listener.onResume(this.id);
    }
    return !this.stopping;
  }

  /**
   * Awaits `work` that the loop cannot interrupt (a sink's consumer joining its group), meanwhile
   * reporting pauses and resumes at once, as Connect's wakeup of the task's poll does; the loop's
   * own pause handling (`awaitUnpaused`) takes over afterwards.
   */
  protected async followingTargetState<T>(work: Promise<T>): Promise<T> {
    let pending = true;
    const done = work.finally(() => {
      pending = false;
      this.wake.notify();
    });
    void done.catch(() => undefined); // awaited below, which throws it
    while (pending && !this.stopping) {
      await this.followTargetState();
      await this.wake.wait(1000);
    }
    const result = await done;
    if (this.targetState === "STARTED") await this.followTargetState();
    return result;
  }

  private async followTargetState(): Promise<void> {
    const paused = this.targetState !== "STARTED";
    if (this.stopping || this.reportedPaused || paused === this.announcedPause) return;
    this.announcedPause = paused;
    if (paused) return this.listener.onPause(this.id);
    // What was paused meanwhile (partitions assigned while the connector was paused) resumes.
    await this.onResumed();
    this.listener.onResume(this.id);
  }

  /** Connect's doRun: nothing starts before the task is first unpaused, nor once it is stopping. */
  private async run(): Promise<void> {
    let failed = false;
    try {
      if (!(await this.awaitFirstUnpause())) return;
      await this.errorReporting.start(this.stopSignal);
      if (this.stopping) return;
      await this.initializeAndStart();
      if (this.stopping) return;
      this.listener.onStartup(this.id);
      this.log.info(`${this} ${this.kind === "sink" ? "Sink" : "Source"} task finished initialization and start`);
      await this.execute();
    } catch (error) {
      failed = true;
      // Connect's WorkerTask.doRun lines, on its logger. A task told to stop (or abandoned) is no longer the one whose
      // status counts, as in Connect.
      const log = this.log.named("org.apache.kafka.connect.runtime.WorkerTask");
      if (this.cancelled)
        log.warn(
          `${this} After being scheduled for shutdown, the orphan task threw an uncaught exception. A newer instance of this task might be already running`,
          error,
        );
      else if (this.stopping)
        log.warn(`${this} After being scheduled for shutdown, task threw an uncaught exception.`, error);
      else {
        log.error(
          `${this} Task threw an uncaught and unrecoverable exception. Task is being killed and will not recover until manually restarted`,
          error,
        );
        this.listener.onFailure(this.id, error);
      }
    } finally {
      try {
        await this.close(failed);
      } catch (error) {
        this.log.warn(`Could not close task ${taskIdString(this.id)} cleanly`, error);
      }
    }
  }

  /**
   * A task created PAUSED reports PAUSED and waits, before anything is set up, until it is resumed
   * (then it reports RUNNING once started) or stopped (false).
   */
  private async awaitFirstUnpause(): Promise<boolean> {
    if (this.running || this.stopping) return !this.stopping;
    this.listener.onPause(this.id);
    while (!this.running && !this.stopping) await this.wake.wait();
    return !this.stopping;
  }

  /** The task's counters (Connect's task metric groups). */
  abstract readonly metrics: TaskMetrics;
  /** "source" or "sink". */
  abstract readonly kind: "source" | "sink";

  toString(): string {
    return workerTaskName(this.kind, this.id);
  }
  /** Current state as the metrics endpoint reports it. */
  get running(): boolean {
    return !this.stopping && this.targetState === "STARTED";
  }

  /** Creates clients, initializes and starts the plugin task. */
  protected abstract initializeAndStart(): Promise<void>;
  /** The main loop; returns when stopping. */
  protected abstract execute(): Promise<void>;
  /** Commits what is safe to commit (unless `failed` makes that unsafe) and releases resources. */
  protected abstract close(failed: boolean): Promise<void>;
  protected onTargetState(_state: TargetState): void {}
  protected async onPaused(): Promise<void> {}
  /**
   * Throws the error that fails the task when one was found outside the loop's own calls (a batch
   * in flight failed): the loop calls it, and so does the paused wait, which `notify` wakes.
   */
  protected throwIfFailed(): void {}
  /** Runs about once a second while paused (periodic offset commits). */
  protected async whilePaused(): Promise<void> {}
  protected async onResumed(): Promise<void> {}
}
