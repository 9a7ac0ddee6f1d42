/**
 * One Fetch round against one broker, as the PartitionFetcher runs it: the partitions that broker
 * leads (those not fetching already), the request for them, each from its position, and what the
 * answer does to each of them: records buffered for the handler (the position moves past them), a
 * position that fell out of the log marked for the reset policy, a leadership change or a batch
 * that cannot be read yet noted as stalled (fetched again after a backoff with fresh metadata), any
 * other partition error fatal. A position out of range and an unknown partition are logged.
 */
import { type ClusterMetadata, type fetchV17, findErrorBy } from "@platformatic/kafka";
import { invalidBatch } from "../batch-integrity.ts";
import type { ConsumerLog } from "../consumer-log.ts";
import { HELD_BACK } from "./batch-decoding.ts";
import { nextOffset, toConsumedRecords } from "./fetched-records.ts";
import { leaderIn } from "./partition-positions.ts";
import { keyOf, type PartitionState } from "./partition-state.ts";

type FetchRequestTopic = fetchV17.FetchRequestTopic;
export type FetchResponse = fetchV17.FetchResponse;

const OFFSET_OUT_OF_RANGE = 1;
const UNKNOWN_TOPIC_OR_PARTITION = 3;
/**
 * Partition errors a metadata refresh cures: UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE,
 * NOT_LEADER_OR_FOLLOWER, REPLICA_NOT_AVAILABLE, KAFKA_STORAGE_ERROR, FENCED_LEADER_EPOCH,
 * UNKNOWN_LEADER_EPOCH, OFFSET_NOT_AVAILABLE, UNKNOWN_TOPIC_ID (a topic deleted since the metadata
 * the request's topic ids came from: its refresh finds the topic gone).
 */
const RETRIABLE_FETCH_ERRORS: ReadonlySet<number> = new Set([3, 5, 6, 9, 56, 74, 75, 78, 100]);

/** A partition in the round: its state, and its seek epoch and position when the request left. */
export interface Requested {
  readonly s: PartitionState;
  readonly epoch: number;
  readonly from: bigint;
}

/**
 * Adds the partitions of `wanted` to `byNode` by the broker that leads them, leaving out those whose
 * broker is fetched from already and those fetching or no longer in `states`. True when some
 * partition has no leader.
 */
export function groupByLeader(
  wanted: readonly PartitionState[],
  md: ClusterMetadata,
  nodesFetching: ReadonlySet<number>,
  states: ReadonlyMap<string, PartitionState>,
  byNode: Map<number, PartitionState[]>,
): boolean {
  let leaderless = false;
  for (const s of wanted) {
    const leader = md.topics.get(s.tp.topic)?.partitions[s.tp.partition]?.leader ?? -1;
    if (leader < 0) {
      leaderless = true;
      continue;
    }
    if (nodesFetching.has(leader) || s.fetching || states.get(keyOf(s.tp)) !== s) continue;
    const list = byNode.get(leader);
    if (list) list.push(s);
    else byNode.set(leader, [s]);
  }
  return leaderless;
}

/** The request's topics (by topic id) with each partition's position. */
export function fetchRequestTopics(
  requested: readonly Requested[],
  idOf: ReadonlyMap<string, string>,
  partitionMaxBytes: number,
): FetchRequestTopic[] {
  const byTopic = new Map<string, FetchRequestTopic>();
  for (const { s, from } of requested) {
    const topicId = idOf.get(s.tp.topic)!;
    let t = byTopic.get(topicId);
    if (!t) {
      t = { topicId, partitions: [] };
      byTopic.set(topicId, t);
    }
    t.partitions.push({
      partition: s.tp.partition,
      fetchOffset: from,
      partitionMaxBytes,
      currentLeaderEpoch: -1,
      lastFetchedEpoch: -1,
    });
  }
  return [...byTopic.values()];
}

export interface FetchOutcome {
  /** Partitions that got a batch the handler can take now (not busy, not paused). */
  readonly ready: PartitionState[];
  /** Some partition must be fetched again after a backoff, not at once. */
  readonly stalled: boolean;
  /** A partition error the fetcher cannot go on from. */
  readonly error?: unknown;
}

/**
 * The answer a failed Fetch carries: a partition-level error fails the whole response; the other
 * partitions' data is in it.
 */
