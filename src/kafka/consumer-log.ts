/**
 * What a consumer adapter writes to the log about its group membership and its positions, in the
 * words, levels and logger names of Java's consumer (which Connect's sink tasks log through): each
 * JoinGroup (and the rejoin a MEMBER_ID_REQUIRED answer asks for), each completed join and sync,
 * the partitions added, revoked (none: an eager rejoin still says so) or lost, where each new
 * partition starts (its committed offset, or the reset policy's end of the log), a position out of
 * range, a seek, a Fetch that got no answer (fetched again after a backoff) or that a broker holds unanswered (a
 * WARN), the LeaveGroup of a close and the generation it resets. Never per record or per answered fetch. Fetches
 * without an answer (and the metadata looks they wait on) are thinned per broker as FailureLogBudget says (the first
 * five, then one a minute with the count left out), so a broker down for an hour is still told of, not once only nor
 * at every retry; the broker's first answer after them is logged once.
 *
 * Every line carries the task's context (`[name|task-0]`, ConsumerOptions' `logContext`) and, as
 * Java's LogContext adds it, `[Consumer clientId=…, groupId=…]`; ConsumerUtils' line has no such
 * prefix in Java (a static logger), nor here. Called by the platformatic adapter's consumer,
 * partition fetcher and position look-ups.
 */
import { type TopicPartition, topicPartitionKey } from "../api/record.ts";
import { type Clock, monotonicNow, systemClock } from "../util/clock.ts";
import { FailureLogBudget, notLoggedNote } from "../util/failure-log-budget.ts";
import type { Logger, LogManager } from "../util/logger.ts";

const INTERNALS = "org.apache.kafka.clients.consumer.internals";
/** A broker (or the fetches' metadata look) without a failure for this long is no longer in an outage. */
const OUTAGE_OVER_AFTER_MS = 60_000;

/** Where a broker listens, as the consumer's metadata has it. */
export interface BrokerAddress {
  readonly host: string;
  readonly port: number;
  readonly rack?: string | null;
}

/** A partition's leader when a position was set, as far as the consumer's metadata knows it. */
export interface PartitionLeader {
  readonly id: number;
  readonly node: BrokerAddress | undefined;
  /** -1 or less: unknown. */
  readonly epoch: number;
}

/** Java's Node.toString. */
function nodeString(id: number, n: BrokerAddress): string {
  return `${n.host}:${n.port} (id: ${id} rack: ${n.rack ?? null} isFenced: false)`;
}

/**
 * Java's SubscriptionState.FetchPosition. The offset's own leader epoch is never known here (the
 * gateway commits without one, and the library's offset look-ups do not return it): Optional.empty.
 */
export function fetchPositionString(offset: bigint | number, leader?: PartitionLeader): string {
  const node = leader?.node ? `Optional[${nodeString(leader.id, leader.node)}]` : "Optional.empty";
  const epoch = leader && leader.epoch >= 0 ? String(leader.epoch) : "absent";
  return `FetchPosition{offset=${offset}, offsetEpoch=Optional.empty, currentLeader=LeaderAndEpoch{leader=${node}, epoch=${epoch}}}`;
}

/** Java's AbstractCoordinator.Generation.toString. */
function generationString(generationId: number, memberId: string, protocol: string): string {
  return `Generation{generationId=${generationId}, memberId='${memberId}', protocol='${protocol}'}`;
}

/** Partitions sorted by topic, then partition (Java's SortedSet), joined with ", ". */
function partitionList(partitions: readonly TopicPartition[]): string {
  return [...partitions]
    .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
    .map(topicPartitionKey)
    .join(", ");
}

export interface ConsumerIdentity {
  readonly clientId: string;
  readonly groupId: string;
  /** group.instance.id, for a static member. */
  readonly groupInstanceId?: string | null;
  /** The task's context, e.g. `[my-sink|task-0]`. */
  readonly logContext?: string;
}

/** Java's reasons for a LeaveGroup (maybeLeaveGroup's): a close, or poll() not called within max.poll.interval.ms. */
const LEAVE_REASONS = {
  closing: "the consumer is being closed",
  pollTimeout: "consumer poll timeout has expired.",
} as const;
export type LeaveReason = keyof typeof LEAVE_REASONS;

