/**
 * TurnMetadata: a ProducePipeline turn's metadata step, as the part of Java's Sender.sendProducerData before it drains
 * the accumulator. ProducePipeline.pumpOnce calls `refresh` once a turn, before its last send; `pump`, called while a
 * turn is `held`, calls `sendBeside`.
 *
 * The topics a turn asks are those with a batch not on the wire whose partition has no leader known, or every such
 * topic while a stale mark is set (PartitionLeaders.stale), and, with a broker mark set, the topics that broker leads
 * though none of their batches waits (its answer clears the mark). A topic only past metadata.max.age.ms is renewed
 * in the background (PartitionLeaders.renew). Within the refresh backoff nothing is asked: the pipeline wakes when it
 * ends.
 * A failed ask is BatchSettlement.cannotSend's to settle: a topic refused (TOPIC_AUTHORIZATION_FAILED) fails its
 * batches not on the wire while the other topics go on; an unknown topic, or a retriable failure, is asked again; any
 * other error fails the pipeline.
 *
 * A turn that awaits metadata (a topic being created, a leader moved, a broker that does not answer) sends the ready
 * batches of the partitions with a leader known before and while it waits, as Java's Sender, which never waits for
 * metadata; not those a stale mark not cleared yet is about (a partition answered NOT_LEADER_OR_FOLLOWER, or led by a
 * broker whose request failed as a whole: PartitionLeaders.marked): they wait while the ask is awaited, no longer.
 * The turn's last send, once the ask answered (a mark set meanwhile is still set) or failed for an unknown topic, and a
 * turn within the refresh backoff (which asks nothing) send the ready batches of every partition with a leader known,
 * marked or not, to that leader, as Java's Sender: a leader that moved costs a round trip (NOT_LEADER_OR_FOLLOWER or a
 * failed request, the batch retried), nothing is lost. After an ask that failed otherwise the turn sends nothing more;
 * the next, within the refresh backoff, sends as said.
 */
import type { BatchSettlement } from "./batch-settlement.ts";
import { isUnknownTopic, retriable } from "./errors.ts";
import type { ProducerIdentity } from "./in-flight-requests.ts";
import type { PartitionBatches } from "./partition-batches.ts";
import type { PartitionLeaders } from "./partition-leaders.ts";
import { unsent } from "./produce-requests.ts";

export class TurnMetadata {
  /** The turn awaits metadata: the batches of partitions with a leader known, not marked stale, go meanwhile. */
  private asking = false;

  constructor(
    /** The pipeline's partitions, by key. */
    private readonly partitions: ReadonlyMap<string, PartitionBatches>,
    private readonly leaders: PartitionLeaders,
    private readonly settlement: BatchSettlement,
    /** The producer's id: a metadata refusal names the epoch its batches were failed at. */
    private readonly id: ProducerIdentity,
    private readonly wakeAt: (at: number) => void,
    /** The pipeline's send: the ready batches of `partitions` with a leader known, to it; true when some has none. */
    private readonly send: (partitions: Iterable<PartitionBatches>, now: number) => boolean,
  ) {}

  /** The turn awaits metadata: `pump` sends beside it (`sendBeside`). */
  get held(): boolean {
    return this.asking;
  }

