/**
 * The admin side of the @platformatic/kafka adapter: cluster id, topics, consumer-group members
 * (described, and removed as group-entry.ts fences them) and consumer-group offsets. The library's
 * alterConsumerGroupOffsets sends OffsetCommit with generation -1 and no member id (what Java's
 * alterConsumerGroupOffsets sends), so the broker refuses it while the group has members;
 * deleteConsumerGroupOffsets is OffsetDelete (KIP-496), deleteGroups DeleteGroups.
 * The calls on a group's offsets (a sink connector's offsets read, altered and reset over REST) are made
 * again while their coordinator is not reached or not ready, as Java's admin client retries them until
 * default.api.timeout.ms: the library gives up after 4 quick tries, so a broker of three killed answered
 * 500 until the group's coordinator had moved. Each try finds the coordinator again (the library asks
 * FindCoordinator per call). A REST request's calls share its deadline (REST_REQUEST_TIMEOUT_MS) instead, as
 * Connect's Worker gives them; so does connecting the client for such a request (connectPlatformaticAdmin), which
 * Java's admin does within its first call.
 */
import { Admin, findErrorBy } from "@platformatic/kafka";
import type { TopicPartition } from "../../api/record.ts";
import { RetriableError } from "../../errors.ts";
import { ABORTED, abortable, within } from "../../util/async.ts";
import { kafkaClientBackoff, retry } from "../../util/backoff.ts";
import { type Clock, systemClock } from "../../util/clock.ts";
import { CLIENT_RETRIES, connectionSettings } from "../client-config.ts";
import { DEFAULT_API_TIMEOUT_MS } from "../client-retry.ts";
import { exactOffset, type GroupOffset } from "../group-offset.ts";
import type {
  CallBound,
  ClientProperties,
  DescribedMember,
  KafkaAdmin,
  TopicDescription,
  TopicSpec,
} from "../kafka-port.ts";
import { baseOptions } from "./client-options.ts";
import { coordinatorUnavailable, isUnknownTopic, kafkaNotReached, rebalanceInProgress, wrap } from "./errors.ts";
import { libraryGroup } from "./group-entry.ts";

function byTopic<T extends TopicPartition>(items: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const list = out.get(item.topic);
    if (list) list.push(item);
    else out.set(item.topic, [item]);
  }
  return out;
}

/** How a group coordinator's call is made again: Java's admin client's backoff (KIP-580) and default.api.timeout.ms. */
export interface CoordinatorRetry {
  /** retry.backoff.ms: the first wait. */
  readonly backoffMs: number;
  /** retry.backoff.max.ms: the longest wait. */
  readonly backoffMaxMs: number;
  /** How long the call is made again from its first try, when no deadline bounds it. */
  readonly timeoutMs: number;
  /** request.timeout.ms: how long one try may take. */
  readonly requestTimeoutMs: number;
  readonly clock?: Clock;
}

/**
 * What a call does on the broker, which decides how its tries are bounded by a request's deadline. Java's admin
 * bounds each try by min(request.timeout.ms, time left); the library bounds it by its request.timeout.ms only.
 * - "read" (connecting the client, listing a group's offsets) changes nothing: a try starts whenever time is left and
 *   is given up (left to end unawaited) when the deadline passes, as Java's.
 * - "change" (an alter or delete): a try given up at the deadline could still apply after the request answered 500,
 *   so none starts once less than request.timeout.ms is left; the last one ends by the deadline.
 */
type CallKind = "read" | "change";

/**
 * `call` made again while `retried` says so of its failure, as Java's admin client makes a call again until its
 * deadline, until `bound`'s signal aborts (the try under way then is left to end unawaited), within
 * default.api.timeout.ms or, given, the time `bound` has left, each try bounded as its `kind` says.
 */
function retriedWithin<T>(
  call: () => Promise<T>,
  r: CoordinatorRetry,
  bound: CallBound | undefined,
  retried: (error: unknown) => boolean,
  kind: CallKind,
): Promise<T> {
  const left = bound?.remainingMs?.();
  const reserveMs = kind === "change" ? r.requestTimeoutMs : 0;
  const timeoutMs = left === undefined ? r.timeoutMs : left - reserveMs;
  if (kind === "change" && timeoutMs < 0)
    return Promise.reject(
      new RetriableError(
        `The request's time left is less than request.timeout.ms (${r.requestTimeoutMs} ms): the call is not made`,
      ),
    );
  if (left !== undefined && left <= 0) return Promise.reject(deadlinePassed());
  const signal = bound?.signal;
  const remainingMs = kind === "read" ? bound?.remainingMs?.bind(bound) : undefined;
  let last: unknown;
  const tried = async () => {
    try {
      return await boundedTry(call, remainingMs, last, signal, r.clock ?? systemClock);
    } catch (error) {
      last = error;
      throw error;
    }
  };
  return retry(tried, {
    signal,
    policy: (attempt) => kafkaClientBackoff(r.backoffMs, r.backoffMaxMs, attempt, Math.random),
    maxAttempts: bound?.oneTry ? 1 : Number.POSITIVE_INFINITY,
    timeoutMs,
    clock: r.clock,
    classify: (error) => ({ retriable: retried(error) }),
  });
}

