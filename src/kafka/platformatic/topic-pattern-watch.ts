/**
 * A `topics.regex` subscription kept current (PlatformaticConsumer, after its first join): every
 * `metadata.max.age.ms` the pattern is matched against the cluster's topics again, as Java's
 * consumer does at each metadata refresh; when the matching topics changed, the consumer tracks the
 * new list and the member rejoins its group with it. A failed look-up is tried again at the next
 * interval; a failed rejoin ends the member (`crash`).
 */
import type { Consumer } from "@platformatic/kafka";
import type { ConnectionSettings, ConsumerSettings } from "../client-config.ts";
import { retriable } from "./errors.ts";
import { awaitTopics, matchingTopics } from "./group-entry.ts";

export interface TopicPatternWatch {
  readonly pattern: RegExp;
  readonly consumer: Consumer<Buffer, Buffer, Buffer, Buffer>;
  readonly connection: ConnectionSettings;
  readonly settings: ConsumerSettings;
  /** False once the consumer was closed or restarted: the watch ends. */
  readonly current: () => boolean;
  /** Rejoins the group with the topics now tracked. */
  readonly rejoin: () => Promise<unknown>;
  readonly crash: (error: unknown) => void;
}

/** Starts the watch; returns what cancels its next look-up. */
export function watchTopicPattern(w: TopicPatternWatch): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = () => {
    timer = setTimeout(async () => {
      if (!w.current()) return;
      try {
        const now = await matchingTopics(w.connection, w.pattern);
        if (!w.current()) return;
        const tracked = [...w.consumer.topics.current].sort();
        if (now.join("\u0000") !== tracked.join("\u0000")) {
          for (const t of tracked) if (!now.includes(t)) w.consumer.topics.untrack(t);
          await awaitTopics(w.consumer, now, w.settings.allowAutoTopicCreation);
          for (const t of now) if (!tracked.includes(t)) w.consumer.topics.track(t);
          if (!w.current()) return;
          await w.rejoin();
        }
      } catch (error) {
        if (!retriable(error)) return w.crash(error);
      }
      if (w.current()) schedule();
    }, w.settings.metadataMaxAgeMs);
  };
  schedule();
  return () => clearTimeout(timer);
}
