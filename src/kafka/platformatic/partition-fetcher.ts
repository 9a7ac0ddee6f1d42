/**
 * The fetch loop of the @platformatic/kafka consumer (its MessagesStream hands out single messages
 * of every assigned partition and can neither pause one partition nor seek, so the adapter fetches
 * itself, with the library's Fetch: sessions, leader lookup, decompression, aborted-transaction
 * filtering). Called by PlatformaticConsumer, which owns group membership and tells it what is
 * assigned.
 *
 * A partition whose fetch (or the metadata it needs, or its start position's look-up) got no answer is retried after
 * a backoff; the handler hears of it (`onFetchFailing`: a sink task's Degraded trace) until every such partition was
 * answered again or is no longer fetched (paused, revoked, gone from its topic). Each failure is logged, thinned per
 * broker (consumer-log.ts). So is a Fetch a broker holds without an answer past fetch.max.wait.ms and RETRY_GRACE_MS
 * (a hung broker), before request.timeout.ms fails it, with a WARN in the same budget (fetch-failure-report.ts).
 *
 * Guarantees (the KafkaPort's): each partition's records go to `onRecords` in offset order, one
 * batch at a time; up to PARTITIONS_CONSUMED_CONCURRENTLY batches of different partitions are with
 * the handler at once. While a batch is with the handler the next one of that partition is fetched
 * already (one at most), so fetching overlaps processing. A paused partition is not fetched and
 * keeps what was fetched for it until resumed. A seek drops what was fetched from the old position.
 * A new partition starts at its committed offset, else where `auto.offset.reset` says; so does one
 * whose position fell out of the log (OFFSET_OUT_OF_RANGE).
 *
 * Beside it: partition-state.ts (what it knows per partition), partition-positions.ts (where a
 * partition starts, applied unless a seek came meanwhile), fetch-round.ts (which broker a partition
 * is fetched from, one Fetch request and what its answer does), fetch-connections.ts (the connections fetches go over,
 * telling of each Fetch on the wire).
 */
import type { ClusterMetadata, ConnectionOptions, Consumer } from "@platformatic/kafka";
import type { TopicPartition } from "../../api/record.ts";
import { kafkaClientBackoff } from "../../util/backoff.ts";
import { type Clock, systemClock } from "../../util/clock.ts";
import { type SetTimer, unrefTimer } from "../../util/timer.ts";
import { batchChecks } from "../batch-integrity.ts";
import type { ConsumerSettings } from "../client-config.ts";
import type { ConsumerLog } from "../consumer-log.ts";
import type { ConsumerHandlers } from "../kafka-port.ts";
import { checkFetchedBatches } from "./batch-decoding.ts";
import { errorText, isUnknownTopic, retriable } from "./errors.ts";
import { existingTopicsMetadata } from "./existing-topics.ts";
import { FetchConnections } from "./fetch-connections.ts";
import { FetchFailureReport } from "./fetch-failure-report.ts";
import {
  applyFetchResponse,
  type FetchResponse,
  fetchRequestTopics,
  groupByLeader,
  type Requested,
  responseIn,
} from "./fetch-round.ts";
import { PositionLookups, resolveStartPositions } from "./partition-positions.ts";
import { FetchFailures, keyOf, newPartitionState, type PartitionState } from "./partition-state.ts";

/** Partitions whose batches are with the handler at the same time, at most (as the kafkajs adapter). */
export const PARTITIONS_CONSUMED_CONCURRENTLY = 4;

const NO_HEARTBEAT = () => Promise.resolve();

type PlatformaticConsumer = Consumer<Buffer, Buffer, Buffer, Buffer>;

/** What the consumer does about topics deleted under its subscription. */
export interface TopicLoss {
  /** Topics of assigned partitions the cluster no longer has. */
  gone(topics: readonly string[]): void;
  /** A fetch failed on an unknown topic: true when the consumer recovers (fetched again after a backoff). */
  unknown(error: unknown): Promise<boolean>;
  /** Assigned partitions their topic's refreshed metadata lacks (the topic re-created with fewer). */
  partitionsGone(partitions: readonly TopicPartition[]): void;
}

