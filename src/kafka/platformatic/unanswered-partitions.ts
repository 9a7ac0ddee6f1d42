/**
 * UnansweredPartitions: the partitions a PartitionFetcher fetches whose last try (a fetch, the metadata it waits on, a
 * start position's look-up) got no answer, or whose fetch a broker holds unanswered (unanswered-fetches.ts). The
 * handler (`onFetchFailing`: a sink task's Degraded trace) hears of each such try while any of them is still fetched,
 * and once none is left (answered, paused, revoked, gone from its topic). Called by the fetcher's FetchFailureReport;
 * silent once stopped.
 */
import type { ConsumerHandlers } from "../kafka-port.ts";
import type { PartitionState } from "./partition-state.ts";

export class UnansweredPartitions {
  private readonly partitions = new Set<PartitionState>();
  private stopped = false;

  constructor(private readonly handlers: ConsumerHandlers) {}

  /**
   * `list`'s last try got no answer (`failure`: why, as the handler hears it): those still fetched (`fetched`) are
   * reported until answered.
   */
  failed(list: readonly PartitionState[], failure: Error, fetched: (s: PartitionState) => boolean): void {
    if (this.stopped) return;
    for (const s of list) if (fetched(s)) this.partitions.add(s);
    if (this.partitions.size > 0) this.handlers.onFetchFailing?.(failure);
  }

  /** `list` was answered, or is no longer fetched: the handler hears once none is left unanswered. */
  answered(list: readonly PartitionState[]): void {
    if (this.partitions.size === 0) return;
    for (const s of list) this.partitions.delete(s);
    if (this.partitions.size === 0 && !this.stopped) this.handlers.onFetchFailing?.(null);
  }

  /** The fetcher stopped: nothing more is reported. */
  stop(): void {
    this.stopped = true;
    this.partitions.clear();
  }
}
