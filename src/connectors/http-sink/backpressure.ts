/**
 * Backpressure: the HTTP sink task's pause of consumption while `sink.requests.max-buffered`
 * records, or `sink.requests.max-buffered.bytes` bytes (what they hold, RecordWeight, and the bodies
 * of requests in flight), are buffered or in flight, through its
 * SinkTaskContext. HttpSinkTask calls `update` whenever they change and `open` from its own
 * `open(partitions)`.
 *
 * At either limit every assigned partition is paused; once both are at half or below, the
 * assignment of that moment is resumed. The byte bound keeps large records from filling memory
 * while a slow endpoint holds them (10000 records of 1 MiB would be 10 GiB). A partition assigned while paused (a rebalance during backpressure) is paused too when
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
    private readonly maxBufferedBytes: number,
    private readonly log: Logger,
  ) {}

  /**
   * Consumption is held paused: no record comes to fill a partial batch, so what is buffered is
   * sent without waiting for the flush timeout (as Flink's AsyncSinkWriter flushes at its buffer's
   * limit); else records above half the limit could wait there for the timeout, and so would the
   * resume.
   */
  get holding(): boolean {
    return this.paused;
  }

  /** `size`: records buffered or in flight; `bytes`: their bytes. */
  update(size: number, bytes: number): void {
    if (!this.paused && (size >= this.maxBuffered || bytes >= this.maxBufferedBytes)) {
      this.paused = true;
      this.log.debug(`${size} records (${bytes} bytes) buffered: pausing consumption`);
      this.pause(this.context.assignment());
    } else if (this.paused && size <= this.maxBuffered / 2 && bytes <= this.maxBufferedBytes / 2) {
      this.paused = false;
      this.log.debug(`${size} records (${bytes} bytes) buffered: resuming consumption`);
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
