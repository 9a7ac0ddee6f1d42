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

export class WorkerStartupMetrics {
  private readonly counts = {
    connectors: { success: 0, failure: 0, results: new WindowedStat() },
    tasks: { success: 0, failure: 0, results: new WindowedStat() },
  };

  snapshot(): StartupSnapshot {
    const of = ({ success, failure, results }: (typeof this.counts)["tasks"]): StartupCounts => {
      const any = results.count() > 0;
      return { success, failure, successRatio: any ? results.avg() : 0, failureRatio: any ? 1 - results.avg() : 0 };
    };
    return { connectors: of(this.counts.connectors), tasks: of(this.counts.tasks) };
  }

  /** The listener of one connector start, counting its outcome. */
  connector(listener: ConnectorStatusListener): ConnectorStatusListener {
    const counts = this.counts.connectors;
    let started = false;
    return {
      onStartup: (n) => {
        if (!started) {
          counts.success++;
          counts.results.record(1);
        }
        started = true;
        listener.onStartup(n);
      },
      onPause: (n) => listener.onPause(n),
      onResume: (n) => listener.onResume(n),
      onStop: (n) => listener.onStop(n),
      onFailure: (n, e) => {
        if (!started) {
          counts.failure++;
          counts.results.record(0);
        }
        started = true;
        listener.onFailure(n, e);
      },
    };
  }

  /** The listener of one task start, counting its outcome. */
  task(listener: TaskStatusListener): TaskStatusListener {
    const counts = this.counts.tasks;
    let started = false;
    return {
      onStartup: (id: ConnectorTaskId) => {
        if (!started) {
          counts.success++;
          counts.results.record(1);
        }
        started = true;
        listener.onStartup(id);
      },
      onPause: (id) => listener.onPause(id),
      onResume: (id) => listener.onResume(id),
      onFailure: (id, e) => {
        if (!started) {
          counts.failure++;
          counts.results.record(0);
        }
        started = true;
        listener.onFailure(id, e);
      },
    };
  }
}
