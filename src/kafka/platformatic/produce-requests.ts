/**
 * Produce requests: how ProducePipeline groups ready batches into requests, as Java's
 * RecordAccumulator.drain does. Partitions are grouped by their leader; a request to a leader
 * takes at most one sendable batch per partition, within max.request.size (one larger batch goes
 * alone) and the bytes still free on the wire (buffer.memory; a request goes alone when nothing
 * else is on the wire).
 */
import type { Batch, PartitionBatches } from "./partition-batches.ts";
import type { PartitionLeaders } from "./partition-leaders.ts";

/** The partitions with queued batches by leader; `leaderless` when some leader is not known. */
export function partitionsByLeader(
  partitions: Iterable<PartitionBatches>,
  leaders: PartitionLeaders,
): { readonly byNode: Map<number, PartitionBatches[]>; readonly leaderless: boolean } {
  const byNode = new Map<number, PartitionBatches[]>();
  let leaderless = false;
  for (const part of partitions) {
    if (part.queue.length === 0) continue;
    const leader = leaders.leader(part.topic, part.partition);
    if (leader < 0) {
      leaderless = true;
      continue;
    }
    const list = byNode.get(leader);
    if (list) list.push(part);
    else byNode.set(leader, [part]);
  }
  return { byNode, leaderless };
}

export interface RequestLimits {
  readonly maxRequestBytes: number;
  /** Bytes on the wire at once, at most (buffer.memory). */
  readonly maxWireBytes: number;
  /** Bytes on the wire now. */
  readonly wireBytes: number;
}

/**
 * The batches of the next request to one leader (empty when none is sendable), each marked sent
 * (`stamp` writes its sequence); `wake` is told when a batch waiting for its backoff becomes sendable.
 */
export function nextRequest(
  parts: readonly PartitionBatches[],
  now: number,
  limits: RequestLimits,
  wake: (at: number) => void,
  stamp: (b: Batch, sequence: number) => void,
): Batch[] {
  const batches: Batch[] = [];
  let bytes = 0;
  for (const part of parts) {
    const b = part.sendable(now, wake);
    if (!b) continue;
    const size = bytes + b.records.length;
    if (batches.length > 0 && size > limits.maxRequestBytes) continue;
    if (limits.wireBytes > 0 && limits.wireBytes + size > limits.maxWireBytes) continue;
    part.sent(b, (sequence) => stamp(b, sequence));
    batches.push(b);
    bytes += b.records.length;
  }
  return batches;
}
