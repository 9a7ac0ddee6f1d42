/**
 * Connect's worker startup metrics (WorkerMetricsGroup): connector and task startup attempts,
 * successes and failures. As in Connect, they are counted by wrapping the status listener of each
 * start: its first `onStartup` is a success; an `onFailure` before any `onStartup` (the build
 * failed, or `start` threw) is a failure. A start into PAUSED or STOPPED counts neither. The
 * worker wraps every listener it is given (worker.ts); /metrics renders the counts
 * (connect-metrics.ts). The totals count from the worker's start; the percentages, as Connect's
 * Frequencies, cover the starts of the last 30–60 s.
 */
import { WindowedStat } from "../metrics/windowed-stat.ts";
import type { ConnectorStatusListener } from "./worker-connector.ts";
import type { ConnectorTaskId, TaskStatusListener } from "./worker-task.ts";

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

  /** The listener of one connector start, counting its outcome. */
  connector(listener: ConnectorStatusListener): ConnectorStatusListener {
    const outcome = firstOutcome(this.counts.connectors);
    return {
      onStartup: (n) => {
        outcome(true);
        listener.onStartup(n);
      },
      onPause: (n) => listener.onPause(n),
      onResume: (n) => listener.onResume(n),
      onStop: (n) => listener.onStop(n),
      onFailure: (n, e) => {
        outcome(false);
        listener.onFailure(n, e);
      },
    };
  }

  /** The listener of one task start, counting its outcome. */
  task(listener: TaskStatusListener): TaskStatusListener {
    const outcome = firstOutcome(this.counts.tasks);
    return {
      onStartup: (id: ConnectorTaskId) => {
        outcome(true);
        listener.onStartup(id);
      },
      onPause: (id) => listener.onPause(id),
      onResume: (id) => listener.onResume(id),
      onFailure: (id, e) => {
        outcome(false);
        listener.onFailure(id, e);
      },
    };
  }
}

/** Counts the first outcome of one start (a startup or a failure) in `counts`; later ones not. */
function firstOutcome(counts: Counts): (succeeded: boolean) => void {
  let started = false;
  return (succeeded) => {
    if (started) return;
    started = true;
    if (succeeded) counts.success++;
    else counts.failure++;
    counts.results.record(succeeded ? 1 : 0);
  };
}
