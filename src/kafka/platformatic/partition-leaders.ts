/**
 * PartitionLeaders: what the producer pipeline (ProducePipeline) knows of the cluster: each topic's
 * partition count and the leader of each partition, from metadata through the ProduceTransport.
 * Marked stale by errors that say leadership moved (a partition answered NOT_LEADER_OR_FOLLOWER, …) or a request to a
 * broker that failed as a whole (a lost connection, a timed-out request); each mark says which partition or broker it
 * is about (`markStale`, `marked`); an ask made with a broker marked asks every known topic that broker leads
 * (`markedTopics`), as its answer clears the mark. The pipeline refreshes it before it sends again, not sooner than a
 * backoff after the last refresh's answer (meanwhile it sends to the leaders known): retry.backoff.ms, doubling up to
 * retry.backoff.max.ms with ±20 % jitter while refreshes fail or, asked again because of an error, change no leader (a
 * broker the gateway cannot reach that the cluster still lists as leader), as Java's Metadata.timeToAllowUpdate
 * (KIP-580); and a topic's once it is older than metadata.max.age.ms (`expired`), as Java's producer does: partitions
 * added to a topic are then used by the partitioner. That one is asked in the background (`renew`): sends go on to the
 * leaders known meanwhile, as Java's, unless it refuses the topic for good (authorization).
 * A topic not sent to for metadata.max.idle.ms is forgotten (`sweep`), as Java's ProducerMetadata (KIP-526): a lost
 * connection's ask or one made with a broker marked (asked allowing auto-creation) would otherwise ask forever a topic
 * an operator deleted since, and re-create it; its next send asks for it again, in the foreground, as for a new topic.
 */
import { missingTopicText, withMissingTopics } from "../missing-topic.ts";
import { isUnknownTopic, refusedTopics, retriable } from "./errors.ts";
import type { ProduceTransport } from "./produce-transport.ts";

/** Metadata look-ups for a topic without partitions yet before a send fails (with retry.backoff.ms between). */
const METADATA_ATTEMPTS = 30;

/** What a stale mark is about: a broker whose request failed as a whole, or a partition whose leader moved. */
export type StaleMark = { readonly node: number } | { readonly topic: string; readonly partition: number };

