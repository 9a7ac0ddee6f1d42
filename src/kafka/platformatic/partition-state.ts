/**
 * What the PartitionFetcher knows of one assigned partition: its fetch position, whether it is
 * paused, fetching or with the handler, and the batch fetched for it that waits for the handler.
 * Shared by the fetcher (partition-fetcher.ts), the position look-ups (partition-positions.ts) and
 * the fetch rounds (fetch-round.ts).
 */
import { partitionMapKey as keyOf, type TopicPartition, type TopicPartitionOffset } from "../../api/record.ts";
import type { ConsumedRecord } from "../kafka-port.ts";

export interface PartitionState {
  readonly tp: TopicPartition;
  /** Next offset to fetch; null until resolved (committed offset or reset policy). */
  position: bigint | null;
  /**
   * Resolve by the reset policy, not the committed offset (the position fell out of the log, or the group has none
   * for it: not asked again while its reset waits for a leader).
   */
  reset: boolean;
  /** Bumped by a seek: what was fetched or resolved for an older value is dropped. */
  epoch: number;
  paused: boolean;
  fetching: boolean;
  resolving: boolean;
  /** A batch is with the handler. */
  busy: boolean;
  /** Fetched, waiting for the handler (busy, paused or the concurrency bound). */
  buffered: ConsumedRecord[] | null;
  /**
   * Its first batch was held back in the last answer (its decompressed-size bound spent by the
   * batches before it): fetched next on its own, so that batch comes first and is read.
   */
  heldBack: boolean;
  /**
   * Its fetched data failed (an invalid batch: Java's KafkaException): raised at its turn while the
   * partition is not paused (Java's fetch buffer keeps a paused partition's completed fetch until it
   * is resumed); a seek drops it (fetched again from there).
   */
  failed: unknown;
  /**
   * Its topic's metadata, refreshed, lacks it (the topic re-created with fewer partitions): the
   * fetcher neither looks its position up nor fetches it until a later metadata look has it again
   * (`PartitionFetcher.partitionsBack`) or a rebalance takes it away.
   */
  gone: boolean;
}

export function newPartitionState(tp: TopicPartition, position: bigint | null, paused: boolean): PartitionState {
  return {
    tp: { topic: tp.topic, partition: tp.partition },
    position,
    reset: false,
    epoch: 0,
    paused,
    fetching: false,
    resolving: false,
    busy: false,
    buffered: null,
    heldBack: false,
    failed: undefined,
    gone: false,
  };
}

export { partitionMapKey as keyOf } from "../../api/record.ts";

/**
 * What failed in the fetched data, raised (`failing`) once what was ready before it went to the
 * handler: a failure of a Fetch itself, or a partition's (`failed`; unless the partition is paused).
 */
export class FetchFailures {
  private fetch: { readonly error: unknown } | undefined;
  private readonly parts = new Set<PartitionState>();

  /** An answer to `requested` taken: the partitions it failed still current (in `states`); the Fetch's `error`. */
  answered(requested: readonly { s: PartitionState }[], states: ReadonlyMap<string, PartitionState>, error: unknown) {
    for (const { s } of requested) if (s.failed !== undefined && states.get(keyOf(s.tp)) === s) this.parts.add(s);
    if (error !== undefined) this.fetch ??= { error };
  }

  /** Revoked, or sought elsewhere (fetched again from there). */
  forget(s: PartitionState): void {
    s.failed = undefined;
    this.parts.delete(s);
  }

  /** The failure to raise at its turn, if any (nothing more is fetched meanwhile). */
  failing(): { readonly error: unknown } | undefined {
    if (this.fetch || this.parts.size === 0) return this.fetch;
    for (const s of this.parts) if (!s.paused) return { error: s.failed };
    return undefined;
  }
}

/** The partitions of `list` by topic, as the library's offset requests take them. */
export function groupByTopic(list: readonly PartitionState[]): { topic: string; partitions: number[] }[] {
  const out = new Map<string, number[]>();
  for (const s of list) {
    const ps = out.get(s.tp.topic);
    if (ps) ps.push(s.tp.partition);
    else out.set(s.tp.topic, [s.tp.partition]);
  }
  return [...out].map(([topic, partitions]) => ({ topic, partitions }));
}

/** Offsets as the library's commit takes them. */
export function commitEntries(offsets: readonly TopicPartitionOffset[]) {
  return offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: BigInt(o.offset), leaderEpoch: -1 }));
}
