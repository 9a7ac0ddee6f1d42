/**
 * The consumer side of the @platformatic/kafka adapter: one group member per sink task (classic group
 * protocol, the library's round-robin assignment under the names of group-protocols.ts; `group.instance.id` gives static
 * membership). The library joins, syncs and heartbeats in the background and rejoins on a rebalance;
 * the PartitionFetcher fetches what is assigned.
 *
 * Rebalances, as Java's consumer runs the eager protocol: before every JoinGroup the library asks
 * for the subscription's user data (its `protocolsMetadata` callback, awaited); there the member
 * stops fetching everything it owns and awaits the handler's onPartitionsRevoked, while its
 * generation is still valid (the sink task commits there), heartbeating meanwhile as Java's heartbeat
 * thread during onJoinPrepare (the patched library: scripts/patches/platformatic-revoke-heartbeat.mjs),
 * so a revocation longer than session.timeout.ms keeps the member in the group. A completed join reports what it gave
 * through onPartitionsAssigned, before any of it is fetched. When the rejoin follows a lost
 * membership (the heartbeat found the member unknown or of an old generation, rather than a
 * rebalance in progress; or a commit found it unknown) the partitions go to onPartitionsLost
 * instead, not awaited. A commit answered with a group error is never retried under a new
 * generation (the library would rejoin from inside it and then commit partitions another member
 * may own by then): it fails, as Java's (CommitFailedException, RebalanceInProgressException). A
 * stable member's rejoin is then left to the heartbeat, which meets the same answer (Java's next
 * poll), except after UNKNOWN_MEMBER_ID, where the member rejoins at once, its partitions lost, the
 * commit failing (as Java's, which resets its generation; a dynamic member's heartbeat could not
 * rejoin: the library has cleared its member id). A commit made by onPartitionsRevoked that finds
 * the generation gone leaves its partitions lost. Nor does a commit answered while the member
 * rejoins already start another join (that would lose what this join hands out, one more
 * rebalance for the group, where Java's consumer has one revoke/assign cycle), and none is sent
 * while it rejoins (as Java's, only a stable member commits). A static member answered
 * FENCED_INSTANCE_ID (another process took its `group.instance.id` over) fails for good, as Java's
 * (FencedInstanceIdException fails the Connect task): the consumer crashes with a non-retriable
 * error and never rejoins, which would fence the other process in turn; a heartbeat or a JoinGroup
 * (fenced-instance.ts) or a commit (commit-fencing.ts: the OffsetCommit carries the instance id, as
 * Java's, scripts/patch-dependencies.mjs) may be the one answered so. A commit retried (after a
 * timeout, NOT_COORDINATOR) goes out under the generation and member id it was made under, which the
 * member may have left meanwhile (the heartbeat's rejoin): answered UNKNOWN_MEMBER_ID,
 * ILLEGAL_GENERATION or FENCED_INSTANCE_ID about them, it fails retriably without touching the
 * member's current ones and never gets to the joinGroup override below (Java's
 * `generationUnchanged()` check; the patched library's commit). A static member's
 * commit answered UNKNOWN_MEMBER_ID (its instance id gone from the group) keeps its member id,
 * during a revocation or a join too, so that the JoinGroup after it (at once for a stable member)
 * tells fenced (fatal) from removed (a rejoin) rather than registering the instance id anew over
 * another process. A static member restarted with other topics is answered with its old assignment:
 * it takes none of it and rejoins, as Java's (assignment-subscription.ts), its subscription carrying
 * that join's generation so that a follower's rejoin rebalances the group (member-assignment.ts).
 * Each step is logged as Java's consumer logs it (consumer-log.ts).
 *
 * Before joining: it waits until listed topics exist with their partitions (the group leader assigns
 * from the metadata it holds at join time), not for their leaders, as Java's and the kafkajs adapter
 * (a partition whose broker is down is fetched once it has one), and, like the kafkajs adapter, given
 * its `predecessors`, removes its dead predecessors from the group (members this
 * gateway's earlier consumers were given, left by a kill -9), unless the member is static. A
 * `topics.regex` subscription is matched against the cluster's topics at start; the matched topics
 * and their partition counts are asked again every `metadata.max.age.ms` (as Java's consumer does at
 * each metadata refresh); a new topic rejoins the group, and so does a partition count other than
 * the one the group's leader assigned from (on the leader only, as Java's; group-entry.ts,
 * subscription-watch.ts). A subscribed topic deleted is
 * dropped by every member, not only the one that fetched it, at the first library call that fails on
 * it (unknown-topic-recovery.ts). A close leaves no member behind, pending ones included (join-watch.ts).
 * A join the group coordinator refuses because it is not ready (a fresh broker's, still loading) is made
 * again every `retry.backoff.ms`, up to `max.poll.interval.ms`, as Java's (coordinator-wait-policy.ts):
 * the library alone gives it up after its retries.
 * Heartbeats do not depend on the handler: a long batch costs no membership.
 */