export class ConsumerLog {
  private readonly coordinator: Logger;
  private readonly invoker: Logger;
  private readonly subscriptions: Logger;
  private readonly fetchCollector: Logger;
  private readonly kafkaConsumer: Logger;
  private readonly fetchSession: Logger;
  private readonly utils: Logger;
  /** Partitions warned about as unknown since their assignment (a deleted topic would warn at every fetch). */
  private readonly unknown = new Set<string>();
  /** The last JoinGroup (`joining`) went without a member id. */
  private joinedWithoutId = false;
  /** Per broker (`node N`), or the fetches' metadata look: its failures logged since it last answered, and the last's time. */
  private readonly unanswered = new Map<string, { readonly budget: FailureLogBudget; lastFailedAt: number }>();
  /** The fetches' metadata look without an answer: no Java line says it (the node asked is not known here). */
  private readonly fetchMetadata: Logger;

  constructor(
    logs: LogManager,
    id: ConsumerIdentity,
    private readonly clock: Clock = systemClock,
  ) {
    const task = id.logContext ? `${id.logContext} ` : "";
    const instance = id.groupInstanceId ? `instanceId=${id.groupInstanceId}, ` : "";
    const context = `${task}[Consumer ${instance}clientId=${id.clientId}, groupId=${id.groupId}]`;
    const get = (name: string, ctx = context) => {
      const logger = logs.get(name);
      return ctx === "" ? logger : logger.withContext(ctx);
    };
    this.coordinator = get(`${INTERNALS}.ConsumerCoordinator`);
    this.invoker = get(`${INTERNALS}.ConsumerRebalanceListenerInvoker`);
    this.subscriptions = get(`${INTERNALS}.SubscriptionState`);
    this.fetchCollector = get(`${INTERNALS}.FetchCollector`);
    this.kafkaConsumer = get(`${INTERNALS}.ClassicKafkaConsumer`);
    this.fetchSession = get("org.apache.kafka.clients.FetchSessionHandler");
    this.fetchMetadata = get("io.edgegateway.kafka.FetchMetadata");
    this.utils = get(`${INTERNALS}.ConsumerUtils`, task.trimEnd());
  }

  /**
   * Before each JoinGroup the member sends, with the member id it sends (when the adapter sees it):
   * one sent after a JoinGroup without an id got its id from that JoinGroup's MEMBER_ID_REQUIRED.
   */
  joining(memberId?: string | null): void {
    if (memberId !== undefined) {
      if (this.joinedWithoutId && memberId) this.memberIdGiven(memberId);
      this.joinedWithoutId = !memberId;
    }
    this.coordinator.info("(Re-)joining group");
  }

  /**
   * Before a JoinGroup, what the member owned is given up: revoked when it rejoins in order (Java's
   * eager rejoin says so even for no partition), else lost (its membership is gone: nothing said for none).
   */
  givingUp(owned: readonly TopicPartition[], orderly: boolean): void {
    if (orderly) this.revoked(owned);
    else if (owned.length > 0) this.lost(owned, true);
  }

  joined(generationId: number, memberId: string, protocol: string): void {
    // Joined without MEMBER_ID_REQUIRED (a static member's first JoinGroup gets its id so): the next
    // JoinGroup carries that id without having been asked to.
    this.joinedWithoutId = false;
    this.coordinator.info(
      `Successfully joined group with generation ${generationString(generationId, memberId, protocol)}`,
    );
  }

  /** The SyncGroup answered: the member has its assignment of the generation it joined. */
  synced(generationId: number, memberId: string, protocol: string): void {
    this.coordinator.info(
      `Successfully synced group in generation ${generationString(generationId, memberId, protocol)}`,
    );
  }

  /**
   * A join refused because the group coordinator is not ready (`reason`: COORDINATOR_LOAD_IN_PROGRESS,
   * ...) is made again (coordinator-wait-policy.ts); `note` tells of the lines left out.
   */
  coordinatorNotReady(reason: string, pauseMs: number, timeoutMs: number, note: string): void {
    this.coordinator.warn(
      `Group coordinator not ready (${reason}): joining again every ${pauseMs} ms, for up to ${timeoutMs} ms from the join's start${note}`,
    );
  }

  /** Java's heartbeat thread's WARN when poll() was not called within max.poll.interval.ms: the member leaves its group. */
  pollTimeout(): void {
    this.coordinator.warn(
      "consumer poll timeout has expired. This means the time between subsequent calls to poll() was longer than the configured max.poll.interval.ms, which typically implies that the poll loop is spending too much time processing messages. You can address this either by increasing max.poll.interval.ms or by reducing the maximum size of batches returned in poll() with max.poll.records.",
    );
  }

