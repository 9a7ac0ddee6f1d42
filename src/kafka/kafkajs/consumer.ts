/**
 * The consumer side of the kafkajs adapter: one group member per sink task. Before joining it
 * waits for its topics (kafkajs assigns from the metadata it holds at join time) and removes its
 * own dead predecessors from the group (members this gateway's earlier consumers of the task were
 * given, ConsumerOptions' `predecessors`: kafkajs cannot use static membership).
 *
 * Rebalances, as Java's consumer runs the eager protocol: kafkajs stops fetching (and waits for the
 * batches with the handler) when a heartbeat or fetch finds the group rebalancing, then rejoins.
 * Before its JoinGroup request goes out (a hook on the coordinator's joinGroup, protocol.ts) the
 * member gives up everything it owns: onPartitionsRevoked, awaited, while its generation is still
 * valid (kafkajs heartbeats meanwhile, up to max.poll.interval.ms: dependency patch 25; in a rejoin
 * the subscription watch starts, where the fetch loop still heartbeats, the member leaves its group
 * past that bound: revokeBounded);
 * onPartitionsLost when it lost its member id (UNKNOWN_MEMBER_ID). A completed join reports
 * what it gave through onPartitionsAssigned (kafkajs does not await its GROUP_JOIN listeners, so
 * fetching may start while the handler is still opening them). kafkajs matches a `topics.regex`
 * subscription once, when it subscribes, and assigns the partitions it knew then;
 * subscription-watch.ts asks the topics and their partition counts again every
 * `metadata.max.age.ms` and rejoins when the topics changed or, on the group's leader, a count
 * differs from the one its assignment used (the assigner tells it, subscribed-round-robin.ts). With
 * auto-creation off (or on, and refused by the brokers) it subscribes only to the listed topics that
 * exist (all of them, to wait for, when none does): kafkajs fails on a subscribed topic deleted and
 * cannot drop it, so the task starts a new consumer, which goes on with the others (explore13 F2).
 * Joins, assignments, revocations, seeks and the LeaveGroup are logged as Java's consumer logs them (consumer-log.ts); where a partition starts
 * kafkajs decides without telling, so unlike the platformatic adapter's those lines are missing.
 *
 * Beside it: join-preparation.ts (the cluster look-ups before joining: topics ready, zombie
 * members), subscription-watch.ts, start-positions.ts (`position`), join-exit.ts (a close leaves a join
 * under way, pending member ids of KIP-394), consumed-records.ts (a batch as the port's records),
 * invalid-batch-hold.ts (a batch failing its checks fails the consumer while it is in its group),
 * member-config.ts (kafkajs' consumer config from the consumer's settings, with the partition assigner),
 * coordinator-wait.ts (a join waits out a group coordinator still loading, as Java's),
 * fetch-failure-watch.ts (fetches without an answer, for onFetchFailing) and
 * pending-seeks.ts (the seeks kafkajs has not applied yet, dropped at a rejoin).
 */
import type { Consumer, ConsumerRunConfig, Kafka } from "kafkajs";
import { partitionMapKey as key, type TopicPartition, type TopicPartitionOffset } from "../../api/record.ts";
import { ConnectError, RetriableError } from "../../errors.ts";
import type { ConsumerSettings } from "../client-config.ts";
import type { ConsumerLog, LeaveReason } from "../consumer-log.ts";
import type { ConsumerHandlers, ConsumerOptions, KafkaConsumer } from "../kafka-port.ts";
import type { PartitionCounts } from "../subscription-change.ts";
import { consumedRecords } from "./consumed-records.ts";
import { withCoordinatorWait } from "./coordinator-wait.ts";
import { wrap } from "./errors.ts";
import { FetchFailureWatch, withFetchFailureWatch } from "./fetch-failure-watch.ts";
import type { InvalidBatchHold } from "./invalid-batch-hold.ts";
import { JoinExit } from "./join-exit.ts";
import { awaitTopics, fenceZombies, topicsReady } from "./join-preparation.ts";
import { memberConfig } from "./member-config.ts";
import { pendingSeeks } from "./pending-seeks.ts";
import { type BrokerLike, brokerAddresses, topicPartitionLists, withJoinHook } from "./protocol.ts";
import { StartPositions } from "./start-positions.ts";
import { askCreation, existingOnly, missingOf, partitionCounts, watchSubscription } from "./subscription-watch.ts";