const NO_TOPIC_LOSS: TopicLoss = { gone: () => {}, unknown: async () => false, partitionsGone: () => {} };

export class PartitionFetcher {
  private readonly states = new Map<string, PartitionState>();
  /** Partitions with a buffered batch the handler can take, in arrival order. */
  private readonly ready = new Set<PartitionState>();
  private readonly nodesFetching = new Set<number>();
  private active = 0;
  private stopped = false;
  private readonly failures = new FetchFailures();
  private readonly report: FetchFailureReport;
  private pumping = false;
  private again = false;

  private readonly pool: FetchConnections;

  constructor(
    private readonly consumer: PlatformaticConsumer,
    private readonly handlers: ConsumerHandlers,
    private readonly settings: ConsumerSettings,
    private readonly retryBackoffMs: number,
    /** The fetcher cannot go on (the consumer reports it and stops). */
    private readonly fail: (error: unknown) => void,
    private readonly log: ConsumerLog,
    clientId: string,
    connection: ConnectionOptions,
    /** What the consumer does about topics deleted under the subscription. */
    private readonly topicLoss: TopicLoss = NO_TOPIC_LOSS,
    /** What a fetch's silence is measured and awaited on. */
    clock: Clock = systemClock,
    /** What the retry waits run on (a test's own, so that no other module's timer is taken for them). */
    private readonly setTimer: SetTimer = unrefTimer,
  ) {
    this.report = new FetchFailureReport({
      handlers,
      log,
      clock,
      maxWaitMs: settings.maxWaitMs,
      requestTimeoutMs: connection.requestTimeout ?? 30_000,
      broker: (node) => consumer.currentMetadata?.brokers.get(node),
      fetched: (s) => !s.paused && this.states.get(keyOf(s.tp)) === s,
    });
    this.pool = new FetchConnections(clientId, connection, this.report, () => consumer.currentMetadata?.brokers);
    this.lookups = new PositionLookups(consumer, settings, log, (tps) => this.topicLoss.partitionsGone(tps));
    checkFetchedBatches(this.pool, batchChecks(settings));
  }

