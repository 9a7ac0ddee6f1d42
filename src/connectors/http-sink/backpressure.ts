/**
 * Backpressure: the HTTP sink task's pause of consumption while `sink.requests.max-buffered`
 * records are buffered or in flight, through its SinkTaskContext. HttpSinkTask calls `update`
 * whenever the count changes and `open` from its own `open(partitions)`.
 *
 * At the limit every assigned partition is paused; at half the assignment of that moment is
 * resumed. A partition assigned while paused (a rebalance during backpressure) is paused too when
 * it is opened, else it would fill the buffer while the endpoint is slow. The runtime keeps what
 * the task paused across rebalances and connector pause/resume (Connect's pausedPartitions) and
 * pauses it again when it is assigned again; a resume that came while a partition was not assigned
 * (its revocation dropped the buffer under half) did not reach it, so it is resumed when it is
 * opened again instead of staying paused for good.
 */
import type { SinkTaskContext } from "../../api/connector.ts";
import { partitionMapKey as key, type TopicPartition } from "../../api/record.ts";
import type { Logger } from "../../util/logger.ts";

export class Backpressure {
  private paused = false;
  /** What this task paused and has not resumed yet, whether assigned now or not. */
  private readonly held = new Map<string, TopicPartition>();

  constructor(
    private readonly context: SinkTaskContext,
    private readonly maxBuffered: number,
    private readonly log: Logger,
  ) {}

  /** `size`: records buffered or in flight. */
  update(size: number): void {
    if (!this.paused && size >= this.maxBuffered) {
      this.paused = true;
      this.log.debug(`${size} records buffered: pausing consumption`);
      this.pause(this.context.assignment());
    } else if (this.paused && size <= this.maxBuffered / 2) {
      this.paused = false;
      this.log.debug(`${size} records buffered: resuming consumption`);
      this.resume(this.context.assignment());
    }
  }

  /** Newly assigned partitions take the task's current state. */
  open(partitions: readonly TopicPartition[]): void {
    if (this.paused) {
      if (partitions.length > 0) this.pause(partitions);
      return;
    }
    const stale = partitions.filter((tp) => this.held.has(key(tp)));
    if (stale.length > 0) this.resume(stale);
  }

  private pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.held.set(key(tp), tp);
    this.context.pause(partitions);
  }

  private resume(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.held.delete(key(tp));
    this.context.resume(partitions);
  }
}
