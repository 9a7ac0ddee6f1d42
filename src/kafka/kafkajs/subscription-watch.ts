/**
 * The kafkajs consumer's subscription kept current: kafkajs matches a `topics.regex` once, when it
 * subscribes, and assigns from the partitions it knew at that join. Every `metadata.max.age.ms` (as
 * Java's consumer at each metadata refresh) the topics subscribed (or matched again) and their
 * partition counts are asked (`ask`, an admin client's look-up), on the leader with those of the
 * other members' topics it assigned; when the member must rejoin (subscription-change.ts: its topics
 * changed, or, on the leader, a count differs from the one its assignment used) it gives up what it
 * owns (revoked, while still a member), stops kafkajs, subscribes again and rejoins as the same
 * member (a dependency patch: no LeaveGroup, so the group rebalances once, as for Java's rejoin), so a
 * new matching topic or partitions added to a topic of the group get assigned. A listed topic that no
 * longer exists (auto-creation off, or on and refused by the brokers) cannot be unsubscribed in
 * kafkajs: the member gives up what it owns and ends with a retriable error, and the task starts a
 * consumer without it; a listed topic created again is subscribed at the next look-up. Called by
 * KafkajsConsumer.
 */
import type { Consumer, ConsumerRunConfig, Kafka } from "kafkajs";
import { RetriableError } from "../../errors.ts";
import { othersAssigned, type PartitionCounts, rejoinNeeded, watchIntervalMs } from "../subscription-change.ts";
import { protocolErrorType, topicNotReady, wrap } from "./errors.ts";
import { createCluster } from "./protocol.ts";

export interface SubscriptionWatch {
  readonly topics: RegExp | readonly string[];
  /**
   * The partition count of each topic `topics` names (a missing one counts 0, or is left out with
   * auto-creation off: `existingOnly`) or matches, now.
   */
  ask(topics: RegExp | readonly string[]): Promise<PartitionCounts>;
  /** The partition counts the member's assignment used when it led the group's last join, else undefined. */
  assigned(): PartitionCounts | undefined;
  readonly consumer: Pick<Consumer, "subscribe" | "run">;
  /**
   * Stops kafkajs keeping the member in its group (no LeaveGroup: scripts/patch-dependencies.mjs), so
   * its next run joins as that member; closed before then, the member leaves.
   */
  stopToRejoin(): Promise<void>;
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

/** The partition count of each topic `topics` names or matches, asked of the cluster now. */
export async function partitionCounts(kafka: Kafka, topics: RegExp | readonly string[]): Promise<PartitionCounts> {
  const admin = kafka.admin();
  try {
    await admin.connect(); // inside the try: a connect failing part way still disconnects
    const names =
      topics instanceof RegExp ? (await admin.listTopics()).filter((t) => topics.test(t)).sort() : [...topics];
    if (names.length === 0) return new Map();
    let md: Awaited<ReturnType<typeof admin.fetchTopicMetadata>>;
    try {
      md = await admin.fetchTopicMetadata({ topics: names });
    } catch (error) {
      // kafkajs fails the whole look-up on one topic the brokers do not have (deleted): the others are asked alone.
      if (protocolErrorType(error) !== "UNKNOWN_TOPIC_OR_PARTITION") throw error;
      const existing = new Set(await admin.listTopics());
      const asked = names.filter((t) => existing.has(t));
      md = asked.length === 0 ? { topics: [] } : await admin.fetchTopicMetadata({ topics: asked });
    }
    const counts = new Map(md.topics.map((t) => [t.name, t.partitions.length]));
    return new Map(names.map((t) => [t, counts.get(t) ?? 0]));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Those of `counts` that exist. With a list of topics the member subscribes only to these, as Java's
 * consumer assigns only topics its metadata has: kafkajs fails the whole consumer on a subscribed
 * topic the brokers do not know (explore13 F2). With `allow.auto.create.topics=true` a missing one
 * is asked for first (`askCreation`; at start waited for a few seconds too), and joins the
 * subscription at the look-up that finds it.
 */
export function existingOnly(counts: PartitionCounts): PartitionCounts {
  return new Map([...counts].filter(([, partitions]) => partitions > 0));
}

/**
 * Asks the brokers to create `topics` (missing listed topics, `allow.auto.create.topics=true`), as
 * Java's consumer's metadata request asks for the subscribed topics it lacks; brokers that do not
 * create topics ignore it. Not awaited beyond the request: a topic created shows at the next look-up.
 */
export async function askCreation(kafka: Kafka, topics: readonly string[]): Promise<void> {
  if (topics.length === 0) return;
  const cluster = createCluster(kafka, { allowAutoTopicCreation: true });
  try {
    await cluster.connect(); // inside the try: a connect failing part way still disconnects
    await cluster.metadata({ topics: [...topics] });
  } catch (error) {
    // The answer for a topic asked for (being created, or not created): kafkajs throws it.
    if (!topicNotReady(error)) throw error;
  } finally {
    await cluster.disconnect();
  }
}

/** The listed topics `counts` has no partitions of: missing. */
export function missingOf(counts: PartitionCounts): string[] {
  return [...counts].filter(([, partitions]) => partitions === 0).map(([topic]) => topic);
}

/** Watches `w.topics`, `joined` (asked before the first join) the topics it joins with; returns what cancels the watch. */
export function watchSubscription(w: SubscriptionWatch, joined: ReadonlySet<string>): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = (topics: ReadonlySet<string>) => {
    if (!w.current()) return;
    timer = setTimeout(async () => {
      if (!w.current()) return;
      const joined = { topics, assigned: w.assigned() };
      let now: PartitionCounts;
      try {
        now = await w.ask(w.topics);
      } catch {
        return schedule(topics); // a failed look-up is tried again at the next interval
      }
      // The leader's other members' topics: one it cannot ask (deleted, say) leaves them uncompared
      // this time, not its own topics.
      const othersTopics = othersAssigned(joined);
      const others = othersTopics.length === 0 ? new Map() : await w.ask(othersTopics).catch(() => undefined);
      if (!w.current()) return;
      if (!rejoinNeeded(joined, now, others)) return schedule(topics);
      // kafkajs keeps a topic once subscribed: one of a list that is gone (`ask` leaves out missing
      // ones with auto-creation off, and those the brokers refuse to create with it on) is left out
      // by a start of a new consumer (the task's).
      const gone = w.topics instanceof RegExp ? [] : [...topics].filter((t) => !now.has(t));
      if (gone.length > 0) {
        await w.revokeOwned();
        if (!w.current()) return;
        return w.crash(
          new RetriableError(
            `Topics ${gone.join(", ")} of the consumer of group ${w.groupId} no longer exist: it starts again without them`,
          ),
        );
      }
      try {
        await w.revokeOwned();
        await w.stopToRejoin();
        if (!w.current()) return;
        const subscription = w.topics instanceof RegExp ? [w.topics] : [...now.keys()];
        await w.consumer.subscribe({ topics: subscription, fromBeginning: w.fromBeginning });
        await w.consumer.run(w.run); // resolves once joined: `assigned` is this join's by then
      } catch (error) {
        return w.crash(wrap(error, `The consumer of group ${w.groupId} could not rejoin`));
      }
      schedule(new Set(now.keys()));
    }, watchIntervalMs(w.intervalMs));
  };
  schedule(joined);
  return () => clearTimeout(timer);
}