  assign(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) {
      const key = keyOf(tp);
      if (this.states.has(key)) continue;
      this.states.set(key, newPartitionState(tp, this.seeks.get(key) ?? null, this.pausedEarly.has(key)));
      this.seeks.delete(key);
      this.pausedEarly.delete(key);
    }
    this.wake();
  }

  revoke(partitions: readonly TopicPartition[]): void {
    this.revocations++;
    const revoked: PartitionState[] = [];
    for (const tp of partitions) {
      this.seeks.delete(keyOf(tp));
      this.pausedEarly.delete(keyOf(tp));
      const s = this.states.get(keyOf(tp));
      if (!s) continue;
      this.states.delete(keyOf(tp));
      revoked.push(s);
      this.ready.delete(s);
      this.failures.forget(s);
      this.awaitingRetry.delete(s);
      this.retrying.delete(s);
      s.buffered = null;
    }
    this.report.answered(revoked);
  }

  /** Seeks, positions, pauses of partitions assigned, not handed over yet (onPartitionsAssigned runs first). */
  private readonly seeks = new Map<string, bigint>();
  private readonly pausedEarly = new Set<string>();
  private revocations = 0;
  private readonly lookups: PositionLookups;

  /** Java's position(): resolved now for a partition not handed over yet, which then starts there. */
  async position(tp: TopicPartition): Promise<bigint> {
    const [k, revocations] = [keyOf(tp), this.revocations];
    const s = this.states.get(k) ?? newPartitionState(tp, this.seeks.get(k) ?? null, false);
    const position = await this.lookups.of(s);
    if (!this.states.has(k) && !this.seeks.has(k) && revocations === this.revocations) this.seeks.set(k, position);
    return position;
  }

  seek(tp: TopicPartition, offset: number): void {
    const s = this.states.get(keyOf(tp));
    if (!s) {
      this.seeks.set(keyOf(tp), BigInt(offset));
      return;
    }
    s.position = BigInt(offset);
    s.reset = false;
    s.epoch++;
    s.buffered = null;
    this.failures.forget(s);
    this.ready.delete(s);
    this.wake();
  }

  pause(tp: TopicPartition): void {
    const s = this.states.get(keyOf(tp));
    if (!s) return void this.pausedEarly.add(keyOf(tp));
    s.paused = true;
    this.report.answered([s]);
  }

  resume(tp: TopicPartition): void {
    this.pausedEarly.delete(keyOf(tp));
    const s = this.states.get(keyOf(tp));
    if (!s?.paused) return;
    s.paused = false;
    if (s.buffered && !s.busy) this.ready.add(s);
    this.drain();
    this.wake();
  }

  stop(): void {
    if (!this.stopped) this.pool.close().catch(() => undefined);
    this.stopped = true;
    this.retryTimer?.cancel();
    this.awaitingRetry.clear();
    this.retrying.clear();
    this.report.stop();
    this.states.clear();
    this.ready.clear();
  }

  /** Starts what can start: offset lookups, fetches for idle brokers. Re-entrant calls coalesce. */
  wake(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    this.pump()
      .catch((error) => this.stopWith(error))
      .finally(() => {
        this.pumping = false;
        // A wake() that came after pump() last looked at `again` must not be lost.
        if (this.again) this.wake();
      });
  }

  /**
   * Partitions found gone (their topic's metadata lacked them) that `counts` (a later metadata look)
   * has again: their positions are looked up and they are fetched again.
   */
  partitionsBack(counts: ReadonlyMap<string, number>): void {
    let back = false;
    for (const s of this.states.values())
      if (s.gone && s.tp.partition < (counts.get(s.tp.topic) ?? 0)) {
        s.gone = false;
        back = true;
      }
    if (back) this.wake();
  }

  private retryTimer: ReturnType<SetTimer> | undefined;
  /**
   * Partitions looked up or fetched again only after the retry timer, not at each pump, which would ask without
   * pause: those without a start position whose leader was unknown at their last lookup (Java's partitionsToRetry),
   * and those whose last fetch failed without an answer (Java skips a node awaiting its reconnect backoff).
   */
  private readonly awaitingRetry = new Set<PartitionState>();
  /**
   * Partitions whose last try waited for the retry timer (no leader, a fetch without an answer) until one of them
   * succeeds (a start position found, a fetch answered): while any that may still be tried is, the waits keep growing.
   */
  private readonly retrying = new Set<PartitionState>();

  /** Whether a partition still tried (not paused, not gone: those may never be answered) waits for the retry timer. */
  private retryingFetchable(): boolean {
    for (const s of this.retrying) if (!s.paused && !s.gone) return true;
    return false;
  }
  /** Waits in a row for a partition's leader or an answer: they grow, as Java's metadata backoff (KIP-580). */
  private retryWaits = 0;

  /**
   * Fetches again after retry.backoff.ms with fresh metadata; `growing` (a partition waits for a leader or an answer):
   * doubling up to retry.backoff.max.ms.
   */
  private retryLater(growing = false): void {
    if (this.retryTimer) return;
    this.consumer.clearMetadata();
    const { retryBackoffMaxMs } = this.settings;
    const delay = growing
      ? kafkaClientBackoff(this.retryBackoffMs, retryBackoffMaxMs, this.retryWaits++, Math.random)
      : this.retryBackoffMs;
    this.retryTimer = this.setTimer(() => {
      this.retryTimer = undefined;
      this.awaitingRetry.clear();
      this.wake();
    }, delay);
  }

  /** `s`, still assigned, is tried again after the retry timer, its waits growing until it succeeds. */
  private retryAfterBackoff(s: PartitionState): void {
    if (this.states.get(keyOf(s.tp)) !== s) return;
    this.awaitingRetry.add(s);
    this.retrying.add(s);
  }

  private stopWith(error: unknown): void {
    if (this.stopped) return;
    this.stop();
    this.fail(error);
  }

  private async pump(): Promise<void> {
    do {
      this.again = false;
      if (this.stopped || this.failures.failing()) return;
      const unresolved = [...this.states.values()].filter(
        (s) => s.position === null && !s.resolving && !s.gone && !this.awaitingRetry.has(s),
      );
      const onGone = (tps: readonly TopicPartition[]) => this.topicLoss.partitionsGone(tps);
      if (unresolved.length > 0)
        void resolveStartPositions(this.consumer, this.settings, unresolved, this.log, onGone).then(
          // Some wait for a leader: looked up again after a backoff, with fresh metadata, growing until found (other
          // partitions fetched meanwhile do not start it again).
          (leaderless) => {
            if (this.stopped) return;
            this.report.answered(unresolved);
            for (const s of unresolved)
              if (leaderless && s.position === null && !s.gone) this.retryAfterBackoff(s);
              else this.retrying.delete(s);
            if (leaderless) this.retryLater(true);
            this.wake();
          },
          // No answer (the leader or the group's coordinator killed or unreachable while still listed, the coordinator
          // moving): looked up again after the growing backoff, as Java's resetPositionsIfNeeded and its committed
          // offsets' refresh retry; only a failure no retry cures stops the consumer.
          (error) => {
            if (this.stopped) return;
            if (!retriable(error)) return this.stopWith(error);
            this.report.failed(unresolved, error);
            for (const s of unresolved) if (s.position === null && !s.gone) this.retryAfterBackoff(s);
            this.retryLater(true);
          },
        );
      let wanted = [...this.states.values()].filter(
        (s) =>
          s.position !== null &&
          !s.paused &&
          !s.fetching &&
          s.buffered === null &&
          s.failed === undefined &&
          !s.gone &&
          !this.awaitingRetry.has(s),
      );
      if (wanted.length === 0) continue;
      const topics = [...new Set(wanted.map((s) => s.tp.topic))];
      let md: ClusterMetadata;
      try {
        // A topic deleted under the subscription has no metadata: its partitions count as leaderless
        // (asked again after a backoff) while the others are fetched, and the consumer is told
        // (it stops tracking the topic, which the library's fetch would fail on, and rejoins).
        md = await existingTopicsMetadata(this.consumer, { topics });
        this.log.fetchMetadataAnswered();
        const gone = topics.filter((t) => !md.topics.has(t));
        if (gone.length > 0) this.topicLoss.gone(gone);
        // Partitions their topic's metadata lacks (re-created with fewer, or the metadata behind
        // partitions just added) are no longer fetched (`partitionsBack` fetches them again) and
        // the watch looks now: the group's leader rejoins (its counts changed), as Java's leader at
        // its metadata refresh; another member keeps them until that rebalance (emptyparts P2).
        const missing = wanted.filter(
          (s) => s.tp.partition >= (md.topics.get(s.tp.topic)?.partitionsCount ?? Number.POSITIVE_INFINITY),
        );
        for (const s of missing) s.gone = true;
        this.report.answered(missing);
        if (missing.length > 0) this.topicLoss.partitionsGone(missing.map((s) => s.tp));
        wanted = wanted.filter((s) => !s.gone);
      } catch (error) {
        // A broker unreachable for a moment (or every topic deleted): asked again after a backoff,
        // as Java's consumer keeps polling (fetch failures report a lasting outage).
        if (!retriable(error) && !isUnknownTopic(error)) throw error;
        // Unknown: none of them exists any more (a member that fetches only the deleted topic).
        if (this.stopped) return;
        if (isUnknownTopic(error)) this.topicLoss.gone(topics);
        else {
          // The whole cluster down: no fetch is sent, so this is all there is to log and report.
          this.log.fetchMetadataFailed(errorText(error));
          this.report.failed(wanted, error);
        }
        this.retryLater();
        return;
      }
      if (this.stopped) return;
      const byNode = new Map<number, PartitionState[]>();
      // No leader yet (a new topic, an election): metadata is asked again after a backoff, growing while any partition
      // waits (for a leader, its start position's included, or an answer); from retry.backoff.ms again once none does.
      if (groupByLeader(wanted, md, this.nodesFetching, this.states, byNode)) this.retryLater(true);
      else if (!this.retryingFetchable()) this.retryWaits = 0;
      for (let [node, list] of byNode) {
        // Partitions held back in an answer go first, on their own (fetch-round.ts: no starvation).
        if (list.some((s) => s.heldBack)) list = list.filter((s) => s.heldBack);
        const ids = new Map<string, string>();
        for (const s of list) ids.set(s.tp.topic, md.topics.get(s.tp.topic)!.id);
        void this.fetchFrom(node, list, ids).catch((error) => this.stopWith(error));
      }
    } while (this.again && !this.stopped);
  }

  private async fetchFrom(node: number, list: PartitionState[], idOf: Map<string, string>): Promise<void> {
    const requested: Requested[] = list.map((s) => ({ s, epoch: s.epoch, from: s.position! }));
    const topics = fetchRequestTopics(requested, idOf, this.settings.maxBytesPerPartition);
    // Held back again, a partition is marked again by this answer (fetch-round.ts).
    for (const s of list) [s.fetching, s.heldBack] = [true, false];
    this.nodesFetching.add(node);
    const fetch = this.report.began(list);
    let response: FetchResponse | undefined;
    let failure: unknown;
    try {
      response = await this.consumer.fetch({
        node,
        topics,
        maxWaitTime: this.settings.maxWaitMs,
        minBytes: this.settings.minBytes,
        maxBytes: this.settings.maxBytes,
        isolationLevel: this.settings.readUncommitted ? 0 : 1,
        connectionPool: this.pool.route(node, fetch),
      });
    } catch (error) {
      response = responseIn(error);
      failure = error;
    } finally {
      this.report.settled(fetch);
      this.pool.settled(node, fetch);
      this.nodesFetching.delete(node);
      for (const s of list) s.fetching = false;
    }
    if (this.stopped) return;
    if (!response && isUnknownTopic(failure))
      // The library's fetch asks the metadata of every tracked topic: one deleted that this member
      // fetches none of fails it (unknown-topic-recovery.ts).
      return void this.topicLoss.unknown(failure).then(
        (recovered) => (recovered ? this.retryLater() : this.stopWith(failure)),
        (error) => this.stopWith(error),
      );
    // No answer (a broker stopped or unreachable, still listed as leader or not; leadership moved, the library's
    // fetch then asking the request's node, gone from its metadata): as Java's poll, which never fails on those, the
    // consumer stays in its group; the partitions are fetched again after a backoff (growing while they get no
    // answer, so a broker refusing connections at once is not asked without pause) with fresh metadata, from their
    // leader then, while the others are fetched.
    if (!response && retriable(failure)) {
      this.log.fetchFailed(node, errorText(failure));
      this.report.failed(list, failure);
      for (const s of list) this.retryAfterBackoff(s);
      return this.retryLater(true);
    }
    if (!response) return this.stopWith(failure);
    this.log.fetchAnswered(node);
    this.report.answered(list);
    for (const s of list) this.retrying.delete(s);
    const outcome = applyFetchResponse(response, requested, idOf, this.states, failure, {
      log: this.log,
      metadata: this.consumer.currentMetadata,
    });
    for (const s of outcome.ready) this.ready.add(s);
    // What failed is raised at its turn (drain), after the batches ready before it, as Java's poll.
    this.failures.answered(requested, this.states, outcome.error);
    this.drain();
    if (outcome.stalled) this.retryLater();
    else this.wake();
  }

  /** Hands buffered batches to the handler while the concurrency bound allows; then a pending failure. */
  private drain(): void {
    for (const s of this.ready) {
      if (this.active >= PARTITIONS_CONSUMED_CONCURRENTLY || this.stopped) return;
      this.ready.delete(s);
      const records = s.buffered;
      if (!records || s.busy || s.paused) continue;
      s.buffered = null;
      s.busy = true;
      this.active++;
      this.handlers.onRecords(records, NO_HEARTBEAT).then(
        () => {
          this.active--;
          s.busy = false;
          if (s.buffered && !s.paused && this.states.get(keyOf(s.tp)) === s) this.ready.add(s);
          this.drain();
          this.wake();
        },
        (error) => {
          this.active--;
          s.busy = false;
          this.stopWith(error);
        },
      );
    }
    const failure = this.ready.size === 0 && this.active === 0 ? this.failures.failing() : undefined;
    if (failure) this.stopWith(failure.error);
  }
}