/** kafkajs' refusal of a commit while its runner is stopped. */
const RUNNER_STOPPED = "Consumer group was not initialized";
/** Java's CommitFailedException for a commit of a member not in an active group (it left at the poll timeout). */
const NOT_IN_GROUP =
  "Offset commit cannot be completed since the consumer is not part of an active group for auto partition assignment; it is likely that the consumer was kicked out of the group.";
/** Partitions whose fetched batches are handed over at the same time, at most. */
const PARTITIONS_CONSUMED_CONCURRENTLY = 4;
export class KafkajsConsumer implements KafkaConsumer {
  private consumer: Consumer | undefined;
  private assigned: TopicPartition[] = [];
  /** Cancels the subscription watch (subscription-watch.ts). */
  private stopWatch: (() => void) | undefined;
  /** Cancel the timers bounding the subscription watch's revocations (revokeBounded): a close runs them. */
  private readonly pollTimers = new Set<() => void>();
  constructor(
    private readonly kafka: Kafka,
    private readonly options: ConsumerOptions,
    private readonly settings: ConsumerSettings,
    private readonly timing: { requestTimeoutMs: number; retryBackoffMs: number },
    private readonly log: ConsumerLog,
    private readonly invalidBatches: InvalidBatchHold,
  ) {}
  /** Bumped by every start and close: a start that finds it changed was cancelled by a close. */
  private generation = 0;
  /** Bumped by each JoinGroup this member sends (the join hook): a batch started before it is stale. */
  private joinEpoch = 0;
  /** Between the join hook (or a revocation before it: revokeOwned) and the join's assignment (GROUP_JOIN). */
  private joining = false;
  /**
   * A revocation before the join hook (revokeOwned: a handler's heartbeat that found a rebalance, or
   * the subscription watch's); the hook awaits it.
   */
  private revokedEarly: Promise<void> | undefined;
  /** Aborted by the next start or a close: a join waiting for its group coordinator stops (coordinator-wait.ts). */
  private joinWait: AbortController | undefined;
  /** Listed topics missing at a start that it waited for (auto-creation on): not waited for again. */
  private readonly creationAwaited = new Set<string>();
  /** The JoinGroup under way (until the join's assignment), left at close. */
  private joinExit: JoinExit | undefined;
  /** Offset commits kafkajs made (its COMMIT_OFFSETS events): one it returned from without making is told apart. */
  private commitsMade = 0;
  /** The member id of the last join (for the log line of the LeaveGroup at close). */
  private memberId = "";
  /** The generation the last answered JoinGroup gave. */
  private joinedAs: { generationId: number; memberId: string; groupProtocol: string } | undefined;
  /** The group's coordinator last found (for that log line): a heartbeat that lost the join's finds another. */
  private coordinator: BrokerLike | undefined;
  private starts: StartPositions | undefined;
  /** The partition counts this member's assigner used at its last assignment (it ran as the leader). */
  private assignerUsed: PartitionCounts | undefined;
  /** Java's assignmentSnapshot: what the assignment of the last join used, if this member led it. */
  private leaderAssigned: PartitionCounts | undefined;