export function responseIn(error: unknown): FetchResponse | undefined {
  return (findErrorBy(error as Error, "code", "PLT_KFK_RESPONSE") as { response?: FetchResponse } | null)?.response;
}

/**
 * Applies the answer to the partitions still current (in `states`, not sought elsewhere while the
 * request was out). `idOf` gives the topic ids the request used; `failure` is the error the library
 * threw along with the answer, if any.
 */
export function applyFetchResponse(
  response: FetchResponse,
  requested: readonly Requested[],
  idOf: ReadonlyMap<string, string>,
  states: ReadonlyMap<string, PartitionState>,
  failure: unknown,
  logging?: { readonly log: ConsumerLog; readonly metadata: ClusterMetadata | undefined },
): FetchOutcome {
  const nameOf = new Map([...idOf].map(([name, id]) => [id, name]));
  const parts = new Map<string, FetchResponse["responses"][number]["partitions"][number]>();
  for (const t of response.responses) {
    const topic = nameOf.get(t.topicId) ?? t.topicId;
    for (const p of t.partitions) parts.set(keyOf({ topic, partition: p.partitionIndex }), p);
  }
  const ready: PartitionState[] = [];
  let stalled = false;
  for (const { s, epoch, from } of requested) {
    // Revoked, or sought elsewhere, while the fetch was out: its data is stale.
    if (states.get(keyOf(s.tp)) !== s || s.epoch !== epoch || s.position !== from) continue;
    const p = parts.get(keyOf(s.tp));
    if (!p) continue;
    if (p.errorCode === OFFSET_OUT_OF_RANGE) {
      logging?.log.outOfRange(s.tp, from, leaderIn(logging.metadata, s.tp));
      s.position = null;
      s.reset = true;
      continue;
    }
    if (RETRIABLE_FETCH_ERRORS.has(p.errorCode)) {
      if (p.errorCode === UNKNOWN_TOPIC_OR_PARTITION) logging?.log.unknownPartition(s.tp);
      // Leadership moved or metadata is behind (a broker restart): fetched again after a backoff
      // with fresh metadata, as Java's fetcher does, without leaving the group.
      stalled = true;
      continue;
    }
    if (p.errorCode !== 0) {
      const error =
        failure ?? new Error(`Fetching ${s.tp.topic}-${s.tp.partition} failed with Kafka error code ${p.errorCode}`);
      return { ready, stalled, error };
    }
    const all = p.records ?? [];
    const cut = all.findIndex((b) => (b as { invalid?: string }).invalid !== undefined);
    const cause = cut < 0 ? undefined : (all[cut] as { invalid?: string }).invalid!;
    // The batches before the first one that is invalid or held back are delivered; that one is
    // fetched again from the new position: held back (the answer's decompressed-size bound is
    // spent), it is read then; invalid (its CRC-32C or size failed its check, batch-decoding.ts),
    // it fails the consumer then, as Java's consumer returns the records before a corrupt batch and
    // raises on the next poll: at its turn (the partitions after it in the answer are fetched again),
    // or, paused, once resumed (the others are read meanwhile), as Java's FetchCollector.
    const batches = cut < 0 ? all : all.slice(0, cut);
    const next = nextOffset(batches);
    if (cause !== undefined && cause !== HELD_BACK && (next === null || next <= from)) {
      s.failed = invalidBatch(s.tp, all[cut]!.firstOffset, cause);
      if (s.paused) continue;
      return { ready, stalled };
    }
    // Held back at its first batch: a fetch session serves its partitions in the same order, so
    // the ones before it could hold it back answer after answer; it is fetched next on its own.
    if (cut === 0) {
      s.heldBack = true;
      continue;
    }
    if (next === null || next <= from) {
      // Data below the position only (or everything filtered, e.g. aborted batches cut off
      // before their marker): asking again at once would spin on the same answer.
      if (p.highWatermark > from) stalled = true;
      continue;
    }
    s.position = next;
    const records = toConsumedRecords(s.tp, batches, from, p.abortedTransactions);
    if (records.length === 0) continue;
    s.buffered = records;
    if (!s.busy && !s.paused) ready.push(s);
  }
  return { ready, stalled };
}
