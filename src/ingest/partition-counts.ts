/**
 * Partition counts of topics, for REST Proxy requests that name a partition: looked up through
 * the worker's admin client and cached briefly, so a request naming a partition that does not
 * exist gets 404 (40402) before anything is written instead of failing in the producer. The
 * cache's age is measured on the monotonic clock: a step of the host's clock neither keeps a count
 * past its age nor drops it early.
 */
import type { KafkaAdmin } from "../kafka/kafka-port.ts";
import { type Clock, monotonicNow } from "../util/clock.ts";

const TTL_MS = 30_000;

export function partitionCounts(
  admin: () => Promise<KafkaAdmin>,
  clock: Clock,
): (topic: string) => Promise<number | null> {
  const cache = new Map<string, { count: number | null; at: number }>();
  return async (topic) => {
    const hit = cache.get(topic);
    if (hit && monotonicNow(clock) - hit.at < TTL_MS) return hit.count;
    let count: number | null = null;
    try {
      const [description] = await (await admin()).describeTopics([topic]);
      count = description ? description.partitions : null;
    } catch {
      count = null;
    }
    cache.set(topic, { count, at: monotonicNow(clock) });
    return count;
  };
}
