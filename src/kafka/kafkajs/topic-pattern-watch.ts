/**
 * The `topics.regex` re-matching of the kafkajs consumer: kafkajs matches a pattern once, when it
 * subscribes. Every `metadata.max.age.ms` (as Java's consumer at each metadata refresh) the
 * cluster's topics are matched again; a new match gives up what the member owns (revoked, while
 * still a member), stops kafkajs, subscribes again and rejoins. Called by KafkajsConsumer.
 */
import type { Consumer, ConsumerRunConfig, Kafka } from "kafkajs";
import { wrap } from "./errors.ts";
import { matchingTopics } from "./join-preparation.ts";

export interface PatternWatch {
  readonly pattern: RegExp;
  readonly kafka: Kafka;
  readonly consumer: Consumer;
  readonly run: ConsumerRunConfig;
  readonly groupId: string;
  readonly intervalMs: number;
  readonly fromBeginning: boolean;
  /** False once the member was closed or started again: the watch ends. */
  current(): boolean;
  /** Gives up what the member owns before it rejoins (awaited). */
  revokeOwned(): Promise<void>;
  /** A failed rejoin ends the member; the sink task restarts it (retriable) or fails. */
  crash(error: unknown): void;
}

/** Watches `w.pattern`, matched to `subscribed` now; returns what cancels the watch. */
export function watchTopicPattern(w: PatternWatch, subscribed: readonly string[]): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = (known: readonly string[]) => {
    if (!w.current()) return;
    timer = setTimeout(async () => {
      if (!w.current()) return;
      let now: string[];
      try {
        now = await matchingTopics(w.kafka, w.pattern);
      } catch {
        return schedule(known); // a failed look-up is tried again at the next interval
      }
      if (!w.current()) return;
      if (now.some((t) => !known.includes(t))) {
        try {
          await w.revokeOwned();
          await w.consumer.stop();
          if (!w.current()) return;
          await w.consumer.subscribe({ topics: [w.pattern], fromBeginning: w.fromBeginning });
          await w.consumer.run(w.run);
        } catch (error) {
          return w.crash(wrap(error, `The consumer of group ${w.groupId} could not rejoin`));
        }
      }
      schedule(now);
    }, w.intervalMs);
  };
  schedule(subscribed);
  return () => clearTimeout(timer);
}