  /** The coordinator answered FENCED_INSTANCE_ID: another process joined with this group.instance.id (fatal). */
  fenced(): void {
    this.coordinator.error("Received fatal exception: group.instance.id gets fenced");
  }

  /** A first JoinGroup was answered MEMBER_ID_REQUIRED (KIP-394): the member joins again with this id. */
  private memberIdGiven(memberId: string): void {
    this.coordinator.info(`Request joining group due to: need to re-join with the given member-id: ${memberId}`);
  }

  assigned(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.unknown.delete(topicPartitionKey(tp));
    this.invoker.info(`Adding newly assigned partitions: ${partitionList(partitions)}`);
  }

  revoked(partitions: readonly TopicPartition[]): void {
    this.invoker.info(`Revoke previously assigned partitions ${partitionList(partitions)}`);
  }

  /** Partitions given up because the membership was gone (not revoked in order). */
  lost(partitions: readonly TopicPartition[], membershipGone: boolean): void {
    if (membershipGone)
      this.coordinator.info(
        "Giving away all assigned partitions as lost since generation/memberID has been reset,indicating that consumer is in old state or no longer part of the group",
      );
    this.invoker.info(`Lost previously assigned partitions ${partitionList(partitions)}`);
  }

  committedPosition(tp: TopicPartition, offset: bigint, leader?: PartitionLeader): void {
    this.utils.info(
      `Setting offset for partition ${topicPartitionKey(tp)} to the committed offset ${fetchPositionString(offset, leader)}`,
    );
  }

  noCommittedOffset(tp: TopicPartition): void {
    this.coordinator.info(`Found no committed offset for partition ${topicPartitionKey(tp)}`);
  }

  /** The reset policy (auto.offset.reset) set the partition's position. */
  resetPosition(tp: TopicPartition, offset: bigint, leader?: PartitionLeader): void {
    this.subscriptions.info(
      `Resetting offset for partition ${topicPartitionKey(tp)} to position ${fetchPositionString(offset, leader)}.`,
    );
  }

  outOfRange(tp: TopicPartition, offset: bigint, leader?: PartitionLeader): void {
    this.fetchCollector.info(
      `Fetch position ${fetchPositionString(offset, leader)} is out of range for partition ${topicPartitionKey(tp)}, resetting offset`,
    );
  }

  /**
   * Topics of the subscription the cluster does not have (deleted; auto-creation off): consumed
   * without them until they exist again, as Java's consumer warns of a topic missing from its metadata.
   */
  missingTopics(topics: readonly string[]): void {
    this.subscriptions.warn(
      `Topics ${topics.join(", ")} of the subscription do not exist: consuming the others until they do`,
    );
  }

  /**
   * A join's assignment has a partition (`outside`) of a topic the subscription does not have: the
   * member takes none of it and rejoins (Java's SubscriptionState line, then its coordinator's).
   * `subscription` is the topics, or the Java pattern as the user wrote it.
   */
  assignmentNotSubscribed(
    outside: TopicPartition,
    assigned: readonly TopicPartition[],
    subscription: readonly string[] | string,
  ): void {
    const pattern = typeof subscription === "string" ? subscription : undefined;
    const topics = typeof subscription === "string" ? [] : subscription;
    this.subscriptions.info(
      pattern === undefined
        ? `Assigned partition ${topicPartitionKey(outside)} for non-subscribed topic; subscription is [${topics.join(", ")}]`
        : `Assigned partition ${topicPartitionKey(outside)} for non-subscribed topic regex pattern; subscription pattern is ${pattern}`,
    );
    this.coordinator.info(
      `Request joining group due to: received assignment [${assigned.map(topicPartitionKey).join(", ")}] does not match the current subscription Subscribe(${pattern ?? topics.join(",")}); it is likely that the subscription has changed since we joined the group, will re-join with current subscription`,
    );
  }

  /** Once per partition and assignment: the fetcher asks again after every backoff. */
  unknownPartition(tp: TopicPartition): void {
    if (this.unknown.has(topicPartitionKey(tp))) return;
    this.unknown.add(topicPartitionKey(tp));
    this.fetchCollector.warn(
      `Received unknown topic or partition error in fetch for partition ${topicPartitionKey(tp)}`,
    );
  }

  /** A Fetch got no answer (`error`: why): its partitions are fetched again after a backoff. */
  fetchFailed(node: number, error: string): void {
    this.unansweredLine(
      `node ${node}`,
      this.fetchSession,
      (note) => `Error sending fetch request to node ${node}: ${error}${note}`,
    );
  }