function deadlinePassed(): RetriableError {
  return new RetriableError("The request's deadline has passed: the call is not made");
}

/**
 * One try of `call`: given up (left to end unawaited) when `signal` aborts (a stop: one try may take
 * request.timeout.ms) or, given `remainingMs`, when the time left runs out; none starts with no time left (the
 * previous try's failure, `last`, is the call's).
 */
async function boundedTry<T>(
  call: () => Promise<T>,
  remainingMs: (() => number) | undefined,
  last: unknown,
  signal: AbortSignal | undefined,
  clock: Clock,
): Promise<T> {
  const ms = remainingMs?.();
  if (ms !== undefined && ms <= 0) throw last ?? deadlinePassed();
  const answered = call().then((value) => ({ value }));
  const timed = ms === undefined ? answered : within(answered, ms, clock);
  const answer = signal ? await abortable(timed, signal) : await timed;
  if (answer === ABORTED) throw new RetriableError("The call was given up: the gateway stops");
  if (answer === undefined)
    throw new RetriableError(`The call did not answer within the request's time left (${ms} ms)`);
  return answer.value;
}

export class PlatformaticAdmin implements KafkaAdmin {
  constructor(
    private readonly admin: Admin,
    private readonly coordinatorRetry: CoordinatorRetry,
  ) {}

  /** `call` made again while its group coordinator is not reached or not ready (coordinatorUnavailable): retriedWithin. */
  private withCoordinator<T>(
    call: () => Promise<T>,
    bound: CallBound | undefined,
    kind: CallKind,
    alsoRetried: (error: unknown) => boolean = () => false,
  ): Promise<T> {
    return retriedWithin(
      call,
      this.coordinatorRetry,
      bound,
      (error) => coordinatorUnavailable(error) || alsoRetried(error),
      kind,
    );
  }

  async clusterId(): Promise<string> {
    try {
      return (await this.admin.metadata({ topics: [], forceUpdate: true })).id;
    } catch (error) {
      throw wrap(error, "Failed to describe the Kafka cluster");
    }
  }

  async createTopic(spec: TopicSpec): Promise<boolean> {
    try {
      await this.admin.createTopics({
        topics: [spec.topic],
        // -1: the broker's num.partitions / default.replication.factor (CreateTopics v4+).
        partitions: spec.partitions,
        replicas: spec.replicationFactor,
        configs: Object.entries(spec.configs ?? {}).map(([name, value]) => ({ name, value })),
      });
    } catch (error) {
      if (findErrorBy(error as Error, "apiId", "TOPIC_ALREADY_EXISTS")) return false;
      throw wrap(error, `Failed to create topic ${spec.topic}`);
    }
    await this.awaitLeaders(spec.topic);
    return true;
  }

  /**
   * Until every partition of a new topic has a leader that serves it. Metadata names a leader
   * before that broker has made the partition's log: until then it refuses a Produce with
   * NOT_LEADER_OR_FOLLOWER (most first sends to a new topic were refused so, and retried with a
   * warning). ListOffsets, answered by the leader only, succeeds once every partition is served.
   */
  private async awaitLeaders(topic: string): Promise<void> {
    const notReady = new RetriableError(`Topic ${topic} has no leaders yet`);
    try {
      await retry(
        async () => {
          let ready = false;
          try {
            const md = await this.admin.metadata({ topics: [topic], forceUpdate: true });
            const t = md.topics.get(topic);
            ready = t !== undefined && t.partitionsCount > 0 && t.partitions.every((p) => p.leader >= 0);
            const partitions = t?.partitions.map((_, partitionIndex) => ({ partitionIndex, timestamp: -1n })) ?? [];
            if (ready) await this.admin.listOffsets({ topics: [{ name: topic, partitions }] });
          } catch {
            ready = false;
          }
          if (!ready) throw notReady;
        },
        {
          policy: { initialMs: 50, maxMs: 200, jitter: 0 },
          maxAttempts: 100,
          classify: (error) => ({ retriable: error === notReady }),
        },
      );
    } catch (error) {
      throw wrap(error, `Failed to create topic ${topic}`);
    }
  }

  async describeTopics(
    topics: readonly string[],
    options?: { allowAutoTopicCreation?: boolean },
  ): Promise<TopicDescription[]> {
    try {
      const autocreateTopics = options?.allowAutoTopicCreation === true;
      const md = await this.admin.metadata({ topics: [...topics], forceUpdate: true, autocreateTopics });
      return topics.map((topic) => ({ topic, partitions: md.topics.get(topic)?.partitionsCount ?? 0 }));
    } catch (error) {
      // A topic the broker does not know fails the whole request: it has 0 partitions, the others are asked alone.
      if (isUnknownTopic(error))
        return topics.length === 1
          ? [{ topic: topics[0]!, partitions: 0 }]
          : (await Promise.all(topics.map((t) => this.describeTopics([t], options)))).flat();
      throw wrap(error, "Failed to describe topics");
    }
  }

