/**
 * Per-task counters in Connect's metric vocabulary: connector-task-metrics (offset commits, batch
 * sizes), source-task-metrics (poll/write), sink-task-metrics (read/send, put batches) and
 * task-error-metrics (errors, retries, skips, dead letter queue). The runtime updates them; the
 * metrics endpoint reads them. Averages, maxima and percentages cover the last 30–60 s as
 * Connect's (WindowedStat); totals count from the task's start.
 */
import { PluginMetrics } from "../metrics/plugin-metrics.ts";
import { WindowedRate } from "../metrics/rate.ts";
import { StateRatios } from "../metrics/state-ratios.ts";
import { WindowedStat } from "../metrics/windowed-stat.ts";
import type { TaskStatusListener } from "./worker-task.ts";

/**
 * The classes and versions a task was built with: Connect 4.x's string attributes of
 * connector-task-metrics (its TaskPluginsMetadata), shown as the labels of one info series.
 */
export interface TaskPluginsMetadata {
  readonly connectorClass: string;
  readonly connectorType: string;
  readonly connectorVersion: string;
  readonly taskClass: string;
  readonly taskVersion: string;
  readonly keyConverterClass: string;
  readonly keyConverterVersion: string;
  readonly valueConverterClass: string;
  readonly valueConverterVersion: string;
  readonly headerConverterClass: string;
  readonly headerConverterVersion: string;
}

type Built = { readonly className: string; readonly version: string };

/**
 * A task's TaskPluginsMetadata: its connector's class, type and version, its task's class, and its
 * converters' classes and versions. A task has no version of its own here: it shows its plugin's
 * (Connect's tasks report their plugin's own); `task` is the plugin whose task class the task config
 * names (castTaskClass), the connector's own unless a paused connector's class changed.
 */
export function taskPluginsMetadata(
  connector: Built & { readonly type: string },
  task: Built & { readonly taskClass: string },
  converters: { readonly key: Built; readonly value: Built; readonly header: Built },
): TaskPluginsMetadata {
  const { key, value, header } = converters;
  return {
    connectorClass: connector.className,
    connectorType: connector.type,
    connectorVersion: connector.version,
    taskClass: task.taskClass,
    taskVersion: task.version,
    keyConverterClass: key.className,
    keyConverterVersion: key.version,
    valueConverterClass: value.className,
    valueConverterVersion: value.version,
    headerConverterClass: header.className,
    headerConverterVersion: header.version,
  };
}

export class TaskMetrics {
  readonly startedAt: number;
  sourceRecordPollTotal = 0;
  sourceRecordWriteTotal = 0;
  sinkRecordReadTotal = 0;
  sinkRecordSendTotal = 0;
  readonly sourceRecordPollRate: WindowedRate;
  readonly sourceRecordWriteRate: WindowedRate;
  readonly sinkRecordReadRate: WindowedRate;
  readonly sinkRecordSendRate: WindowedRate;
  offsetCommitSuccess = 0;
  /** Successful offset commits per second (a sink's offset-commit-completion-rate). */
  readonly offsetCommitCompletionRate: WindowedRate;
  offsetCommitFailure = 0;
  /** Poll, put and successful offset commit times (ms). */
  readonly pollBatch: WindowedStat;
  readonly putBatch: WindowedStat;
  readonly offsetCommit: WindowedStat;
  /** Offset commit outcomes, 1 a success and 0 a failure (Connect's Frequencies: the percentages). */
  readonly offsetCommitResults: WindowedStat;
  /** A sink task's assigned partitions now (Connect's partition-count). */
  partitionCount: () => number = () => 0;
  /** Records per batch: a source task's polls, a sink task's puts (Connect's batch-size-avg/max). */
  readonly batchSize: WindowedStat;
  private activeRecords = 0;
  /** source- or sink-record-active-count as it moved (its -avg and -max). */
  readonly activeRecordCounts: WindowedStat;
  /** Time spent running, paused (Connect's running-ratio, pause-ratio). */
  readonly states: StateRatios;
  totalRecordErrors = 0;
  totalRecordFailures = 0;
  totalRecordsSkipped = 0;
  totalRetries = 0;
  totalErrorsLogged = 0;
  deadLetterQueueProduceRequests = 0;
  deadLetterQueueProduceFailures = 0;
  lastErrorTimestamp = 0;
  /** Metrics the task's plugin defines itself (rendered with the task's labels). */
  readonly plugin = new PluginMetrics();

