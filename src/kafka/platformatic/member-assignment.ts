/**
 * MemberAssignment: the partitions a PlatformaticConsumer's group member owns, and what each join does to them
 * (consumer.ts calls it before every JoinGroup and at every completed join, the library's "consumer:group:join").
 * Before a JoinGroup the member gives everything up: revoked in order (awaited: the sink task commits there) or lost.
 * A completed join's assignment becomes the member's partitions, the added ones fetched once the handler has seen
 * them, those it held outside it lost (a join it did not see: their generation is gone). An assignment outside the
 * subscription (a static member restarted with other topics, answered with its old assignment) is not taken: the
 * member takes none of it and rejoins, as Java's (assignment-subscription.ts), its next JoinGroup carrying that
 * join's generation (JoinUserData). The handler hears of every change one after another.
 */
import type { ConsumerGroupJoinPayload } from "@platformatic/kafka";
import { partitionMapKey as keyOf, type TopicPartition } from "../../api/record.ts";
import { unsubscribedPartition } from "../assignment-subscription.ts";
import type { ConsumerLog } from "../consumer-log.ts";
import type { ConsumerHandlers, ConsumerOptions } from "../kafka-port.ts";
import type { PartitionFetcher } from "./partition-fetcher.ts";

/**
 * The library's join event: with the protocol the coordinator chose (JoinGroup's protocolName, one of
 * GROUP_PROTOCOLS: "RoundRobinAssigner" with a member of an earlier kafkajs release in the group), which
 * scripts/patch-dependencies.mjs adds to it.
 */
export type JoinPayload = ConsumerGroupJoinPayload & { readonly protocol?: string | null };

/** The subscription's user data: none (round-robin, the library's default assignor, reads none). */
const NO_USER_DATA = Buffer.alloc(0);

/**
 * The user data of the member's next JoinGroup: none, except after a join answered with an assignment outside the
 * subscription (a static member restarted with other topics): that join's generation. A static follower's
 * subscription, stored by the coordinator at its restart's join, would otherwise be the same at the rejoin, which
 * the coordinator of a stable group answers with the same assignment again, without end (polish30). Java's consumer
 * sends its generation in every subscription (ConsumerProtocolSubscription v2+, -1 at a restart's join), so its
 * rejoin differs and the coordinator rebalances; round-robin assignors (Java's, kafkajs', the library's) read no
 * user data.
 */
export interface JoinUserData {
  value: Buffer;
}

/** A start's user data: none yet. */
export function noJoinUserData(): JoinUserData {
  return { value: NO_USER_DATA };
}

/** Module-level, so that the function the library keeps closes over `data` only. */
export function joinUserData(data: JoinUserData): () => Buffer {
  return () => data.value;
}

/** `generation` as Java's int32, big-endian. */
function generationBytes(generation: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeInt32BE(generation);
  return bytes;
}

/** A start's: whom the changes are told to, the fetcher of what is owned, and where a handler's failure goes. */
export interface AssignmentParties {
  readonly handlers: ConsumerHandlers;
  /** None once the start that made it failed or the consumer closed: nothing is fetched then. */
  readonly fetcher?: PartitionFetcher;
  readonly crash: (error: unknown) => void;
}

export class MemberAssignment {
  private owned: TopicPartition[] = [];
  /** Assignment changes reach the handler one after another. */
  private changes: Promise<void> = Promise.resolve();

  constructor(
    private readonly subscription: Pick<ConsumerOptions, "topics" | "topicsPattern">,
    private readonly log: ConsumerLog,
  ) {}

  /** The partitions owned now. */
  list(): TopicPartition[] {
    return [...this.owned];
  }

  has(tp: TopicPartition): boolean {
    return this.owned.some((a) => a.topic === tp.topic && a.partition === tp.partition);
  }

  /** Closed: nothing is owned any more (the handler is not told). */
  clear(): void {
    this.owned = [];
  }

  /**
   * Before a JoinGroup: everything owned is given up, revoked when the member rejoins in order (`orderly`), else
   * lost; the fetcher stops fetching it at once. Returns the revocation to await (the handler's onPartitionsRevoked),
   * undefined when there is none: nothing owned, or lost (not awaited: their generation is gone).
   */
  giveUp(orderly: boolean, to: AssignmentParties): Promise<void> | undefined {
    const owned = this.owned;
    this.log.givingUp(owned, orderly);
    if (owned.length === 0) return undefined;
    this.owned = [];
    to.fetcher?.revoke(owned);
    const removed = this.changes.then(() =>
      orderly ? to.handlers.onPartitionsRevoked(owned) : to.handlers.onPartitionsLost(owned),
    );
    this.changes = removed.catch(to.crash);
    return orderly ? this.changes : undefined;
  }

  /**
   * A completed join's assignment: taken, unless a partition of it is outside the subscription; then, `userData`
   * carrying the join's generation, none of it is and `rejoin` is called.
   */
  joined(payload: JoinPayload, userData: JoinUserData, to: AssignmentParties, rejoin: () => void): void {
    const assigned = (payload.assignments ?? []).flatMap((a) =>
      a.partitions.map((partition) => ({ topic: a.topic, partition })),
    );
    const { topics, topicsPattern } = this.subscription;
    const outside = unsubscribedPartition(assigned, topics);
    if (outside) {
      // Rejoined with its subscription, which carries this generation so that the coordinator of a stable group
      // rebalances (JoinUserData).
      userData.value = generationBytes(payload.generationId ?? -1);
      const subscription = topics instanceof RegExp ? (topicsPattern ?? topics.source) : topics;
      this.log.assignmentNotSubscribed(outside, assigned, subscription);
      this.loseAllBut([], to);
      rejoin();
      return;
    }
    const prevKeys = new Set(this.owned.map(keyOf));
    const added = assigned.filter((tp) => !prevKeys.has(keyOf(tp)));
    this.loseAllBut(assigned, to);
    this.log.assigned(added);
    if (added.length === 0) return;
    // New partitions are fetched once the handler has seen them (it may seek or pause them first); none when a later
    // join took them all meanwhile (an empty assign would still wake the fetch loop for a round of metadata).
    this.changes = this.changes
      .then(() => to.handlers.onPartitionsAssigned(added))
      .then(() => {
        const kept = added.filter((tp) => this.has(tp));
        if (kept.length > 0) to.fetcher?.assign(kept);
      }, to.crash);
  }

  /**
   * Makes `next` the member's partitions, those it held outside it lost. Normally none: giveUp gave everything up;
   * a join it did not see lost them (Java's onPartitionsLost, not a revocation: their generation is gone).
   */
  private loseAllBut(next: TopicPartition[], to: AssignmentParties): void {
    const nextKeys = new Set(next.map(keyOf));
    const lost = this.owned.filter((tp) => !nextKeys.has(keyOf(tp)));
    this.owned = next;
    if (lost.length === 0) return;
    this.log.lost(lost, false);
    to.fetcher?.revoke(lost);
    this.changes = this.changes.then(() => to.handlers.onPartitionsLost(lost)).catch(to.crash);
  }
}