  async listTopics(): Promise<string[]> {
    try {
      return await this.admin.listTopics();
    } catch (error) {
      throw wrap(error, "Failed to list topics");
    }
  }

  async groupOffsets(groupId: string, bound?: CallBound): Promise<GroupOffset[]> {
    try {
      const groups = await this.withCoordinator(
        () => this.admin.listConsumerGroupOffsets({ groups: [groupId] }),
        bound,
        "read",
      );
      return groups.flatMap((g) =>
        g.topics.flatMap((t) =>
          t.partitions
            .filter((p) => p.committedOffset >= 0n)
            .map((p) => ({ topic: t.name, partition: p.partitionIndex, offset: exactOffset(p.committedOffset) })),
        ),
      );
    } catch (error) {
      throw wrap(error, `Failed to fetch the committed offsets of consumer group ${groupId}`);
    }
  }

  async alterGroupOffsets(groupId: string, offsets: readonly GroupOffset[], bound?: CallBound): Promise<void> {
    if (offsets.length === 0) return;
    try {
      const topics = [...byTopic(offsets)].map(([name, ps]) => ({
        name,
        partitionOffsets: ps.map((p) => ({ partition: p.partition, offset: BigInt(p.offset) })),
      }));
      // A rebalancing group's too, for the alter, as Java's AlterConsumerGroupOffsetsHandler.
      await this.withCoordinator(
        () => this.admin.alterConsumerGroupOffsets({ groupId, topics }),
        bound,
        "change",
        rebalanceInProgress,
      );
    } catch (error) {
      throw wrap(error, `Failed to alter the offsets of consumer group ${groupId}`);
    }
  }

  async deleteGroupOffsets(groupId: string, partitions: readonly TopicPartition[], bound?: CallBound): Promise<void> {
    if (partitions.length === 0) return;
    try {
      const topics = [...byTopic(partitions)].map(([name, ps]) => ({
        name,
        partitionIndexes: ps.map((p) => p.partition),
      }));
      await this.withCoordinator(() => this.admin.deleteConsumerGroupOffsets({ groupId, topics }), bound, "change");
    } catch (error) {
      throw wrap(error, `Failed to delete the offsets of consumer group ${groupId}`);
    }
  }

  async deleteGroup(groupId: string, bound?: CallBound): Promise<void> {
    try {
      await this.withCoordinator(() => this.admin.deleteGroups({ groups: [groupId] }), bound, "change");
    } catch (error) {
      throw wrap(error, `Failed to delete consumer group ${groupId}`);
    }
  }

  async groupMembers(groupId: string): Promise<DescribedMember[]> {
    try {
      return [...(await libraryGroup(this.admin, groupId, ORPHAN_REASON).members())];
    } catch (error) {
      throw wrap(error, `Failed to describe consumer group ${groupId}`);
    }
  }

  async removeGroupMembers(groupId: string, memberIds: readonly string[]): Promise<void> {
    if (memberIds.length === 0) return;
    try {
      await libraryGroup(this.admin, groupId, ORPHAN_REASON).remove(memberIds);
    } catch (error) {
      throw wrap(error, `Failed to remove members from consumer group ${groupId}`);
    }
  }

  async close(): Promise<void> {
    await this.admin.close();
  }
}

/** Why the worker removes a member (KIP-800's reason): a dead consumer of a task that no longer runs. */
const ORPHAN_REASON = "its task no longer runs";

/**
 * A connected admin client from Kafka client properties. Given `bound` (a REST request's offsets read or change), the
 * connection is tried again while Kafka is not reached, as Java's admin client, which connects on its first call,
 * tries that call until its deadline: the library's 4 quick tries (about 1.5 s) answered 500 while a broker was down.
 * Without, one try (the library's 4), as before for the worker's other uses; given `bound.oneTry`, one try (the library's
 * client makes no retries; the admin settings' `retries` has no effect on admin clients) that its signal ends early (the
 * client closed).
 */
export async function connectPlatformaticAdmin(properties: ClientProperties, bound?: CallBound): Promise<KafkaAdmin> {
  const settings = connectionSettings(properties);
  const admin = new Admin({ ...baseOptions(settings), retries: bound?.oneTry ? 0 : CLIENT_RETRIES });
  const retrying: CoordinatorRetry = {
    backoffMs: settings.retryBackoffMs,
    backoffMaxMs: settings.retryBackoffMaxMs,
    timeoutMs: DEFAULT_API_TIMEOUT_MS,
    requestTimeoutMs: settings.requestTimeoutMs,
  };
  // Connects and authenticates now, as kafkajs' admin connect() does.
  const connect = () => admin.metadata({ topics: [] });
  try {
    await (bound ? retriedWithin(connect, retrying, bound, kafkaNotReached, "read") : connect());
  } catch (error) {
    await admin.close().catch(() => undefined);
    throw wrap(error, "Failed to connect the admin client");
  }
  return new PlatformaticAdmin(admin, retrying);
}
