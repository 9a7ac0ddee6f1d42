/**
 * A subscription kept current (PlatformaticConsumer, after its first join): every
 * `metadata.max.age.ms` the topics it names (or a `topics.regex` matches) and their partition counts
 * are asked again, as Java's consumer does at each metadata refresh; when the member must rejoin
 * (subscription-change.ts: its topics changed, or, on the leader, a count differs from the one its
 * assignment used), the consumer tracks the new topics and the member rejoins its group, so a new
 * matching topic or partitions added to a subscribed topic get assigned. A failed
 * look-up is tried again at the next interval; a failed rejoin ends the member (`crash`).
 */
import type { Consumer } from "@platformatic/kafka";
import type { ConnectionSettings, ConsumerSettings } from "../client-config.ts";
import { type PartitionCounts, rejoinNeeded, watchIntervalMs } from "../subscription-change.ts";
import { isUnknownTopic, retriable } from "./errors.ts";
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
  /** False once the consumer was closed or restarted: the watch ends. */
  readonly current: () => boolean;
  /** Rejoins the group with the topics now tracked. */
  readonly rejoin: () => Promise<unknown>;
  readonly crash: (error: unknown) => void;
}

/** The partition count of each topic `topics` names or matches, asked of the cluster now. */
export async function partitionCounts(
  consumer: LibraryConsumer,
  connection: ConnectionSettings,
  topics: RegExp | readonly string[],
): Promise<PartitionCounts> {
  const names = topics instanceof RegExp ? await matchingTopics(connection, topics) : [...topics];
  if (names.length === 0) return new Map();
  const md = await consumer.metadata({ topics: names, forceUpdate: true, autocreateTopics: false });
  return new Map(names.map((t) => [t, md.topics.get(t)?.partitionsCount ?? 0]));
}

/** Starts the watch; returns what cancels its next look-up. */
export function watchSubscription(w: SubscriptionWatch): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let topics = w.joined;
  const schedule = () => {
    timer = setTimeout(async () => {
      if (!w.current()) return;
      try {
        const now = await partitionCounts(w.consumer, w.connection, w.topics);
        if (!w.current()) return;
        if (rejoinNeeded({ topics, assigned: w.assigned() }, now)) {
          const names = [...now.keys()];
          const tracked = [...w.consumer.topics.current];
          for (const t of tracked) if (!names.includes(t)) w.consumer.topics.untrack(t);
          await awaitTopics(w.consumer, names, w.settings.allowAutoTopicCreation);
          for (const t of names) if (!tracked.includes(t)) w.consumer.topics.track(t);
          if (!w.current()) return;
          await w.rejoin();
          topics = new Set(now.keys());
        }
      } catch (error) {
        // A matched topic deleted before its metadata was asked: looked at again next interval.
        if (!retriable(error) && !isUnknownTopic(error)) return w.crash(error);
      }
      if (w.current()) schedule();
    }, watchIntervalMs(w.settings.metadataMaxAgeMs));
  };
  schedule();
  return () => clearTimeout(timer);
}