import { Consumer } from "@platformatic/kafka";
import type { TopicPartition, TopicPartitionOffset } from "../../api/record.ts";
import { ConnectError, RetriableError } from "../../errors.ts";
import type { ConnectionSettings, ConsumerSettings } from "../client-config.ts";
import type { ConsumerLog } from "../consumer-log.ts";
import { type CoordinatorWait, waitForCoordinator } from "../coordinator-wait-policy.ts";
import { GROUP_PROTOCOLS } from "../group-protocols.ts";
import type { ConsumerHandlers, ConsumerOptions, KafkaConsumer } from "../kafka-port.ts";
import type { PartitionCounts } from "../subscription-change.ts";
import { baseOptions } from "./client-options.ts";
import { COMMIT_FAILED, commitOffsets } from "./commit-fencing.ts";
import { closeForGood, detach, JoinHook } from "./consumer-shutdown.ts";
import { coordinatorNotReady, isUnknownTopic, wrap } from "./errors.ts";
import { FENCED_INSTANCE_ID, watchFencing } from "./fenced-instance.ts";
import { awaitTopics, fenceZombies, libraryAdmin, matchingTopics } from "./group-entry.ts";
import { closeLeavingGroup, inJoin } from "./join-watch.ts";
import { type JoinPayload, joinUserData, MemberAssignment, noJoinUserData } from "./member-assignment.ts";
import { PartitionFetcher } from "./partition-fetcher.ts";
import { type AssignerUse, countsAssigned, recordingAssigner } from "./recording-assigner.ts";
import { partitionCounts, type SubscriptionWatcher, watchSubscription } from "./subscription-watch.ts";
import { unknownTopicRecovery } from "./unknown-topic-recovery.ts";

/** Java's RebalanceInProgressException for a commit answered REBALANCE_IN_PROGRESS. */
const REBALANCE_IN_PROGRESS =
  "Offset commit cannot be completed since the consumer group is executing a rebalance at the moment. You can try completing the rebalance by calling poll() and then retry commit again";