export class PartitionLeaders {
  private readonly leaders = new Map<string, readonly number[]>();
  /**
   * When each topic's metadata is to be asked again (`now`): metadata.max.age.ms after it was fetched, the refresh
   * backoff while a partition of it has no leader (`backOff`).
   */
  private readonly refreshAt = new Map<string, number>();
  /** Brokers a request to failed as a whole (`markStale`), each with the number of its latest mark (`marks`). */
  private readonly markedNodes = new Map<number, number>();
  /** Partitions (topic, then partition) answered that their leader moved, each with its latest mark's number. */
  private readonly markedPartitions = new Map<string, Map<number, number>>();
  /**
   * Marks set so far, numbering them: an ask clears the marks set before it began, not those set while it was awaited
   * (a leader that moved meanwhile is asked at the next turn), as Java's Metadata.requestVersion.
   */
  private marks = 0;
  /** `marks` when the last refresh was asked: `refused`, its failure's follow-up, clears only the marks set before. */
  private refreshAskedAtMark = 0;
  /**
   * Refreshes in a row that failed, or were asked again because of an error and changed no leader of the topics they
   * asked. A simplification of Java's Metadata, which keeps two counters and backs off on the larger: failed updates
   * (attempts, reset by any successful update) and answers that changed nothing (equivalent responses, reset when a
   * partition's leader epoch changes, and by the periodic refresh once metadata expired). Here one counter, reset by
   * an answer that changes a leader (the transport gives no leader epochs); an answer to an ask due only to a topic's
   * age leaves it as it is: routine renewals neither grow the waits nor start a leaderless topic's again.
   */
  private attempts = 0;
  /**
   * Topics due to be asked again because of an error (a lost connection, a partition without a leader, a failed ask),
   * not only for their age: their next answer that changes nothing counts as an attempt.
   */
  private readonly retrying = new Set<string>();
  /** Topics a background refresh (`renew`) asks for, not answered yet. */
  private readonly renewing = new Set<string>();
  /** When the pipeline may ask for leaders again (`refresh`). */
  private refreshAllowedAt = Number.NEGATIVE_INFINITY;
  /** When each known topic was last sent to (a pipeline turn with a batch of it to send: `sending`), or learnt. */
  private readonly sentAt = new Map<string, number>();
  /** Topics a send names while it waits to be admitted (`hold`), each with the number of such sends. */
  private readonly held = new Map<string, number>();
  /**
   * Topics an ask under way asks for (foreground or background, `fetch`), each with the number of such asks: not
   * forgotten as idle meanwhile (`forgotIdle`).
   */
  private readonly asking = new Map<string, number>();
  /** When the next sweep for idle topics is due (`sweep`). */
  private sweepAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly transport: ProduceTransport,
    private readonly retryBackoffMs: number,
    private readonly error: (message: string) => Error,
    private readonly maxAgeMs: number,
    private readonly now: () => number,
    /**
     * retry.backoff.ms · 2^n, at most retry.backoff.max.ms, ±20 % jitter: Java's ExponentialBackoff.backoff(n)
     * (KIP-580).
     */
    private readonly backoff: (n: number) => number,
    /**
     * A metadata ask answered: with leaders, or refusing a topic (unknown, not authorized): any ask, foreground or in
     * the background (`renew`, `count`, `refused`'s), not one that failed retriably.
     */
    private readonly answered: () => void = () => {},
    /**
     * metadata.max.idle.ms, and whether a topic has a batch waiting or on the wire (the pipeline's queues): such a
     * topic is never forgotten as idle.
     */
    private readonly idleness: IdleTopics = { maxIdleMs: 300_000, inUse: () => false },
  ) {}

  /** Leadership may have moved (an error said so, or a connection was lost): some mark is set, refresh before sending. */
  get stale(): boolean {
    return this.markedNodes.size > 0 || this.markedPartitions.size > 0;
  }

  /**
   * Leadership may have moved: broker `node`'s request failed as a whole (a lost connection, a timed-out request), or
   * `partition` of `topic` was answered that its leader moved. Set until a refresh asked after it answers.
   */
  markStale(about: StaleMark): void {
    const mark = ++this.marks;
    if ("node" in about) return void this.markedNodes.set(about.node, mark);
    const ofTopic = this.markedPartitions.get(about.topic) ?? new Map<number, number>();
    ofTopic.set(about.partition, mark);
    this.markedPartitions.set(about.topic, ofTopic);
  }

  /** A mark set and not cleared yet is about the partition, or about its leader as known now. */
  marked(topic: string, partition: number): boolean {
    if (this.markedPartitions.get(topic)?.has(partition)) return true;
    return this.markedNodes.size > 0 && this.markedNodes.has(this.leader(topic, partition));
  }

  /**
   * The known topics a marked broker leads a partition of. An ask made with a broker mark set asks them too, though no
   * batch of theirs waits: its answer clears the mark, so a topic it left out would keep the leader the mark said may
   * have moved, and its next batch would go there without an ask (Java refreshes every known topic).
   */
  markedTopics(): string[] {
    if (this.markedNodes.size === 0) return [];
    const now = this.now();
    return [...this.leaders]
      .filter(([topic, leaders]) => leaders.some((node) => this.markedNodes.has(node)) && !this.forgotIdle(topic, now))
      .map(([topic]) => topic);
  }

  /** Clears the marks set up to `mark` (`marks` when the ask began), not those set since. */
  private clearStale(mark: number): void {
    for (const [node, at] of this.markedNodes) if (at <= mark) this.markedNodes.delete(node);
    for (const [topic, ofTopic] of this.markedPartitions) {
      for (const [partition, at] of ofTopic) if (at <= mark) ofTopic.delete(partition);
      if (ofTopic.size === 0) this.markedPartitions.delete(topic);
    }
  }

  /** `topic`'s metadata is older than metadata.max.age.ms at `now`: refresh it before sending. */
  expired(topic: string, now: number): boolean {
    const at = this.refreshAt.get(topic);
    return at !== undefined && now >= at;
  }

  /**
   * Asks the cluster again for `topics`, expired, without holding sends back: they go to the leaders
   * known until it answers. One that does not answer is asked again after retry.backoff.ms; one that fails, or leaves
   * a partition without a leader, after the refresh backoff, which a failure makes grow as a refresh's (`backOff`;
   * Java's producer sends while its metadata refresh fails and backs off between them).
   */
  renew(topics: readonly string[], now: number): void {
    for (const t of topics) this.refreshAt.set(t, now + this.retryBackoffMs);
    const before = topics.map((t) => this.leaders.get(t));
    const retry = topics.some((t) => this.retrying.has(t));
    for (const t of topics) this.renewing.add(t);
    this.fetch(topics, true)
      .finally(() => {
        for (const t of topics) this.renewing.delete(t);
      })
      .then(() => this.backOff(topics, before, true, retry))
      .catch((error) => {
        // Refused for good (TOPIC_AUTHORIZATION_FAILED): forgotten, as Java's metadata drops a topic its
        // refresh refused; the next send of it asks again, in the foreground, and fails with the refusal.
        // One refusal fails a request for several topics: the answer names the refused ones (the others
        // are asked again, together); when it does not, each is asked alone. Only the refused are forgotten.
        if (retriable(error)) return this.backOff(topics, before, false, retry);
        if (isUnknownTopic(error)) return;
        const named = topics.length > 1 ? refusedTopics(error) : new Set(topics);
        if (named === undefined) for (const t of topics) this.renew([t], now);
        else {
          for (const t of named) this.forget(t);
          const rest = topics.filter((t) => !named.has(t));
          if (rest.length > 0) this.renew(rest, now);
        }
      });
  }

  /**
   * The connection to broker `node` closed: the topics it leads a partition of are asked again in the background
   * (`renew`), now or, within the refresh backoff, at their next send after it (Java's NetworkClient asks for metadata
   * on any disconnection, then Metadata.timeToAllowUpdate holds it). A leader that stopped is then seen gone before a
   * request to it fails: keyless records stop going to its partitions. Topics a refresh under way asks for are left
   * to it: several connections closing before its answer ask once.
   */
  lost(node: number, now: number): void {
    const topics = [...this.leaders]
      .filter(([topic, leaders]) => leaders.includes(node) && !this.renewing.has(topic) && !this.forgotIdle(topic, now))
      .map(([topic]) => topic);
    if (topics.length === 0) return;
    for (const t of topics) this.retrying.add(t);
    const allowedAt = this.refreshDeferredUntil(now);
    if (allowedAt === undefined) this.renew(topics, now);
    else for (const t of topics) this.refreshAt.set(t, Math.min(this.refreshAt.get(t) ?? allowedAt, allowedAt));
  }

  /** The leader of the partition, or -1 when none is known. */
  leader(topic: string, partition: number): number {
    return this.leaders.get(topic)?.[partition] ?? -1;
  }

  /** Each partition's leader of `topic` (-1: none) when known: the array metadata gave, no copy. */
  of(topic: string): readonly number[] | undefined {
    return this.leaders.get(topic);
  }

  /** The partition count of `topic` when known (no metadata call). */
  known(topic: string): number | undefined {
    return this.leaders.get(topic)?.length;
  }

  /**
   * The partition count of `topic`, from metadata when not known yet. A topic being created (by
   * auto-creation) may show no partitions for a moment, or not be known at all: a KRaft broker
   * answers the Metadata request that asks it to create the topic, and the ones after it until its
   * controller created it, with UNKNOWN_TOPIC_OR_PARTITION (the library's "Unknown topic" error,
   * not retriable for it). Either way it is asked again for a while, as Java's producer waits up
   * to max.block.ms, then a (retriable) error.
   */
  async count(topic: string): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const known = this.leaders.get(topic);
      if (known && known.length > 0) return known.length;
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, this.retryBackoffMs));
      let unknown = false;
      try {
        await this.fetch([topic], attempt > 0);
      } catch (error) {
        if (!isUnknownTopic(error)) throw error;
        unknown = true;
      }
      if (attempt >= METADATA_ATTEMPTS && !(this.leaders.get(topic)?.length ?? 0)) {
        const message = `Topic ${topic} not present in metadata after ${METADATA_ATTEMPTS} attempts`;
        // Still unknown to Kafka (not a topic being created whose partitions have no leader yet): said so.
        if (unknown) throw withMissingTopics(this.error(`${message}: ${missingTopicText([topic])}`), [topic]);
        throw this.error(message);
      }
    }
  }

  /** Asks the cluster again for `topic` alone (partitions added since), leaving the stale mark as it is. */
  async recount(topic: string): Promise<void> {
    await this.fetch([topic], true);
  }

  /**
   * When the pipeline may ask again for leaders (`refresh`), if not at `now`, as Java's Metadata.timeToAllowUpdate:
   * a backoff after the last refresh's answer. While a partition has no leader, every send would otherwise cost a
   * round trip, and a cluster that keeps answering without one would be asked every retry.backoff.ms.
   */
  refreshDeferredUntil(now: number): number | undefined {
    return now >= this.refreshAllowedAt ? undefined : this.refreshAllowedAt;
  }

  /**
   * Asks the cluster again for `topics`, because of an error (stale) or a partition without a leader (rejects when it
   * cannot be reached). Once it answered (or failed), the next refresh waits retry.backoff.ms, growing with each
   * refresh in a row that failed or changed no leader of the topics it asked; one that changes one starts again from
   * retry.backoff.ms (`backOff`).
   */
  async refresh(topics: readonly string[]): Promise<void> {
    const before = topics.map((t) => this.leaders.get(t));
    // Asked with marks set (every topic then), its answer clears them; not a mark set while it is awaited (another
    // topic's leader moved, a broker's request failed: the pipeline sends the rest meanwhile), left for the next turn,
    // which asks all.
    const mark = this.marks;
    this.refreshAskedAtMark = mark;
    let answered = false;
    try {
      await this.fetch(topics, true);
      this.clearStale(mark);
      answered = true;
    } finally {
      this.backOff(topics, before, answered, true);
    }
  }

  /**
   * The next refresh's backoff after one of `topics` (leaders `before` it) that `answered` or failed, asked as a
   * `retry` or only for the topics' age, as `refresh` and `attempts` say. A topic of them still with a partition
   * without a leader is asked again in the background then too (`renew`): keyless records avoid that partition, so no
   * batch of it would ask, and it would stay unused until metadata.max.age.ms once its leader is back (Java's Metadata
   * asks again after any partition error).
   */
  private backOff(
    topics: readonly string[],
    before: readonly (readonly number[] | undefined)[],
    answered: boolean,
    retry: boolean,
  ): void {
    const now = this.now();
    // Progress (a leader, or the partition count, changed; a topic learnt) starts the waits again from
    // retry.backoff.ms, as a leader epoch change resets Java's count of equivalent responses. An answer to a retry that
    // changes nothing counts as a failed one: a broker the cluster lists as leader that the gateway cannot reach, whose
    // lost connections ask again, is asked less and less often.
    const changed = answered && topics.some((t, i) => !sameLeaders(before[i], this.leaders.get(t)));
    if (changed) this.attempts = 0;
    else if (!answered || retry) this.attempts++;
    this.refreshAllowedAt = now + this.backoff(Math.max(0, this.attempts - 1));
    // Not answered: each topic asked waits the grown backoff too (renew's retry.backoff.ms was set before the ask).
    for (const t of topics) {
      const l = this.leaders.get(t);
      if (l && (!answered || l.includes(-1))) {
        this.refreshAt.set(t, this.refreshAllowedAt);
        this.retrying.add(t);
      }
    }
  }

  /**
   * Which of `topics` a refresh refused with `error`: one refusal fails a request for several topics.
   * An unknown topic (deleted, or never created while auto-creation is off): each is asked alone and the
   * unknown ones are named and forgotten, so their partitions have no leader and their batches wait for
   * metadata, as Java's producer; the others' answers are kept and their batches go on. A refusal for good
   * (TOPIC_AUTHORIZATION_FAILED): the answer names the refused ones: the others are asked again
   * together, in one request (their answers kept and the marks the refresh was asked with cleared, as when
   * the others answered an unknown topic's; one that fails leaves them stale, asked again at the next turn).
   * When it does not, each is asked alone (the others' answers are kept) and only the refused ones are
   * named, with their own error; all of them when that cannot tell.
   */
  async refused(topics: readonly string[], error: unknown): Promise<{ topics: ReadonlySet<string>; error: unknown }> {
    const all = { topics: new Set(topics), error };
    if (retriable(error)) return all;
    if (isUnknownTopic(error)) {
      const unknown =
        topics.length < 2 ? { ...all, othersAnswered: true } : await this.askEachAlone(topics, isUnknownTopic);
      for (const t of unknown.topics) this.forget(t);
      // Every other topic answered: the refresh is done, so the next turns ask only the forgotten topic, alone, after
      // the refresh backoff (not all of them together, then each alone). One refused for good (authorization) in
      // this pass is left stale and sent to its leader known: the produce answer fails its batches with the refusal.
      if (unknown.othersAnswered) this.clearStale(this.refreshAskedAtMark);
      return { topics: unknown.topics, error };
    }
    const named = refusedTopics(error);
    if (named !== undefined) {
      const rest = topics.filter((t) => !named.has(t));
      const othersAnswered =
        rest.length === 0 ||
        (await this.fetch(rest, true).then(
          () => true,
          () => false,
        ));
      // As for an unknown topic: the refresh is done, its marks cleared (the next turn does not ask every topic again).
      if (othersAnswered) this.clearStale(this.refreshAskedAtMark);
      return { topics: named, error };
    }
    if (topics.length < 2) return all;
    const refused = await this.askEachAlone(topics, (e) => !retriable(e) && !isUnknownTopic(e));
    return refused.topics.size > 0 ? refused : all;
  }

  /**
   * Asks each of `topics` alone: those whose ask fails with an error `fails` says, with the first such error, and
   * whether every other one answered.
   */
  private async askEachAlone(
    topics: readonly string[],
    fails: (error: unknown) => boolean,
  ): Promise<{ topics: Set<string>; error: unknown; othersAnswered: boolean }> {
    const failed = new Set<string>();
    let cause: unknown;
    let othersAnswered = true;
    await Promise.all(
      topics.map((t) =>
        this.fetch([t], true).catch((e) => {
          if (!fails(e)) {
            othersAnswered = false;
            return;
          }
          failed.add(t);
          cause ??= e;
        }),
      ),
    );
    return { topics: failed, error: cause, othersAnswered };
  }

  /**
   * Forgets `topic` (refused for good, or idle): its next send asks for it again, in the foreground. A stale mark about
   * one of its partitions goes too: without a leader known, its next batch asks anyway.
   */
  forget(topic: string): void {
    this.leaders.delete(topic);
    this.refreshAt.delete(topic);
    this.retrying.delete(topic);
    this.markedPartitions.delete(topic);
    this.sentAt.delete(topic);
  }

  /**
   * A pipeline turn at `now` has a batch of `topic` to send: it is not idle (per turn and partition, not per record).
   * Recorded for a known topic only: one not learnt yet is idle from when it is (`fetch`).
   */
  sending(topic: string, now: number): void {
    if (this.leaders.has(topic)) this.sentAt.set(topic, now);
  }

  /**
   * `topics`, named by a send that waits to be admitted behind another, are not forgotten until the returned function
   * is called: the send checked them known, and places its records by the partition count known then.
   */
  hold(topics: Iterable<string>): () => void {
    return counted(this.held, topics);
  }

  /**
   * Forgets the topics idle at `now` (`forgotIdle`), at most once per metadata.max.idle.ms (one walk over the known
   * topics; a call before it is due is one comparison): the pipeline calls it each turn, the producer at each send
   * before it checks the send's topics known, so a topic is forgotten between metadata.max.idle.ms and twice that after
   * its last send, and a send after that asks for it first. What is forgotten is this object's own: the pipeline's
   * partitions and the sticky partitioner keep an entry for every topic ever sent to. The asks made without a batch
   * waiting (`lost`, `markedTopics`) check each topic they would ask as they walk them anyway, so none asks an idle
   * topic between sweeps.
   */
  sweep(now: number): void {
    if (now < this.sweepAt) return;
    this.sweepAt = now + this.idleness.maxIdleMs;
    for (const topic of [...this.leaders.keys()]) this.forgotIdle(topic, now);
  }

  /**
   * `topic` was not sent to for metadata.max.idle.ms, no batch of it waits or is on the wire, no send waiting to be
   * admitted names it and no ask of it is under way (a background one, or a foreground one that asks it beside others:
   * its answer would learn it again, idle only from that ask, and a lost connection would ask it for another
   * metadata.max.idle.ms): forgotten (true), as Java's ProducerMetadata.retainTopic.
   */
  private forgotIdle(topic: string, now: number): boolean {
    const at = this.sentAt.get(topic);
    if (at !== undefined && now - at < this.idleness.maxIdleMs) return false;
    if (this.held.has(topic) || this.asking.has(topic) || this.idleness.inUse(topic)) return false;
    this.forget(topic);
    return true;
  }

  private async fetch(topics: readonly string[], force: boolean): Promise<void> {
    const at = this.now();
    let answer: Map<string, readonly number[]>;
    const asked = counted(this.asking, topics);
    try {
      answer = await this.transport.leaders(topics, force);
    } catch (error) {
      if (isUnknownTopic(error) || refusedTopics(error) !== undefined) this.answered();
      throw error;
    } finally {
      asked();
    }
    this.answered();
    for (const [t, l] of answer) {
      // Learnt now (asked for a send, as Java's ProducerMetadata.add): idle from now until a turn sends it.
      if (!this.leaders.has(t)) this.sentAt.set(t, at);
      this.leaders.set(t, l);
      // A partition without a leader: asked again after the refresh backoff (see backOff; refresh and renew count it).
      const leaderless = l.includes(-1);
      this.refreshAt.set(t, at + (leaderless ? this.backoff(this.attempts) : this.maxAgeMs));
      if (leaderless) this.retrying.add(t);
      else this.retrying.delete(t);
    }
  }
}

/** metadata.max.idle.ms, and whether a topic has a batch waiting or on the wire (never forgotten then). */
export interface IdleTopics {
  readonly maxIdleMs: number;
  readonly inUse: (topic: string) => boolean;
}

/** Counts `topics` once more in `counts` until the returned function is called (a topic counted 0 times is absent). */
function counted(counts: Map<string, number>, topics: Iterable<string>): () => void {
  const named = [...topics];
  for (const t of named) counts.set(t, (counts.get(t) ?? 0) + 1);
  return () => {
    for (const t of named) {
      const n = counts.get(t)! - 1;
      if (n === 0) counts.delete(t);
      else counts.set(t, n);
    }
  };
}

/** The same leader for every partition, and as many partitions (both unknown counts as the same). */
function sameLeaders(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.length === b.length && a.every((l, p) => l === b[p]));
}