  /**
   * A Fetch `node` holds without an answer past fetch.max.wait.ms and the retry grace (`text`: the broker and how
   * long): a WARN, within the budget of its fetch failures (a hung broker has no failure until request.timeout.ms).
   */
  fetchUnanswered(node: number, text: string): void {
    this.unansweredLine(`node ${node}`, this.fetchSession, (note) => `${text}${note}`, "warn");
  }

  /** A Fetch to `node` was answered: said once after failures were logged. */
  fetchAnswered(node: number): void {
    // Every answered fetch comes here: nothing to build while no failure waits for its answer.
    if (this.unanswered.size === 0) return;
    this.answeredLine(
      `node ${node}`,
      this.fetchSession,
      (note) => `Fetch request to node ${node} answered again${note}`,
    );
  }

  /** The metadata the fetches need got no answer (no broker reached): nothing is fetched until it does. */
  fetchMetadataFailed(error: string): void {
    this.unansweredLine(
      "metadata",
      this.fetchMetadata,
      (note) => `Error fetching metadata for the fetch requests: ${error}${note}`,
    );
  }

  /** The metadata the fetches need was answered: said once after failures were logged. */
  fetchMetadataAnswered(): void {
    if (this.unanswered.size === 0) return;
    this.answeredLine(
      "metadata",
      this.fetchMetadata,
      (note) => `Metadata for the fetch requests answered again${note}`,
    );
  }

  private unansweredLine(
    key: string,
    logger: Logger,
    line: (note: string) => string,
    level: "info" | "warn" = "info",
  ): void {
    const now = monotonicNow(this.clock);
    const failing = this.unansweredSince(key, now) ?? { budget: new FailureLogBudget(this.clock), lastFailedAt: now };
    failing.lastFailedAt = now;
    this.unanswered.set(key, failing);
    const logged = failing.budget.admit();
    if (logged) logger[level](line(notLoggedNote(logged.unlogged, "request")));
  }

  private answeredLine(key: string, logger: Logger, line: (note: string) => string): void {
    const failing = this.unansweredSince(key, monotonicNow(this.clock));
    this.unanswered.delete(key);
    if (failing) logger.info(line(notLoggedNote(failing.budget.reset(), "request")));
  }

  /**
   * `key`'s failures, unless none came for a minute: its outage is over though no answer said so (the node's partitions
   * moved away, so it was asked no more), and a new one starts afresh, its first failure logged, no answer said hours later.
   */
  private unansweredSince(key: string, now: number) {
    const failing = this.unanswered.get(key);
    return failing && now - failing.lastFailedAt < OUTAGE_OVER_AFTER_MS ? failing : undefined;
  }

  /**
   * DEBUG, once per failure: a partition of a Fetch answer failed its checks; those before it in the
   * answer (its order is the request's, which the client may shuffle) are handed over first.
   */
  invalidBatchAnswered(tp: TopicPartition, before: readonly TopicPartition[]): void {
    this.fetchCollector.debug(
      `Partition ${topicPartitionKey(tp)} failed its checks; answered before it: ${before.map(topicPartitionKey).join(", ")}`,
    );
  }

  seek(tp: TopicPartition, offset: number): void {
    this.kafkaConsumer.info(`Seeking to offset ${offset} for partition ${topicPartitionKey(tp)}`);
  }

  /**
   * The LeaveGroup of a dynamic member with an id (`memberId`; a static one sends none, as in Java) for
   * `reason`, then, sent or not (Java's maybeLeaveGroup), the generation the member forgets.
   */
  leaving(
    reason: LeaveReason,
    memberId: string | null | undefined | false,
    coordinatorId: number | null,
    brokers?: ReadonlyMap<number, BrokerAddress>,
  ): void {
    const coordinator = coordinatorId === null ? undefined : brokers?.get(coordinatorId);
    // Java's coordinator node carries Integer.MAX_VALUE - its broker id.
    const node = coordinator ? ` ${nodeString(2_147_483_647 - coordinatorId!, coordinator)}` : "";
    if (memberId)
      this.coordinator.info(
        `Member ${memberId} sending LeaveGroup request to coordinator${node} due to ${LEAVE_REASONS[reason]}`,
      );
    this.coordinator.info("Resetting generation and member id due to: consumer pro-actively leaving the group");
    this.coordinator.info("Request joining group due to: consumer pro-actively leaving the group");
  }
}
