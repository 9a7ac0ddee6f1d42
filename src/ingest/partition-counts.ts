/**
 * Partition counts of topics, for REST Proxy requests that name a partition: looked up through
 * the worker's admin client and cached briefly, so a request naming a partition that does not
 * exist gets 404 (40402) before anything is written instead of failing in the producer. A topic
 * that does not exist counts 0. When Kafka cannot be asked (unreachable: the spool's very case),
 * the last count known stands (a topic's partitions only grow), and with none the count is unknown
 * (null: the request is refused with 503, never a 404 a device would take as final). A
 * failed lookup is tried again after a few seconds, not on every request. The cache's age is
 * measured on the monotonic clock: a step of the host's clock neither keeps a count past its age
 * nor drops it early.
 */
import type { KafkaAdmin } from "../kafka/kafka-port.ts";
import { type Clock, monotonicNow } from "../util/clock.ts";

const TTL_MS = 30_000;
/** How long a failed lookup stands before the next request asks Kafka again. */
const FAILED_TTL_MS = 5_000;

export function partitionCounts(
  admin: () => Promise<KafkaAdmin>,
  clock: Clock,
): (topic: string) => Promise<number | null> {
  const cache = new Map<string, { count: number | null; at: number; ttl: number }>();
  return async (topic) => {
    const hit = cache.get(topic);
    if (hit && monotonicNow(clock) - hit.at < hit.ttl) return hit.count;
    let entry: { count: number | null; ttl: number };
    try {
      const [description] = await (await admin()).describeTopics([topic]);
      entry = { count: description ? description.partitions : 0, ttl: TTL_MS };
    } catch {
      entry = { count: hit?.count ?? null, ttl: FAILED_TTL_MS };
    }
    cache.set(topic, { ...entry, at: monotonicNow(clock) });
    return entry.count;
  };
}
