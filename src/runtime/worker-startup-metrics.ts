/**
 * Connect's worker startup metrics (WorkerMetricsGroup): connector and task startup attempts,
 * successes and failures. A connector start is counted as in Connect, by wrapping its status
 * listener: its first `onStartup` is a success; an `onFailure` before any `onStartup` (the build
 * failed, or `start` threw) is a failure; a start into PAUSED or STOPPED counts neither, nor does its
 * resume (WorkerConnector reports `onResume`, as Connect's). A task
 * counts only when the worker fails to build it (`taskBuild`), as Connect 4.3.1's Worker.startTask,
 * which hands the wrapped listener to its build's catch only (the task itself gets the listener
 * unwrapped): task-startup-success-total stays 0, and a task whose `start` throws is no failure.
 * A connector or task whose config a config provider cannot resolve counts nothing (Connect's herder
 * resolves it before its Worker starts the connector or builds the task). /metrics renders the counts (connect-metrics.ts). The totals count from the worker's
 * start; the percentages, as Connect's Frequencies, cover the starts of the last 30–60 s.
 */
import { WindowedStat } from "../metrics/windowed-stat.ts";
import type { ResolveConfig } from "./resolved-values.ts";
import type { ConnectorStatusListener } from "./worker-connector.ts";

export interface StartupCounts {
  readonly success: number;
  readonly failure: number;
  /** The fraction of the starts of the last 30–60 s that succeeded (failed); 0 without any. */
  readonly successRatio: number;
  readonly failureRatio: number;
}

export interface StartupSnapshot {
  readonly connectors: StartupCounts;
  readonly tasks: StartupCounts;
}

interface Counts {
  success: number;
  failure: number;
  readonly results: WindowedStat;
}

export class WorkerStartupMetrics {
  private readonly counts: { readonly connectors: Counts; readonly tasks: Counts } = {
    connectors: { success: 0, failure: 0, results: new WindowedStat() },
    tasks: { success: 0, failure: 0, results: new WindowedStat() },
  };

  snapshot(): StartupSnapshot {
    const of = ({ success, failure, results }: Counts): StartupCounts => {
      const any = results.count() > 0;
      return { success, failure, successRatio: any ? results.avg() : 0, failureRatio: any ? 1 - results.avg() : 0 };
    };
    return { connectors: of(this.counts.connectors), tasks: of(this.counts.tasks) };
  }

  /**
   * One connector start resolving its config with `resolveConfig`: its listener counts its outcome,
   * unless that resolution failed (Connect's herder resolves it before its Worker starts the connector).
   */
  connector(
    listener: ConnectorStatusListener,
    resolveConfig: ResolveConfig,
  ): { listener: ConnectorStatusListener; resolveConfig: ResolveConfig } {
    const outcome = firstOutcome(this.counts.connectors);
    const resolving = resolutionOf(resolveConfig);
    return {
      listener: {
        onStartup: (n) => {
          outcome(true);
          listener.onStartup(n);
        },
        onPause: (n) => listener.onPause(n),
        onResume: (n) => listener.onResume(n),
        onStop: (n) => listener.onStop(n),
        onFailure: (n, e) => {
          if (!resolving.failed) outcome(false);
          listener.onFailure(n, e);
        },
      },
      resolveConfig: resolving.resolveConfig,
    };
  }

  /**
   * One task build resolving its configs with `resolveConfig`: `failed()` counts its failure (the only
   * task outcome Connect counts) unless that resolution failed.
   */
  taskBuild(resolveConfig: ResolveConfig): { resolveConfig: ResolveConfig; failed(): void } {
    const resolving = resolutionOf(resolveConfig);
    return {
      resolveConfig: resolving.resolveConfig,
      failed: () => {
        if (!resolving.failed) count(this.counts.tasks, false);
      },
    };
  }
}

/** `resolveConfig`, noting whether it failed. */
function resolutionOf(resolveConfig: ResolveConfig): { resolveConfig: ResolveConfig; readonly failed: boolean } {
  const state: { failed: boolean; resolveConfig: ResolveConfig } = {
    failed: false,
    resolveConfig: (config, onValue, onUnresolved) =>
      resolveConfig(config, onValue, onUnresolved).catch((error: unknown) => {
        state.failed = true;
        throw error;
      }),
  };
  return state;
}

/** Counts the first outcome of one start (a startup or a failure) in `counts`; later ones not. */
function firstOutcome(counts: Counts): (succeeded: boolean) => void {
  let started = false;
  return (succeeded) => {
    if (started) return;
    started = true;
    count(counts, succeeded);
  };
}

function count(counts: Counts, succeeded: boolean): void {
  if (succeeded) counts.success++;
  else counts.failure++;
  counts.results.record(succeeded ? 1 : 0);
}