export class PlatformaticConsumer implements KafkaConsumer {
  private consumer: Consumer<Buffer, Buffer, Buffer, Buffer> | undefined;
  /** The join's user-data callback the library keeps: cut off at close (consumer-shutdown.ts). */
  private joinHook: JoinHook | undefined;
  private fetcher: PartitionFetcher | undefined;
  /** The partitions the member owns, and what each join does to them (member-assignment.ts). */
  private readonly owned: MemberAssignment;
  /** The subscription watch (subscription-watch.ts). */
  private watch: SubscriptionWatcher | undefined;
  /** Cancels a static member's FENCED_INSTANCE_ID watch (fenced-instance.ts). */
  private stopFencing: (() => void) | undefined;
  /** Fails the current start's consumer for good: the group fenced the static member (a commit's answer, commit-fencing.ts). */
  private fence: (() => void) | undefined;
  private closing: Promise<void> = Promise.resolve();
  /** The next rejoin gives partitions up in order (a rebalance in progress, or our own rejoin), rather than after losing them. */
  private orderlyRejoin = false;
  /** The library rejoins from inside a commit that found a dynamic member unknown (it calls the public joinGroup only from a commit). */
  private rejoinFromCommit = false;
  /** Set around our own joinGroup calls, to tell them from the library's. */
  private ownJoin = false;
  /** While onPartitionsRevoked runs, a commit finding the generation gone fails (not committed under a new one, where another member may own the partitions: they count as lost). */
  private revoking = false;
  /** From the start of a join (its user-data callback) until the group hands out its assignment. */
  private joining = false;
  /** Bumped by every start and close: a start that finds it changed was cancelled by a close. */
  private generation = 0;
  /** Aborted by the next start or a close: a join waiting for its group coordinator stops (coordinator-wait-policy.ts). */
  private joinWait: AbortController | undefined;
  /** The partition counts the assigner used in this join, when this member led it with others. */
  private assignerUsed: AssignerUse = {};
  /** Java's assignmentSnapshot: what the assignment of the last join used, if this member led it. */
  private leaderAssigned: PartitionCounts | undefined;

  constructor(
    private readonly options: ConsumerOptions,
    private readonly connection: ConnectionSettings,
    private readonly settings: ConsumerSettings,
    private readonly log: ConsumerLog,
  ) {
    this.owned = new MemberAssignment(options, log);
  }

