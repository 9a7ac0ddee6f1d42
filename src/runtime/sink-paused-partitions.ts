/**
 * SinkPausedPartitions: the partitions a SinkTask paused itself through `context.pause` and has not
 * resumed (Connect's WorkerSinkTaskContext.pausedPartitions). The consumer forgets a pause when a
 * rebalance takes the partition away, and the worker resumes everything after a connector-level
 * pause, so WorkerSinkTask keeps the task's own pauses here: its resume-all skips them and a
 * rebalance pauses again those still assigned. Built once per WorkerSinkTask; the SinkTaskContext
 * adds and removes, WorkerSinkTask and SinkPartitionOwnership read and prune.
 */
import { partitionMapKey as key, type TopicPartition } from "../api/record.ts";

export class SinkPausedPartitions {
  private readonly paused = new Map<string, TopicPartition>();

  add(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.paused.set(key(tp), { topic: tp.topic, partition: tp.partition });
  }

  remove(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.paused.delete(key(tp));
  }

  has(tp: TopicPartition): boolean {
    return this.paused.has(key(tp));
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
