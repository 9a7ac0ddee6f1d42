/**
 * A subscribed topic deleted while the group has several members (PlatformaticConsumer; review-partfix2
 * P1). Only the member that owns one of its partitions learns of it from its fetch round
 * (PartitionFetcher's `gone`). Every other member keeps tracking the topic until its own watch looks
 * (`metadata.max.age.ms`). Meanwhile the library fails three of its calls with a non-retriable
 * "Unknown topic" error: that member's fetch (it asks the metadata of every tracked topic), its
 * JoinGroup (the subscription's metadata, asked for every tracked topic), and the leader's SyncGroup
 * (asked for every member's topics, so a follower's stale subscription fails the leader). Java's
 * consumer goes on with the topics its metadata has. Here such an error is recovered from instead of
 * failing the task:
 * - the member asks at once which of its tracked topics the cluster still has, stops tracking the
 *   missing ones and has its watch look now, so it rejoins without them;
 * - when none of its own is missing after a JoinGroup or SyncGroup (a leader failing on a follower's
 *   stale subscription; the library names the topic by its index in the request, not always the one
 *   missing), it rejoins, at most `BLIND_REJOINS` times in a row without a join completing in
 *   between: the followers drop the topic at their own failed JoinGroup. A fetch or a heartbeat asks
 *   only the member's own topics, so it never rejoins then (`rejoinBlind` false): a fetch's error
 *   stands, a heartbeat is sent again. Past the bound, or when the look-up itself fails, the error
 *   stands.
 */
import type { Consumer } from "@platformatic/kafka";
import { isUnknownTopic } from "./errors.ts";
import { existingTopicsMetadata } from "./existing-topics.ts";

type LibraryConsumer = Consumer<Buffer, Buffer, Buffer, Buffer>;

/** Rejoins without a missing topic of its own before an unknown-topic error stands. */
export const BLIND_REJOINS = 3;

export interface UnknownTopicRecoveryOptions {
  readonly consumer: LibraryConsumer;
  /** Untracks topics the cluster no longer has and makes the member rejoin without them. */
  readonly untrack: (topics: readonly string[]) => void;
  /** Rejoins the group with the topics tracked now. */
  readonly rejoin: () => void;
}

export interface UnknownTopicRecovery {
  /**
   * True when `error` is an unknown topic the member recovers from (it rejoins); false: it stands.
   * `rejoinBlind` false: only a missing topic of its own makes it rejoin (a heartbeat's or a fetch's error).
   */
  recover(error: unknown, rejoinBlind?: boolean): Promise<boolean>;
  /** A join completed: the rejoins without a missing topic are counted from 0 again. */
  joined(): void;
}

export function unknownTopicRecovery(o: UnknownTopicRecoveryOptions): UnknownTopicRecovery {
  let blind = 0;
  const recover = async (error: unknown, rejoinBlind: boolean): Promise<boolean> => {
    if (!isUnknownTopic(error)) return false;
    const tracked = [...o.consumer.topics.current];
    if (tracked.length === 0) return false;
    let existing: ReadonlySet<string>;
    try {
      const md = await existingTopicsMetadata(o.consumer, {
        topics: tracked,
        forceUpdate: true,
        autocreateTopics: false,
      });
      existing = new Set(md.topics.keys());
    } catch {
      return false; // none of its topics left, or the cluster not answering: the error stands
    }
    const missing = tracked.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      o.untrack(missing);
      return true;
    }
    if (!rejoinBlind || blind >= BLIND_REJOINS) return false;
    blind++;
    o.rejoin();
    return true;
  };
  return {
    recover: (error, rejoinBlind = true) => recover(error, rejoinBlind),
    joined() {
      blind = 0;
    },
  };
}
