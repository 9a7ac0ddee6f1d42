/**
 * A subscription kept current (PlatformaticConsumer, after its first join): every
 * `metadata.max.age.ms` the topics it names (or a `topics.regex` matches) and their partition counts
 * are asked again, as Java's consumer does at each metadata refresh; when the member must rejoin
 * (subscription-change.ts: its topics changed, or, on the leader, a count differs from the one its
 * assignment used), the consumer tracks the new topics and the member rejoins its group, so a new
 * matching topic or partitions added to a subscribed topic get assigned. Each look's counts are also
 * passed to `counted` (the fetcher fetches again a partition it found gone once its topic has it
 * again). A failed look-up is tried again at the next interval; a failed rejoin ends the member (`crash`),
 * a retriable failure when its error is.
 */
import type { Consumer } from "@platformatic/kafka";
import type { ConnectionSettings, ConsumerSettings } from "../client-config.ts";
import { type PartitionCounts, rejoinNeeded, watchIntervalMs } from "../subscription-change.ts";
import { isUnknownTopic, kafkaNotReached, retriable } from "./errors.ts";
import { existingTopicsMetadata } from "./existing-topics.ts";
import { awaitTopics, matchingTopics } from "./group-entry.ts";

type LibraryConsumer = Consumer<Buffer, Buffer, Buffer, Buffer>;

export interface SubscriptionWatch {
  readonly topics: RegExp | readonly string[];
  readonly consumer: LibraryConsumer;
  readonly connection: ConnectionSettings;
  readonly settings: ConsumerSettings;
  /** The topics the first join subscribed with. */
  readonly joined: ReadonlySet<string>;
  /** The partition counts the member's assignment used when it led the group's last join, else undefined. */
  readonly assigned: () => PartitionCounts | undefined;
  /** Told of each look's partition counts. */
  readonly counted?: (now: PartitionCounts) => void;
  /** False once the consumer was closed or restarted: the watch ends. */
  readonly current: () => boolean;
  /** Rejoins the group with the topics now tracked. */
  readonly rejoin: () => Promise<unknown>;
  readonly crash: (error: unknown) => void;
  /** An unknown-topic error (a rejoin's) recovered from: true when the member rejoins without the topic. */
  readonly recover: (error: unknown) => Promise<boolean>;
}

/**
 * The partition count of each topic `topics` names or matches, asked of the cluster now. A named
 * topic the cluster does not have (deleted under the subscription) is left out, as a topic a regex
 * no longer matches: the member stops tracking it and rejoins (the library's leader cannot assign
 * while a member subscribes to a topic without metadata), and tracks it again once it is back.
 */
export async function partitionCounts(
  consumer: LibraryConsumer,
  connection: ConnectionSettings,
  topics: RegExp | readonly string[],
): Promise<PartitionCounts> {
  const names = topics instanceof RegExp ? await matchingTopics(connection, topics) : [...topics];
  if (names.length === 0) return new Map();
  // None of them known: the look-up fails (unknown topic), and is tried again at the next interval.
  const md = await existingTopicsMetadata(consumer, { topics: names, forceUpdate: true, autocreateTopics: false });
  return new Map(names.flatMap((t) => (md.topics.has(t) ? [[t, md.topics.get(t)!.partitionsCount] as const] : [])));
}

/** What the consumer holds of its watch. */
export interface SubscriptionWatcher {
  /** Cancels the next look-up. */
  stop(): void;
  /**
   * Looks now rather than at the next interval (a fetch found a topic gone, or a partition its
   * topic no longer has: on the leader, the rule of the counts rejoins); once more after a look
   * under way.
   */
  lookNow(): void;
}

/** Starts the watch. */
export function watchSubscription(w: SubscriptionWatch): SubscriptionWatcher {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let topics = w.joined;
  let looking = false;
  /** A `lookNow` that came while a look was under way: looked again once it ends. */
  let lookAgain = false;
  const look = async () => {
    if (!w.current() || looking) return;
    looking = true;
    lookAgain = false;
    let rejoining = false;
    try {
      const now = await partitionCounts(w.consumer, w.connection, w.topics);
      if (!w.current()) return;
      w.counted?.(now);
      if (rejoinNeeded({ topics, assigned: w.assigned() }, now)) {
        const names = [...now.keys()];
        const tracked = [...w.consumer.topics.current];
        const dropped = tracked.filter((t) => !names.includes(t));
        // Untracked during the wait: the library's fetches ask the metadata of every tracked topic, and fail on a
        // deleted one.
        for (const t of dropped) w.consumer.topics.untrack(t);
        // Kafka briefly not reached is waited out here, as a new topic not there yet. Given up on Kafka not reached,
        // the rejoin waits for the next look (metadata.max.age.ms), the topics tracked as before this one (one only
        // unknown for a moment is not left out of the member's next join meanwhile). Given up otherwise (the topics
        // still not there, the member fails below), the look's finding stands: a deleted topic tracked again would
        // fail the fetches until they untracked it again.
        try {
          await awaitTopics(w.consumer, names, { allowAutoTopicCreation: w.settings.allowAutoTopicCreation });
        } catch (error) {
          if (kafkaNotReached(error))
            for (const t of dropped) if (!w.consumer.topics.current.includes(t)) w.consumer.topics.track(t);
          throw error;
        }
        for (const t of names) if (!tracked.includes(t)) w.consumer.topics.track(t);
        if (!w.current()) return;
        rejoining = true;
        await w.rejoin();
        topics = new Set(now.keys());
      } else {
        // A topic a fetch found unknown for a moment (metadata not on every broker yet) is tracked
        // again, unless one was found gone since this look asked (looked at again at once).
        if (!lookAgain)
          for (const t of now.keys()) if (!w.consumer.topics.current.includes(t)) w.consumer.topics.track(t);
      }
    } catch (error) {
      // A rejoin that failed, retriable or not (a group coordinator still not ready after
      // max.poll.interval.ms, its connection lost past the library's retries), fails the member:
      // the library's failed join left it out of its group (its heartbeat stopped, its partitions
      // revoked), and the next look would see no change to rejoin for (a leader's counts are
      // forgotten with its assignment). A retriable failure: the sink task starts a new consumer.
      // One on a topic deleted since is recovered first (unknown-topic-recovery.ts) when it can be.
      // Or every topic deleted, or a matched one deleted before its metadata was asked: looked at
      // again next interval.
      if (isUnknownTopic(error)) {
        if (!(await w.recover(error)) && rejoining) return w.crash(error);
      } else if (rejoining || !retriable(error)) return w.crash(error);
    } finally {
      looking = false;
    }
    if (lookAgain && w.current()) return void look();
    schedule();
  };
  const schedule = () => {
    clearTimeout(timer);
    if (w.current()) timer = setTimeout(look, watchIntervalMs(w.settings.metadataMaxAgeMs));
  };
  schedule();
  return {
    stop: () => clearTimeout(timer),
    lookNow: () => {
      if (!w.current()) return;
      if (looking) {
        lookAgain = true;
        return;
      }
      clearTimeout(timer);
      void look();
    },
  };
}
