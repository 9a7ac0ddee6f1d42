/**
 * When a consumer's subscription changed as a metadata refresh sees it (both adapters' subscription
 * watches, every `metadata.max.age.ms`), as Java's ConsumerCoordinator decides it
 * (`rejoinNeededOrPending`): every member rejoins when the topics its subscription matches differ
 * from those it joined with; only the group's leader rejoins for a partition count, when the
 * metadata now differs from the snapshot its assignment was computed from (`assignmentSnapshot`),
 * over every topic of that snapshot, the other members' included.
 * So partitions added to a subscribed topic get assigned without a restart, one rebalance per change
 * whatever the number of members, and a leader whose assignment used a stale view (metadata reaches
 * brokers one after another) rejoins at the next look-up rather than never.
 */

/** The partition count of each topic a subscription matches (a topic without metadata counts 0). */
export type PartitionCounts = ReadonlyMap<string, number>;

/** What the member's last join covered. */
export interface JoinedSubscription {
  /** The topics the member subscribed with (a `topics.regex` matched then). */
  readonly topics: ReadonlySet<string>;
  /**
   * On the group's leader, the partition count of each topic its assignment used (a topic it
   * assigned without metadata counts 0); undefined on another member, or while a join is under way.
   */
  readonly assigned: PartitionCounts | undefined;
}

/**
 * The topics of the leader's assignment snapshot that its own subscription did not join with: the
 * other members' topics, whose counts its watch asks too, as Java's leader keeps the metadata of the
 * whole group's subscription (`groupSubscription`). None on another member.
 */
export function othersAssigned(joined: JoinedSubscription): string[] {
  return joined.assigned ? [...joined.assigned.keys()].filter((t) => !joined.topics.has(t)) : [];
}

/**
 * True when the member must rejoin: its topics are not those of `now`, or (leader) a count of its
 * assignment snapshot differs from `now` or, for the others' topics (`othersAssigned`), from
 * `others` (a topic without metadata counts 0). `others` undefined: the others' topics could not be
 * asked this time, and only the member's own are compared.
 */
export function rejoinNeeded(joined: JoinedSubscription, now: PartitionCounts, others?: PartitionCounts): boolean {
  if (joined.topics.size !== now.size) return true;
  for (const topic of now.keys()) if (!joined.topics.has(topic)) return true;
  const assigned = joined.assigned;
  if (!assigned) return false;
  for (const [topic, partitions] of now) if ((assigned.get(topic) ?? 0) !== partitions) return true;
  if (!others) return false;
  for (const topic of othersAssigned(joined)) if (assigned.get(topic) !== (others.get(topic) ?? 0)) return true;
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
