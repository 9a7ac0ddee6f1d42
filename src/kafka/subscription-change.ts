/**
 * When a consumer's subscription changed as a metadata refresh sees it (both adapters' subscription
 * watches, every `metadata.max.age.ms`): Java's ConsumerCoordinator rejoins the group when the
 * topics its subscription matches, or the partition count of one of them, differ from what the last
 * join saw ("Requesting to re-join the group … metadata has changed"), so partitions added to a
 * subscribed topic get assigned without a restart.
 */

/** The partition count of each topic a subscription matches (a topic without metadata counts 0). */
export type PartitionCounts = ReadonlyMap<string, number>;

/** True when `now` has other topics than `known`, or another partition count for one of them. */
export function subscriptionChanged(known: PartitionCounts, now: PartitionCounts): boolean {
  if (known.size !== now.size) return true;
  for (const [topic, partitions] of now) if (known.get(topic) !== partitions) return true;
  return false;
}

/** The longest delay setTimeout honours (a signed 32-bit count of ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * How often a subscription watch asks: every `metadata.max.age.ms`, but no more often than every
 * 100 ms (the default `retry.backoff.ms`, by which Java's consumer spaces metadata requests), so a
 * `metadata.max.age.ms` of 0 is no busy loop of look-ups; and no less often than every 2^31-1 ms, the
 * longest wait a timer takes (a larger one, e.g. Long.MAX to turn refreshes off, would fire at once).
 */
export function watchIntervalMs(metadataMaxAgeMs: number): number {
  return Math.min(Math.max(metadataMaxAgeMs, 100), MAX_TIMER_MS);
}
