/**
 * Produce requests: how ProducePipeline groups ready batches into requests, as Java's
 * RecordAccumulator.drain does. Partitions are grouped by their leader; a request to a leader
 * takes at most one sendable batch per partition, within max.request.size (one larger batch goes
 * alone) and the bytes still free on the wire (buffer.memory; a request goes alone when nothing
 * else is on the wire). The request's size counts what frames the batches too (produce-frame.ts),
 * bounded from above: the request header, each topic's name and array, each partition's fields.
 */
import type { Batch, PartitionBatches } from "./partition-batches.ts";
import type { PartitionLeaders } from "./partition-leaders.ts";

/** Some batch of `part` is not on the wire: its leader is needed (those on the wire settle on their answers). */
export function unsent(part: PartitionBatches): boolean {
  return part.queue.some((b) => b.state !== "inflight");
}

/** The partitions with batches not on the wire by leader; `leaderless` when some leader is not known. */
export function partitionsByLeader(
  partitions: Iterable<PartitionBatches>,
  leaders: PartitionLeaders,
): { readonly byNode: Map<number, PartitionBatches[]>; readonly leaderless: boolean } {
  const byNode = new Map<number, PartitionBatches[]>();
  let leaderless = false;
  for (const part of partitions) {
    if (!unsent(part)) continue;
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

/**
 * Bytes of a Produce request (v9) besides its topics: size, request header v2 (api key, version,
 * correlation id, client id, tags), transactional id, acks, timeout, topic array length, tags: 28
 * bytes with an empty client id; the rest is room for a client id of up to 100 bytes.
 */
export const REQUEST_OVERHEAD_BYTES = 128;
/** Besides its name: the name's length, the partition array's length and tags (at most 11 bytes). */
export const TOPIC_OVERHEAD_BYTES = 16;
/** Besides its records: index int32, records' length (a varint of at most 5 bytes), tags (10 bytes). */
export const PARTITION_OVERHEAD_BYTES = 16;

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
 * `heldByWireBudget`: a sendable batch was left out only because the bytes on the wire (buffer.memory) would pass
 * `maxWireBytes`: that budget is shared by every broker, so the leader still takes requests (Java's client.ready
 * ignores buffer.memory: there send() blocks instead).
 */
export function nextRequest(
  parts: readonly PartitionBatches[],
  now: number,
  limits: RequestLimits,
  wake: (at: number) => void,
  stamp: (b: Batch, sequence: number) => void,
): { readonly batches: Batch[]; readonly heldByWireBudget: boolean } {
  const batches: Batch[] = [];
  let heldByWireBudget = false;
  const topics = new Set<string>();
  // The request as framed (an upper bound) and, apart, its record bytes (what the wire counts).
  let requestBytes = REQUEST_OVERHEAD_BYTES;
  let bytes = 0;
  for (const part of parts) {
    const b = part.sendable(now, wake);
    if (!b) continue;
    const framing =
      PARTITION_OVERHEAD_BYTES + (topics.has(part.topic) ? 0 : TOPIC_OVERHEAD_BYTES + Buffer.byteLength(part.topic));
    const size = bytes + b.records.length;
    if (batches.length > 0 && requestBytes + framing + b.records.length > limits.maxRequestBytes) continue;
    if (limits.wireBytes > 0 && limits.wireBytes + size > limits.maxWireBytes) {
      heldByWireBudget = true;
      continue;
    }
    part.sent(b, (sequence) => stamp(b, sequence));
    batches.push(b);
    topics.add(part.topic);
    requestBytes += framing + b.records.length;
    bytes = size;
  }
  return { batches, heldByWireBudget };
}