  /**
   * The turn's metadata at `now`: undefined when nothing is asked (the turn sends at once), else the ask, which sends
   * beside it while awaited and settles to whether the turn sends after it.
   */
  refresh(now: number): Promise<boolean> | undefined {
    this.leaders.sweep(now);
    const wanted = new Set<string>();
    const aged = new Set<string>();
    for (const part of this.partitions.values()) {
      if (!unsent(part)) continue;
      const { topic } = part;
      this.leaders.sending(topic, now);
      if (this.leaders.stale || this.leaders.leader(topic, part.partition) < 0) wanted.add(topic);
      else if (this.leaders.expired(topic, now)) aged.add(topic);
    }
    for (const topic of wanted) aged.delete(topic);
    const deferredUntil = wanted.size > 0 ? this.leaders.refreshDeferredUntil(now) : undefined;
    // Asked with a broker mark set: the topics that broker leads too (its answer clears the mark; markedTopics), though
    // no batch of theirs waits; looked for only when the ask goes (markedTopics scans every known topic). None is aged:
    // a mark set makes every topic with a batch not on the wire wanted (stale).
    const ask = deferredUntil === undefined && wanted.size > 0;
    const extra = new Set(ask ? this.leaders.markedTopics().filter((t) => !wanted.has(t)) : []);
    const asked = extra.size > 0 ? new Set([...wanted, ...extra]) : wanted;
    if (aged.size > 0) this.leaders.renew([...aged], now);
    // Asked within the backoff already: the batches of partitions with a leader known go meanwhile, as Java's.
    if (deferredUntil !== undefined) this.wakeAt(deferredUntil);
    else if (ask) return this.ask(asked, wanted, extra, now);
    else this.settlement.metadataHad();
    return undefined;
  }

  /**
   * While a turn awaits metadata: the ready batches of the partitions with a leader known, sent now, but for those a
   * stale mark not cleared yet is about (PartitionLeaders.marked: the partition was answered NOT_LEADER_OR_FOLLOWER, or
   * a request to its leader as known now failed as a whole, before the ask or since): those, and the ones without a
   * leader, wait until the ask is over (`again`). Then the turn's last send or, within the refresh backoff, the next
   * turn sends the marked ones to their leader known (see the header); only one whose leader is not known waits for a
   * refresh. One broker's lost connection stops only the partitions it leads while the ask is held;
   * Java's Sender goes on sending those too (to the leader known, once their retry's backoff is over). Synchronous, as
   * `send`: no other turn's requests are built meanwhile, so a partition's batches keep their order and sequences.
   */
  sendBeside(now: number): void {
    const { leaders } = this;
    const parts = [...this.partitions.values()];
    this.send(leaders.stale ? parts.filter((p) => !leaders.marked(p.topic, p.partition)) : parts, now);
  }

  /** Asks `asked` (`wanted`, and `extra`: a broker mark's topics), sending beside it; false: the turn sends no more. */
  private async ask(
    asked: ReadonlySet<string>,
    wanted: ReadonlySet<string>,
    extra: ReadonlySet<string>,
    now: number,
  ): Promise<boolean> {
    // As Java's Sender, which never waits for metadata: the ready batches of the partitions with a leader known go
    // before the ask, which a broker that does not answer, or a topic being created, holds for long, and while it is
    // awaited (`pump`); stale (every topic asked), not those a mark is about (`sendBeside`).
    this.asking = true;
    this.sendBeside(now);
    try {
      await this.leaders.refresh([...asked]);
      this.settlement.metadataHad();
    } catch (error) {
      // Only the topics refused fail (each asked alone): the others' batches go on.
      const refused = await this.leaders.refused([...asked], error);
      const what = "Could not get metadata";
      const { epoch } = this.id;
      // Failed retriably (all asked again): its WARN names the topics whose batches wait, not the extra ones.
      const topics = retriable(refused.error) ? wanted : refused.topics;
      this.settlement.cannotSend(this.partitions.values(), refused.error, now, what, topics, epoch);
      // Refused for good, only topics asked because of a broker mark (none of their batches waits): forgotten, as a
      // background ask's refusal (their next send asks again, and fails); the other topics' batches are sent now, and
      // the next ask, without them, clears the mark.
      const onlyExtra = !retriable(error) && refused.topics.size > 0 && [...refused.topics].every((t) => extra.has(t));
      if (onlyExtra) for (const t of refused.topics) this.leaders.forget(t);
      // An unknown topic is forgotten (its batches wait for metadata): the other topics' are sent now.
      else if (!isUnknownTopic(refused.error)) return false;
    } finally {
      this.asking = false;
    }
    return true;
  }
}
