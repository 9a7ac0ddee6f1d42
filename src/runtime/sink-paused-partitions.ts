/**
 * SinkPausedPartitions: the partitions a SinkTask paused itself through `context.pause` and has not
 * resumed (Connect's WorkerSinkTaskContext.pausedPartitions). The consumer forgets a pause when a
 * rebalance takes the partition away, and the worker resumes everything after a connector-level
 * pause, so the task's own pauses are kept here: the worker's resume-all skips them and a
 * rebalance pauses again those still assigned. Held by SinkPartitionOwnership, which the task's
 * context calls for pause/resume.
 */
import { partitionMapKey as key, type TopicPartition } from "../api/record.ts";

export class SinkPausedPartitions {
  private readonly paused = new Map<string, TopicPartition>();
  private adds = 0;

  /** Counts the pauses: a reader that saw the same count knows nothing was paused since. */
  get epoch(): number {
    return this.adds;
  }

  add(partitions: readonly TopicPartition[]): void {
    this.adds++;
    for (const tp of partitions) this.paused.set(key(tp), { topic: tp.topic, partition: tp.partition });
  }

  remove(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.paused.delete(key(tp));
  }

  has(tp: TopicPartition): boolean {
    return this.paused.has(key(tp));
  }

  /** `has` by the partition's key (partitionMapKey). */
  hasKey(partitionKey: string): boolean {
    return this.paused.has(partitionKey);
  }

  /** Keeps only the partitions in `assigned` (Connect's retainAll after a rebalance); returns what is left. */
  retain(assigned: readonly TopicPartition[]): TopicPartition[] {
    const keep = new Set(assigned.map(key));
    for (const k of this.paused.keys()) if (!keep.has(k)) this.paused.delete(k);
    return [...this.paused.values()];
  }

  /** The partitions of `assigned` the task did not pause (what Connect's resumeAll resumes). */
  notPaused(assigned: readonly TopicPartition[]): TopicPartition[] {
    return assigned.filter((tp) => !this.has(tp));
  }
}