  async start(handlers: ConsumerHandlers): Promise<void> {
    const generation = ++this.generation;
    this.joining = false;
    this.revokedEarly = undefined;
    const cancelled = () => generation !== this.generation;
    this.joinWait?.abort();
    const joinWait = new AbortController();
    this.joinWait = joinWait;
    const s = this.settings;
    const crash = (error: unknown) => handlers.onCrash(error as Error);
    this.invalidBatches.arm((error) => cancelled() || handlers.onCrash(error));
    const joinExit = new JoinExit(this.kafka, this.options.groupId, this.timing.requestTimeoutMs);
    this.joinExit = joinExit;
    const hooked = withJoinHook(this.kafka, {
      beforeJoin: async (memberId) => {
        // Closed: no JoinGroup goes out any more (one answered UNKNOWN_MEMBER_ID would go again).
        if (cancelled()) throw new ConnectError(`The consumer of group ${this.options.groupId} was closed`);
        const early = this.revokedEarly;
        this.revokedEarly = undefined;
        if (early) await early;
        // Batches handed over before this join are judged stale from now on (see eachBatch); seeks
        // kafkajs has not applied yet are dropped, as Java's rejoin drops every position.
        this.joinEpoch++;
        this.invalidBatches.rejoined();
        seeks.drop();
        this.joining = true;
        this.assignerUsed = undefined;
        this.leaderAssigned = undefined;
        const owned = this.assigned;
        if (cancelled()) return;
        this.log.joining(memberId);
        // A member that completed a join rejoins with its id: in order; without one its membership is gone.
        const orderly = memberId !== "" && memberId === this.memberId;
        this.log.givingUp(owned, orderly);
        if (owned.length === 0) return;
        this.assigned = [];
        const removed = orderly ? handlers.onPartitionsRevoked(owned) : handlers.onPartitionsLost(owned);
        await removed.catch(crash);
      },
      joinSent: (memberId, answered) => {
        joinExit.sent(memberId, answered);
        const joined = (r: { generationId: number; memberId: string; groupProtocol: string }) => {
          this.options.predecessors?.joined(r.memberId);
          this.joinedAs = r; // its SyncGroup's answer is the GROUP_JOIN event
          this.log.joined(r.generationId, r.memberId, r.groupProtocol);
        };
        answered.then((r) => joined(r as Parameters<typeof joined>[0])).catch(() => {});
      },
      memberIdGiven: (memberId, coordinator) => {
        // kafkajs joins again with it inside the same joinGroup call (no beforeJoin for that JoinGroup).
        // Remembered before that join, so a kill -9 from here on leaves it to be fenced.
        this.options.predecessors?.given(memberId);
        if (!cancelled()) this.log.joining(memberId);
        return joinExit.given(memberId, coordinator, cancelled());
      },
      coordinatorFound: (coordinator) => {
        this.coordinator = coordinator;
      },
    });
    const { retryBackoffMs } = this.timing;
    const timeoutMs = s.rebalanceTimeoutMs;
    const warn = (reason: string, pauseMs: number, note: string) =>
      this.log.coordinatorNotReady(reason, pauseMs, timeoutMs, note);
    const wait = { retryBackoffMs, timeoutMs, signal: joinWait.signal, warn };
    // Its fetches without an answer: the task's Degraded trace, while this start's consumer is current.
    const report = (error: Error | null) => cancelled() || handlers.onFetchFailing?.(error);
    const fetchWatch = new FetchFailureWatch(report, this.timing.requestTimeoutMs);
    const member = withFetchFailureWatch(withCoordinatorWait(hooked, wait), fetchWatch);
    const consumer = member.consumer(
      memberConfig(this.options.groupId, s, (counts) => {
        if (!cancelled()) this.assignerUsed = counts;
      }),
    );
    const seeks = pendingSeeks(consumer);
    this.consumer = consumer;
    this.starts = new StartPositions(this.kafka, this.options.groupId, s, consumer);
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      const next = Object.entries(event.payload.memberAssignment).flatMap(([topic, partitions]) =>
        (partitions as number[]).map((partition) => ({ topic, partition })),
      );
      const nextKeys = new Set(next.map(key));
      const prevKeys = new Set(this.assigned.map(key));
      // Normally nothing: the join hook gave everything up. A join it did not see lost them.
      const lost = this.assigned.filter((tp) => !nextKeys.has(key(tp)));
      const added = next.filter((tp) => !prevKeys.has(key(tp)));
      this.assigned = next;
      this.joining = false;
      this.memberId = event.payload.memberId;
      this.leaderAssigned = event.payload.isLeader ? this.assignerUsed : undefined;
      const g = this.joinedAs;
      if (g?.memberId === this.memberId) this.log.synced(g.generationId, g.memberId, g.groupProtocol);
      joinExit.joined();
      if (lost.length > 0) this.log.lost(lost, false);
      this.log.assigned(added);
      // Java's consumer forgets a pause when the partition is unassigned; kafkajs keeps its pause set
      // across the rebalances of one run(). A partition given up paused and assigned again would stay
      // paused for good, so its new assignment starts unpaused (the handler pauses again what it must).
      if (lost.length + added.length > 0) consumer.resume(topicPartitionLists([...lost, ...added]));
      if (lost.length > 0) handlers.onPartitionsLost(lost).catch(crash);
      if (added.length > 0) handlers.onPartitionsAssigned(added).catch(crash);
    });
    consumer.on(consumer.events.COMMIT_OFFSETS, () => void this.commitsMade++);
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart && !cancelled())
        handlers.onCrash(wrap(event.payload.error, `The consumer of group ${this.options.groupId} stopped`));
    });
    try {
      const topics = this.options.topics;
      // close() may come at any await below; then this start must not join the group.
      const closedMeanwhile = () =>
        new ConnectError(`The consumer of group ${this.options.groupId} was closed while starting`);
      // A listed topic missing (deleted) is left out while another exists; with auto-creation on, once
      // the brokers were asked to create it (and, the first time, it did not come: existingOf).
      const listed = !(topics instanceof RegExp);
      const ask = async (names: RegExp | readonly string[]) => {
        const counts = await partitionCounts(this.kafka, names);
        if (!listed) return counts;
        if (s.allowAutoTopicCreation) await askCreation(this.kafka, missingOf(counts));
        return existingOnly(counts);
      };
      const first = listed ? await this.existingOf(topics, ask) : undefined;
      const subscription = first?.subscription ?? topics;
      if (!(subscription instanceof RegExp)) await awaitTopics(this.kafka, subscription, s.allowAutoTopicCreation);
      if (cancelled()) throw closedMeanwhile();
      await fenceZombies(this.kafka, this.options, wait);
      if (cancelled()) throw closedMeanwhile();
      await consumer.connect();
      // Asked before the join: a change in between rejoins once more rather than going unseen. The
      // look-up of existingOf serves when it has them all (a topic it waited for is asked again).
      const known =
        first && !(subscription instanceof RegExp) && subscription.every((t) => first.counts.has(t))
          ? first.counts
          : await ask(subscription);
      await consumer.subscribe({
        topics: subscription instanceof RegExp ? [subscription] : [...subscription],
        fromBeginning: s.fromBeginning,
      });
      if (cancelled()) throw closedMeanwhile();
      const run: ConsumerRunConfig = {
        autoCommit: false,
        // Resolved by hand: a batch the member gave up meanwhile must not move the fetch position
        // (kafkajs would mark it in the next generation's offsets, skipping records never put).
        eachBatchAutoResolve: false,
        // Bounded: the sink task queues concurrent partition batches into its next put.
        partitionsConsumedConcurrently: PARTITIONS_CONSUMED_CONCURRENTLY,
        eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
          // Fetched before a join that is not complete yet: its partition may be gone or reassigned.
          if (this.joining || !isRunning() || isStale() || batch.messages.length === 0) return;
          const epoch = this.joinEpoch;
          const records = consumedRecords(batch);
          this.starts?.placed(records[0]!, epoch);
          // kafkajs rejoins only once every handler returned. A handler that heartbeats while it waits
          // (a put retrying) learns of a rebalance here: what the member owns is revoked at once, so
          // the handler can give its batch up and the group does not wait for it.
          const beat = async () => {
            try {
              await heartbeat();
            } catch (error) {
              // The join hook awaits it.
              if ((error as { type?: string }).type === "REBALANCE_IN_PROGRESS") void this.revokeOwned(handlers, crash);
              throw error;
            }
          };
          await handlers.onRecords(records, beat);
          // A join since the batch started revoked its partition: the handler dropped the batch, so
          // the position stays before it and the records come again from the committed offset.
          if (epoch === this.joinEpoch) resolveOffset(batch.lastOffset());
        },
      };
      await consumer.run(run);
      // The watch's rejoin revokes before it stops the runner: its fetch loop goes on meanwhile.
      const revokeOwned = async () => this.revokeBounded(consumer, this.revokeOwned(handlers, crash));
      const current = () => !cancelled();
      const { metadataMaxAgeMs: intervalMs, fromBeginning } = s;
      const { groupId } = this.options;
      const assigned = () => this.leaderAssigned;
      const stopToRejoin = async () => {
        joinExit.rejoining(this.memberId); // a close before the rejoin completes leaves as this member
        await (consumer.stop as (options: { rejoin: boolean }) => Promise<void>)({ rejoin: true });
      };
      const watch = { topics, ask, assigned, consumer, stopToRejoin, run, groupId, intervalMs, fromBeginning };
      this.stopWatch = watchSubscription({ ...watch, current, revokeOwned, crash }, new Set(known.keys()));
      if (cancelled()) {
        await consumer.disconnect().catch(() => undefined);
        throw closedMeanwhile();
      }
    } catch (error) {
      this.invalidBatches.release();
      await consumer.disconnect().catch(() => undefined);
      if (this.consumer === consumer) this.consumer = undefined;
      throw wrap(error, `Failed to start the consumer of group ${this.options.groupId}`);
    }
  }

  /**
   * Those of `topics` that exist, with their partition counts (`ask`: one look-up), or all of them (to
   * wait for) when none does; the others are logged. With `allow.auto.create.topics=true` a missing one
   * (asked for by `ask`) is waited for first, as awaitTopics waits, since brokers that create topics
   * answer as those that do not while they create one; only once per topic in this consumer's life
   * (the task's): a restart (a crash, the watch's) goes on without it at once, and the watch subscribes
   * it at the look-up that finds it.
   */
  private async existingOf(
    topics: readonly string[],
    ask: (names: readonly string[]) => Promise<PartitionCounts>,
  ): Promise<{ subscription: readonly string[]; counts: PartitionCounts }> {
    let counts = await ask(topics);
    const missing = () => topics.filter((t) => !counts.has(t));
    const unawaited = missing().filter((t) => !this.creationAwaited.has(t));
    if (this.settings.allowAutoTopicCreation && unawaited.length > 0 && unawaited.length < topics.length) {
      for (const t of unawaited) this.creationAwaited.add(t);
      if (await topicsReady(this.kafka, unawaited, true)) counts = await ask(topics);
    }
    const gone = missing();
    if (gone.length === 0 || gone.length === topics.length) return { subscription: topics, counts };
    this.log.missingTopics(gone);
    return { subscription: topics.filter((t) => counts.has(t)), counts };
  }

  /**
   * Gives up everything owned before a rejoin (kafkajs' own, or the subscription watch's); settles
   * once the handler revoked it (or an earlier one did, when nothing is owned), which the join hook
   * awaits: a JoinGroup kafkajs starts meanwhile waits for the handler to have revoked. From
   * the call on no batch goes to the handler until the join's assignment (see eachBatch); the fetch
   * loop may still run, so the partitions are paused (else it fetched the batches it was not given
   * again at once, for the whole revocation): GROUP_JOIN resumes the next assignment, all of it
   * added, and the sink task pauses again what it paused itself.
   */
  private revokeOwned(handlers: ConsumerHandlers, crash: (error: unknown) => void): Promise<void> | undefined {
    if (this.assigned.length === 0) return this.revokedEarly;
    const owned = this.assigned;
    this.assigned = [];
    this.consumer?.pause(topicPartitionLists(owned));
    this.log.revoked(owned);
    this.joinEpoch++;
    this.invalidBatches.rejoined();
    this.joining = true;
    this.leaderAssigned = undefined;
    this.revokedEarly = handlers.onPartitionsRevoked(owned).catch(crash);
    return this.revokedEarly;
  }

  /**
   * The watch's revocation `revoking`, bounded as Java's poll: once it has run for max.poll.interval.ms the
   * member stops its runner and leaves its group (Java's heartbeat thread sends LeaveGroup then), so the others
   * take its partitions. kafkajs' stop waits for a batch in flight first: a put that holds the revocation (a
   * flush waiting for it) holds the leave until it returns, its heartbeats keeping the member meanwhile.
   * Settles once the revocation ended and the member left, its next run joining as a new member.
   */
  private async revokeBounded(consumer: Consumer, revoking: Promise<void> | undefined): Promise<void> {
    let left: Promise<void> | undefined;
    const timer = setTimeout(() => {
      this.log.pollTimeout();
      left = consumer.stop().then(() => this.logLeaving("pollTimeout")); // once no batch is in flight
    }, this.settings.rebalanceTimeoutMs);
    const cancel = () => clearTimeout(timer);
    this.pollTimers.add(cancel);
    try {
      await revoking;
    } finally {
      cancel();
      this.pollTimers.delete(cancel);
    }
    await left;
  }

  private logLeaving(reason: LeaveReason): void {
    const c = this.coordinator;
    this.log.leaving(reason, this.memberId, c?.nodeId ?? null, c && brokerAddresses(c));
  }

  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    if (!this.consumer || offsets.length === 0) return;
    const made = this.commitsMade;
    try {
      await this.consumer.commitOffsets(
        offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) })),
      );
    } catch (error) {
      const what = `Failed to commit offsets of consumer group ${this.options.groupId}`;
      // The runner stopped (the member left at the poll timeout): Java's CommitFailedException for it.
      if ((error as Error).message?.startsWith(RUNNER_STOPPED))
        throw new ConnectError(`${what}: ${NOT_IN_GROUP}`, { cause: error });
      throw wrap(error, what);
    }
    // kafkajs returns without committing (nor an error) once its runner stops, as a crash does first.
    // The COMMIT_OFFSETS counted is this commit's: a sink task sends the next only once this one settled
    // (SinkOffsets waits for one it gave up at offset.flush.timeout.ms).
    if (this.commitsMade === made)
      throw new RetriableError(`The consumer of group ${this.options.groupId} is stopping: offsets not committed`);
  }

  /** Partitions not assigned are ignored (Java throws): kafkajs would apply the seek in a later generation. */
  seek(offset: TopicPartitionOffset): void {
    if (!this.consumer || !this.assigned.some((a) => key(a) === key(offset))) return;
    this.log.seek(offset, offset.offset);
    this.consumer.seek({ topic: offset.topic, partition: offset.partition, offset: String(offset.offset) });
  }

  position(tp: TopicPartition): Promise<number> {
    return this.starts!.of(tp, this.assigned, this.joinEpoch, () => this.joinEpoch);
  }

  /** kafkajs reset `tp`'s fetch position out of range to `offset` (patch 24's line): a look-up answered later keeps it. */
  outOfRangeReset(tp: TopicPartition, offset: bigint): void {
    if (!this.joining) this.starts?.placed({ ...tp, offset: Number(offset) }, this.joinEpoch);
  }

  pause(partitions: readonly TopicPartition[]): void {
    if (partitions.length > 0) this.consumer?.pause(topicPartitionLists(partitions));
  }

  resume(partitions: readonly TopicPartition[]): void {
    if (partitions.length > 0) this.consumer?.resume(topicPartitionLists(partitions));
  }

  assignment(): TopicPartition[] {
    return [...this.assigned];
  }

  async close(): Promise<void> {
    this.generation++;
    this.joinWait?.abort();
    this.stopWatch?.();
    for (const cancel of this.pollTimers) cancel();
    const consumer = this.consumer;
    this.consumer = undefined;
    this.assigned = [];
    if (consumer) this.logLeaving("closing");
    await this.joinExit?.close();
    this.invalidBatches.release(); // a fetch held at a batch that failed its checks ends (the runner stops)
    await Promise.all([consumer?.disconnect(), this.starts?.close()]);
  }
}