  async start(handlers: ConsumerHandlers): Promise<void> {
    const generation = ++this.generation;
    const cancelled = () => generation !== this.generation;
    this.joinWait?.abort();
    const joinWait = new AbortController();
    this.joinWait = joinWait;
    const { groupId } = this.options;
    const closedMeanwhile = () => new ConnectError(`The consumer of group ${groupId} was closed while starting`);
    const s = this.settings;
    /**
     * The member id of the last join completed (a static member's commit may restore it). It is the
     * latest the member held: a commit answered about an older member id (a retry) fails in the
     * library, never reaching the joinGroup override (scripts/patch-dependencies.mjs).
     */
    let joinedAs: string | null = null;
    /** Set when the group fenced this static member: the consumer failed for good, it never rejoins. */
    let fenced: string | undefined;
    // A static member is never fenced: the broker replaces it at join.
    const predecessors = s.groupInstanceId ? undefined : this.options.predecessors;
    const userData = noJoinUserData();
    const joinHook = new JoinHook(async () => {
      // Closed: no JoinGroup goes out any more (nor the one a MEMBER_ID_REQUIRED answer asks for).
      if (cancelled()) throw closedMeanwhile();
      // The id this JoinGroup carries (a MEMBER_ID_REQUIRED answer gave it): remembered before the
      // member can hold partitions with it, so a kill -9 from here on leaves it to be fenced.
      if (consumer.memberId) predecessors?.given(consumer.memberId);
      // Fenced: a JoinGroup with the same group.instance.id would fence the other instance in turn.
      if (fenced) throw new ConnectError(`The consumer of group ${groupId} stopped: ${fenced}`);
      await this.beforeJoin(handlers, crash);
      if (fenced) throw new ConnectError(`The consumer of group ${groupId} stopped: ${fenced}`);
    });
    this.assignerUsed = {}; // the library keeps its assigner: it holds this object only, not the adapter
    const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
      ...baseOptions(this.connection),
      groupId,
      ...(s.groupInstanceId ? { groupInstanceId: s.groupInstanceId } : {}),
      sessionTimeout: s.sessionTimeoutMs,
      heartbeatInterval: Math.min(s.heartbeatIntervalMs, s.sessionTimeoutMs),
      rebalanceTimeout: Math.max(s.rebalanceTimeoutMs, s.sessionTimeoutMs),
      autocommit: false,
      autocreateTopics: s.allowAutoTopicCreation,
      // The library's custom assigner assigns whichever of them the coordinator chose.
      protocols: GROUP_PROTOCOLS.map((name) => ({ name, version: 1 })),
      protocolsMetadata: joinHook.callback(joinUserData(userData)),
      partitionAssigner: recordingAssigner(this.assignerUsed),
    });
    this.consumer = consumer;
    this.joinHook = joinHook;
    const libraryJoin = consumer.joinGroup.bind(consumer) as (options?: object, callback?: unknown) => unknown;
    (consumer as { joinGroup: unknown }).joinGroup = (options?: object, callback?: unknown) => {
      if (this.ownJoin) return libraryJoin(options, callback);
      // Only a commit answered with a group error about the member's current generation gets here: it fails, and is never retried.
      const refuse = (refused: Error) => {
        if (typeof callback === "function") return void (callback as (error: Error) => void)(refused);
        return Promise.reject(refused);
      };
      const cleared = consumer.memberId === null;
      if (cleared && s.groupInstanceId && joinedAs)
        // A static member's commit answered UNKNOWN_MEMBER_ID (FENCED_INSTANCE_ID does not get here:
        // commit-fencing.ts): the library cleared the member id. Restored first, whatever follows (the
        // revocation's JoinGroup included): without one, a JoinGroup registers the instance id as a
        // new member, replacing (fencing) a process that took it over. With it, the coordinator
        // answers the next heartbeat or JoinGroup FENCED_INSTANCE_ID if another process holds the id
        // (fatal, fenced-instance.ts), UNKNOWN_MEMBER_ID if none does (the library then rejoins
        // without it).
        consumer.memberId = joinedAs;
      // Fenced (FencedInstanceIdException): fatal, as in Java; the consumer has crashed already. Its commits
      // (a sink task's close commits through it) are answered FENCED_INSTANCE_ID (commit-fencing.ts) until the
      // instance id leaves the group; then UNKNOWN_MEMBER_ID, which gets here.
      if (fenced) return refuse(new ConnectError(`Failed to commit offsets of consumer group ${groupId}: ${fenced}`));
      if (this.revoking || this.joining || inJoin(consumer))
        // Answered under the generation the member is leaving already (or while the heartbeat,
        // answered so too, has started the rejoin): rejoining from it would start another
        // rebalance, and lose the partitions this join is about to hand out.
        return refuse(
          new RetriableError(
            this.revoking
              ? `The group ${groupId} moved to a new generation during the revocation: its offsets are not committed`
              : `The group ${groupId} is rebalancing and this member is rejoining it: its offsets are not committed`,
          ),
        );
      // A stable member's commit (Java's OffsetCommitResponseHandler): retried under the new
      // generation, it could commit partitions another member owns by then.
      const failed = new RetriableError(
        `Failed to commit offsets of consumer group ${groupId}: ${this.orderlyRejoin ? REBALANCE_IN_PROGRESS : COMMIT_FAILED}`,
      );
      if (cleared) {
        // UNKNOWN_MEMBER_ID: the member rejoins now, its partitions lost, while the commit fails (as
        // Java's, which resets its generation and rejoins at its next poll). A dynamic member's
        // heartbeat could not: without a member id it is a malformed request (the broker closes
        // the connection, again at every heartbeat). A static member's rejoin carries its restored
        // member id (Java's sends none): answered UNKNOWN_MEMBER_ID when no process holds the
        // instance id (the library then joins without it), FENCED_INSTANCE_ID when one took it.
        this.rejoinFromCommit = true;
        libraryJoin(options, (error?: Error | null) => {
          if (error) crash(error);
        });
      }
      // Otherwise (REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION) the next heartbeat meets the same
      // answer and rejoins as Java's next poll does: revoking in order during a rebalance, else
      // lost.
      return refuse(failed);
    };
    let crashed = false;
    const crash = (error: unknown) => {
      if (crashed || cancelled()) return;
      crashed = true;
      this.fetcher?.stop();
      handlers.onCrash(wrap(error, `The consumer of group ${groupId} stopped`));
    };
    const { clientId, connectTimeout, requestTimeout, tls, sasl } = baseOptions(this.connection);
    const pool = { connectTimeout, requestTimeout, ...(tls ? { tls } : {}), ...(sasl ? { sasl } : {}) };
    const backoff = this.connection.retryBackoffMs;
    const timeoutMs = s.rebalanceTimeoutMs;
    const wait: CoordinatorWait = {
      retryBackoffMs: backoff,
      timeoutMs,
      signal: joinWait.signal,
      warn: (reason, pauseMs, note) => this.log.coordinatorNotReady(reason, pauseMs, timeoutMs, note),
    };
    // A topic deleted under the subscription: untracked at once (the library's fetch asks the
    // metadata of every tracked topic, and fails them all for one it does not know), and the watch
    // looks now, so the member rejoins without it (Java's fetcher asks a metadata update then).
    const topicsGone = (gone: readonly string[]) => {
      const tracked = gone.filter((t) => consumer.topics.current.includes(t));
      if (tracked.length === 0 || cancelled()) return;
      for (const t of tracked) consumer.topics.untrack(t);
      this.watch?.lookNow();
    };
    // A member still tracking a topic deleted under the subscription fails the library's fetch,
    // JoinGroup and (leader) SyncGroup on it: it drops the topic and rejoins instead.
    const rejoin = () => {
      this.orderlyRejoin = true;
      return this.join(consumer, wait);
    };
    const recoverOrCrash = (error: unknown) => {
      if (cancelled()) return;
      recover(error).then((recovered) => recovered || crash(error), crash);
    };
    const recovery = unknownTopicRecovery({
      consumer,
      untrack: topicsGone,
      rejoin: () => void rejoin().catch(recoverOrCrash),
    });
    const recover = (error: unknown, rejoinBlind?: boolean) =>
      cancelled() ? Promise.resolve(true) : recovery.recover(error, rejoinBlind);
    // A fetch asks only the member's own topics: a rejoin cures it only when one of them is missing
    // (a rejoin otherwise would rebalance the group at every such fetch, without end).
    // A partition its topic no longer has (re-created with fewer partitions): the watch looks now;
    // the group's leader rejoins at once (its counts changed), as Java's leader; another member
    // stops fetching it until the rebalance the leader starts (emptyparts P2).
    const topicLoss = {
      gone: topicsGone,
      unknown: (error: unknown) => recover(error, false),
      partitionsGone: () => this.watch?.lookNow(),
    };
    const fetcher = new PartitionFetcher(consumer, handlers, s, backoff, crash, this.log, clientId, pool, topicLoss);
    this.fetcher = fetcher;
    const fence = () => {
      if (fenced || cancelled()) return;
      fenced = FENCED_INSTANCE_ID;
      this.log.fenced();
      // Not retriable: the sink task fails (Connect's task dies of the FencedInstanceIdException
      // its poll throws) rather than starting a consumer that would fence the other instance.
      crash(new ConnectError(`The consumer of group ${groupId} stopped: ${fenced}`));
    };
    this.fence = fence;
    // This start's own watch: a start cancelled by a close stops it in its catch, and must not stop
    // the watch of the start that came after that close (this.stopFencing by then).
    const stopFencing = s.groupInstanceId ? watchFencing(consumer.instanceId, fence) : undefined;
    this.stopFencing = stopFencing;
    // A rejoin that failed for good (the library retried it); the sink task restarts the consumer.
    consumer.on("error", recoverOrCrash);
    // Every group request asks the metadata of the tracked topics first: a heartbeat fails on a
    // deleted one too. It is sent again, so only a missing topic of the member's own is acted on.
    consumer.on("consumer:heartbeat:error", (event: { error?: unknown }) => {
      if (isUnknownTopic(event.error) && !cancelled()) void recovery.recover(event.error, false).catch(() => false);
    });
    // Emitted when a heartbeat finds a rebalance in progress, just before the library rejoins.
    consumer.on("consumer:group:rebalance", () => {
      this.orderlyRejoin = true;
    });
    consumer.on("consumer:group:join", (payload: JoinPayload) => {
      if (cancelled()) return;
      this.joining = false;
      recovery.joined();
      joinedAs = payload.memberId ?? null;
      if (joinedAs) predecessors?.joined(joinedAs);
      // A leader alone in its group assigns every partition itself, without the assigner.
      const alone = () => countsAssigned(payload.assignments ?? []);
      this.leaderAssigned = payload.isLeader ? (this.assignerUsed.counts ?? alone()) : undefined;
      const protocol = payload.protocol ?? "";
      this.log.joined(payload.generationId ?? -1, payload.memberId ?? "", protocol);
      this.log.synced(payload.generationId ?? -1, payload.memberId ?? "", protocol); // SyncGroup answered
      this.owned.joined(payload, userData, { handlers, fetcher, crash }, () => void rejoin().catch(recoverOrCrash));
    });
    try {
      const topics = this.options.topics;
      const subscribed = topics instanceof RegExp ? await matchingTopics(this.connection, topics) : [...topics];
      if (!(topics instanceof RegExp))
        await awaitTopics(consumer, subscribed, {
          allowAutoTopicCreation: s.allowAutoTopicCreation,
          failFastWhenNotReached: true,
        });
      if (cancelled()) throw closedMeanwhile();
      const ownClientId = this.options.properties["client.id"]?.trim();
      if (predecessors && ownClientId)
        await fenceZombies(() => libraryAdmin(this.connection), groupId, ownClientId, predecessors, wait);
      if (cancelled()) throw closedMeanwhile();
      for (const t of subscribed) consumer.topics.track(t);
      const { connection, settings } = this;
      const known = await partitionCounts(consumer, connection, subscribed);
      if (cancelled()) throw closedMeanwhile();
      await this.join(consumer, wait);
      if (cancelled()) throw closedMeanwhile();
      const current = () => !cancelled();
      const joined = new Set(known.keys());
      const assigned = () => this.leaderAssigned;
      const counted = (now: ReadonlyMap<string, number>) => fetcher.partitionsBack(now);
      const watch = { topics, consumer, connection, settings, joined, assigned, counted };
      this.watch = watchSubscription({ ...watch, current, crash, rejoin, recover });
    } catch (error) {
      stopFencing?.();
      if (this.consumer === consumer) {
        this.consumer = undefined;
        this.fetcher = undefined;
      }
      fetcher.stop();
      if (cancelled()) {
        // Settles after the close that cancelled it, so the caller sees the member gone.
        await this.closing;
        throw closedMeanwhile();
      }
      await closeForGood(consumer, this.connection.requestTimeoutMs).catch(() => undefined);
      detach(consumer, joinHook);
      throw wrap(error, `Failed to start the consumer of group ${groupId}`);
    }
  }

  /**
   * Before each JoinGroup (the library awaits it): everything owned is given up. Revoked, awaited,
   * when the member rejoins in order; lost, not awaited, when its membership is gone already (found
   * so by a heartbeat, or by a commit from which the library rejoins).
   */
  private async beforeJoin(handlers: ConsumerHandlers, crash: (error: unknown) => void): Promise<void> {
    this.joining = true;
    this.assignerUsed.counts = undefined;
    this.leaderAssigned = undefined;
    const orderly = this.orderlyRejoin && !this.rejoinFromCommit;
    this.orderlyRejoin = false;
    this.rejoinFromCommit = false;
    this.log.joining(this.consumer?.memberId);
    const revocation = this.owned.giveUp(orderly, { handlers, fetcher: this.fetcher, crash });
    if (!revocation) return;
    this.revoking = true;
    try {
      await revocation;
    } finally {
      this.revoking = false;
    }
  }

  /** Our own join (not the library's from a commit), waiting out a group coordinator not ready. */
  private join(consumer: Consumer<Buffer, Buffer, Buffer, Buffer>, wait: CoordinatorWait): Promise<string> {
    const join = () => {
      this.ownJoin = true;
      try {
        return consumer.joinGroup({});
      } finally {
        this.ownJoin = false;
      }
    };
    return waitForCoordinator(join, wait, coordinatorNotReady);
  }

  /**
   * As Java's consumer, a commit is sent only by a stable member (`generationIfStable`), or by the
   * revocation before a rejoin, whose generation is still valid. While the member rejoins it fails
   * at once: its generation is gone, and its member id may be too (the library clears it after
   * UNKNOWN_MEMBER_ID; an OffsetCommit without one makes the broker close the coordinator
   * connection, failing the JoinGroup under way on it, and the consumer with it). One answered with a
   * group error fails and is never retried under a new generation. Answered UNKNOWN_MEMBER_ID,
   * ILLEGAL_GENERATION or REBALANCE_IN_PROGRESS about the member's current generation, it gets to the
   * joinGroup override in start (a RetriableError with Java's message; UNKNOWN_MEMBER_ID rejoins a
   * stable member at once); about a generation the member has left (a retry), the library fails it as
   * answered (retriable). FENCED_INSTANCE_ID is decided by commit-fencing.ts: fatal about the current
   * generation (the consumer crashes), else retriable.
   */
  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    const consumer = this.consumer;
    if (!consumer || offsets.length === 0) return;
    if (!this.revoking && (this.joining || !consumer.isActive()))
      throw new RetriableError(
        `Failed to commit offsets of consumer group ${this.options.groupId}: Offset commit cannot be completed since the consumer is undergoing a rebalance for auto partition assignment.`,
      );
    // This start's: a commit answered after a restart does not fence the consumer started since.
    const fenced = this.fence ?? (() => {});
    const rejoining = () => this.joining || inJoin(consumer);
    await commitOffsets(consumer, offsets, { groupId: this.options.groupId, rejoining, fenced });
  }

  /** Partitions not assigned to this member are ignored (Java's consumer throws for them). */
  seek(offset: TopicPartitionOffset): void {
    if (!this.owned.has(offset)) return;
    this.log.seek(offset, offset.offset);
    this.fetcher?.seek(offset, offset.offset);
  }

  async position(tp: TopicPartition): Promise<number> {
    const fetcher = this.owned.has(tp) ? this.fetcher : undefined;
    if (!fetcher) throw new ConnectError(`No current assignment for partition ${tp.topic}-${tp.partition}`);
    return Number(await fetcher.position(tp));
  }

  pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) if (this.owned.has(tp)) this.fetcher?.pause(tp);
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.fetcher?.resume(tp);
  }

  assignment(): TopicPartition[] {
    return this.owned.list();
  }

  close(): Promise<void> {
    this.generation++;
    this.joinWait?.abort();
    this.watch?.stop();
    this.stopFencing?.();
    this.fetcher?.stop();
    const consumer = this.consumer;
    // Closed already (or never started): a second close settles with the first.
    if (!consumer) return this.closing;
    const joinHook = this.joinHook;
    this.consumer = undefined;
    this.joinHook = undefined;
    this.fetcher = undefined;
    this.owned.clear();
    const member = !consumer.groupInstanceId && consumer.memberId;
    this.log.leaving("closing", member, consumer.coordinatorId, consumer.currentMetadata?.brokers);
    this.closing = (async () => {
      try {
        if (consumer) await closeLeavingGroup(consumer, this.connection);
      } catch (error) {
        throw wrap(error, `Failed to close the consumer of group ${this.options.groupId}`);
      } finally {
        // Nothing the library object still holds (were it to linger) reaches the handlers.
        if (consumer && joinHook) detach(consumer, joinHook);
      }
    })();
    return this.closing;
  }
}