  /**
   * `now`: the wall clock of the rates and windows (a test's own); `plugins`: what the task was
   * built with (a test's task may have none: no info series).
   */
  constructor(
    now: () => number = Date.now,
    readonly plugins?: TaskPluginsMetadata,
  ) {
    this.startedAt = now();
    this.sourceRecordPollRate = new WindowedRate(30, now);
    this.sourceRecordWriteRate = new WindowedRate(30, now);
    this.sinkRecordReadRate = new WindowedRate(30, now);
    this.sinkRecordSendRate = new WindowedRate(30, now);
    this.offsetCommitCompletionRate = new WindowedRate(30, now);
    this.pollBatch = new WindowedStat(now);
    this.putBatch = new WindowedStat(now);
    this.offsetCommit = new WindowedStat(now);
    this.offsetCommitResults = new WindowedStat(now);
    this.batchSize = new WindowedStat(now);
    this.activeRecordCounts = new WindowedStat(now);
    this.states = new StateRatios(now);
  }

  /** `listener`, also telling the task's state changes to `states`. */
  trackState(listener: TaskStatusListener): TaskStatusListener {
    return {
      onStartup: (id) => {
        this.states.change("RUNNING");
        listener.onStartup(id);
      },
      onResume: (id) => {
        this.states.change("RUNNING");
        listener.onResume(id);
      },
      onPause: (id) => {
        this.states.change("PAUSED");
        listener.onPause(id);
      },
      onFailure: (id, e) => {
        this.states.change("FAILED");
        listener.onFailure(id, e);
      },
    };
  }

  /** An offset commit succeeded in `ms` (one with nothing new to commit too, as Connect). */
  commitSucceeded(ms: number): void {
    this.offsetCommitSuccess++;
    this.offsetCommitCompletionRate.record(1);
    this.offsetCommit.record(ms);
    this.offsetCommitResults.record(1);
  }

  commitFailed(): void {
    this.offsetCommitFailure++;
    this.offsetCommitResults.record(0);
  }

  /** A source task's poll returned `count` records (an empty answer too, as Connect) in `ms`. */
  polled(count: number, ms: number): void {
    this.pollBatch.record(ms);
    this.sourceRecordPollTotal += count;
    this.sourceRecordPollRate.record(count);
    this.batch(count);
    this.setActive(this.activeRecords + count);
  }

  /**
   * A source task's batch of `polled` records is done (acknowledged by Kafka, refused and
   * tolerated, or filtered): `written` of them reached Kafka.
   */
  wrote(polled: number, written: number): void {
    this.sourceRecordWriteTotal += written;
    this.sourceRecordWriteRate.record(written);
    this.setActive(this.activeRecords - polled);
  }

  /**
   * A source task's records polled and not yet done (Connect's source-record-active-count), a sink
   * task's records read and not yet committed (sink-record-active-count).
   */
  get recordActiveCount(): number {
    return this.activeRecords;
  }

  /** A sink task's records read and not yet committed are now `count` (before a put, after a commit, an assignment). */
  sinkActive(count: number): void {
    this.setActive(count);
  }

  private setActive(count: number): void {
    this.activeRecords = Math.max(0, count);
    this.activeRecordCounts.record(this.activeRecords);
  }

  /** A sink task's put took `count` records in `ms`. */
  put(count: number, ms: number): void {
    this.putBatch.record(ms);
    this.sinkRecordSendTotal += count;
    this.sinkRecordSendRate.record(count);
    this.batch(count);
  }

  private batch(count: number): void {
    this.batchSize.record(count);
  }
}
