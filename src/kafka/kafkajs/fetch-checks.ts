/**
 * The batches of a kafkajs consumer's Fetch answers checked before kafkajs reads them
 * (batch-integrity.ts). kafkajs reads no CRC and decompresses every batch while it decodes an
 * answer, so each Fetch answer of the consumer's brokers is scanned first (`checkFetchAnswer`: each
 * whole v2 batch's CRC-32C and each uncompressed v0/v1 message's CRC-32, when `check.crcs` is true), and decoded with the consumer's bound on
 * decompressed size, per batch and per answer (decompression-budget.ts), in the async context its
 * codecs read (codecs.ts `decompressionBound`), where the messages of a compressed v0/v1 wrapper have
 * their CRC-32s checked once decompressed (`check.crcs`).
 *
 * A partition whose first batch fails them fails the consumer at its turn, as Java's FetchCollector
 * raises only when it reaches that partition: the partitions before it in the answer are read (and
 * handed to the handler), it and those after it are not (left unread as batches cut short), and the
 * failure is raised before the next Fetch that asks the partition at the same offset (withFetchChecks).
 * The answer's layout: fetch-answer-layout.ts.
 */
import type { Kafka } from "kafkajs";
import type { TopicPartition } from "../../api/record.ts";
import { KafkaError } from "../../errors.ts";
import {
  type BatchChecks,
  corruption,
  invalidBatch,
  invalidRecord,
  legacyCorruption,
  undersized,
  wrappedCorruption,
} from "../batch-integrity.ts";
import { DecompressionBudget } from "../decompression-budget.ts";
import { type AnswerDecoding, decompressionBound } from "./codecs.ts";
import {
  answeredBefore,
  BATCH_HEAD,
  batchAt,
  cutShort,
  markCutShort,
  partitionRecords,
  wrappedValueAt,
} from "./fetch-answer-layout.ts";
import { sendRequestKey, withBrokerHook } from "./protocol.ts";

const FETCH = 1;

/** A compressed v0/v1 wrapper of a Fetch answer: its partition, offset, magic, whether it comes first there. */
interface Wrapper {
  readonly tp: TopicPartition;
  readonly offset: bigint;
  readonly magic: number;
  readonly first: boolean;
}

/** A partition of a Fetch answer whose first batch failed its checks: Java's error for it. */
export interface PartitionFailure {
  readonly tp: TopicPartition;
  readonly error: KafkaError;
}

/**
 * Java's KafkaException for the first partition whose first batch's CRC-32C does not hold: it and the
 * partitions after it are left unread (cutShort). A later batch of a partition is left unread (marked
 * as cut short), so the batches before it are delivered first. The compressed v0/v1 wrappers go to
 * `wrappers` by where their value starts in `raw`.
 */
export function checkFetchAnswer(
  raw: Buffer,
  version: number,
  wrappers?: Map<number, Wrapper>,
): PartitionFailure | undefined {
  for (const { tp, start, end } of partitionRecords(raw, version)) {
    // The last batch may be cut short by the fetch's byte limits: kafkajs skips it, so does this.
    for (let at = start; at + BATCH_HEAD <= end; ) {
      const length = raw.readInt32BE(at + 8);
      const next = at + BATCH_HEAD + length;
      const whole = next > end ? null : raw.subarray(at, next);
      // A damaged length (negative, or under the smallest message) fails with Java's cause.
      const cause = undersized(length) ?? (whole && corruption(whole));
      // A v0/v1 message (kafkajs reads them): its CRC-32, as Java checks each such record.
      const legacy = cause === null && whole ? legacyCorruption(whole) : null;
      if (cause !== null || legacy !== null) {
        if (at === start) {
          const offset = raw.readBigInt64BE(at);
          const error = legacy === null ? invalidBatch(tp, offset, cause!) : invalidRecord(tp, offset, legacy);
          cutShort(raw, version, start);
          return { tp, error };
        }
        // Batches before it: delivered, as Java's consumer returns them before it raises on the
        // next poll. Its length made past the answer's end, kafkajs reads it as a batch cut short
        // (not read), and the consumer fetches it again: the first batch of that answer then.
        markCutShort(raw, at);
        break;
      }
      if (next > end) break;
      const value = wrappers && whole ? wrappedValueAt(whole) : -1;
      if (value >= 0)
        wrappers!.set(at + value, { tp, offset: raw.readBigInt64BE(at), magic: whole![16]!, first: at === start });
      at = next;
    }
  }
  return undefined;
}

/** What kafkajs' decoder makes of a Fetch answer (versions 4-11), as far as it is read here. */
interface DecodedFetch {
  readonly responses: {
    readonly topicName: string;
    readonly partitions: { partition: number; messages: unknown[] }[];
  }[];
}

/** The partition `tp` of a decoded answer and those after it: nothing read (FetchCollector stops there). */
function unread(decoded: DecodedFetch, tp: TopicPartition): void {
  let from = false;
  for (const { topicName, partitions } of decoded.responses)
    for (const p of partitions) {
      from ||= topicName === tp.topic && p.partition === tp.partition;
      if (from) p.messages = [];
    }
}

/**
 * A Fetch answer of `version` checked by `checks` and decoded by `decode` (kafkajs' decoder) within
 * the bound on decompressed size, with the first partition whose first batch failed (`failure`; it
 * and the partitions after it read as empty). A batch over the bound fails as Java words an invalid
 * batch once it is its partition's first: after one, it is left unread (codecs.ts), the batches
 * before it delivered and the other partitions' data read, and the consumer fails when it fetches it
 * again, as Java's consumer returns the records before an invalid batch and raises on the next poll.
 */
export async function decodeFetchAnswer<T>(
  raw: Buffer,
  version: number,
  checks: BatchChecks,
  decode: (raw: Buffer) => Promise<T>,
): Promise<{ decoded: T; failure: PartitionFailure | undefined }> {
  const wrappers = new Map<number, Wrapper>();
  let scanned: PartitionFailure | undefined;
  try {
    if (checks.checkCrcs) scanned = checkFetchAnswer(raw, version, wrappers);
  } catch {
    // An answer this scan cannot walk (a layout it does not know) is left to kafkajs' decoder.
  }
  const at = (records: Buffer) => (records.buffer === raw.buffer ? records.byteOffset - raw.byteOffset : -1);
  /** The first partition (by where in `raw`) whose first batch failed while decoded; before `scanned`'s, cut short. */
  let first: { at: number; failure: PartitionFailure } | undefined;
  const failed = (pos: number, tp: TopicPartition, error: KafkaError) => {
    if (first === undefined || pos < first.at) first = { at: pos, failure: { tp, error } };
  };
  const decoding: AnswerDecoding = {
    budget: new DecompressionBudget(checks.maxBatchBytes),
    refused: [],
    readable:
      wrappers.size > 0
        ? (compressed, records) => {
            const wrapper = wrappers.get(at(compressed));
            if (wrapper === undefined) return true;
            const found = wrappedCorruption(wrapper, records);
            if (found === null) return true;
            // Not read: after other entries, fetched again (then first), those before it delivered.
            if (wrapper.first) failed(at(compressed), wrapper.tp, invalidRecord(wrapper.tp, found.offset, found.cause));
            return false;
          }
        : undefined,
  };
  const decoded = await decompressionBound.run(decoding, () => decode(raw));
  for (const { error, records } of decoding.refused) {
    const batch = at(records) >= 0 ? batchAt(raw, version, at(records)) : undefined;
    if (!batch) throw error;
    if (batch.first) failed(at(records), batch.tp, invalidBatch(batch.tp, batch.baseOffset, error.message));
  }
  const failure = first?.failure ?? scanned;
  if (failure) unread(decoded as DecodedFetch, failure.tp);
  return { decoded, failure };
}

type ProtocolRequest = {
  request: { apiKey: number; apiVersion: number };
  response: { decode(raw: Buffer): Promise<unknown> };
};

/** A broker's Fetch as kafkajs' consumer group calls it: each partition with the offset it is fetched from. */
type FetchArgs = { topics: { topic: string; partitions: { partition: number; fetchOffset: string }[] }[] };
type FetchingBroker = { fetch(args: FetchArgs): Promise<unknown> };

/**
 * A view of `kafka` whose clusters check the batches of their Fetch answers by `checks` (every
 * broker a consumer fetches from is found through its cluster's findBroker). A partition whose first
 * batch fails them is raised before the broker's next Fetch that asks it from the same offset (the
 * batches of the answer handed to the handler first; a Fetch that asks it from elsewhere, a seek,
 * forgets it), once `failed` (invalid-batch-hold.ts) settles. `found` learns of each such partition
 * when its answer is decoded, with the partitions before it there (read: handed to the handler).
 */
export function withFetchChecks(
  kafka: Kafka,
  checks: BatchChecks,
  failed: (error: KafkaError) => Promise<void>,
  found?: (failure: PartitionFailure, before: TopicPartition[]) => void,
): Kafka {
  return withBrokerHook<FetchingBroker>(kafka, "findBroker", (broker) => {
    /** The failure of the answer being decoded (one Fetch at a time: the broker's fetcher), then of the last. */
    let answered: PartitionFailure | undefined;
    let pending: { failure: PartitionFailure; offset: string | undefined } | undefined;
    const decoding = (response: ProtocolRequest["response"], version: number) => ({
      ...response,
      decode: async (raw: Buffer) => {
        try {
          const { decoded, failure } = await decodeFetchAnswer(raw, version, checks, (r) => response.decode(r));
          answered = failure;
          if (failure && found) found(failure, answeredBefore(raw, version, failure.tp));
          return decoded;
        } catch (error) {
          if (error instanceof KafkaError) await failed(error);
          throw error;
        }
      },
    });
    const sender = broker as unknown as Record<symbol, (request: ProtocolRequest) => Promise<unknown>>;
    const key = sendRequestKey(broker);
    const send = sender[key]!.bind(broker);
    sender[key] = (r) =>
      send(r.request.apiKey === FETCH ? { ...r, response: decoding(r.response, r.request.apiVersion) } : r);
    const fetch = broker.fetch.bind(broker);
    broker.fetch = async (args) => {
      const asked = ({ topic, partition }: TopicPartition) =>
        args.topics.find((t) => t.topic === topic)?.partitions.find((p) => p.partition === partition)?.fetchOffset;
      if (pending) {
        const offset = asked(pending.failure.tp);
        // Not asked (paused, given up): kept, as Java's fetch buffer keeps a paused partition's answer.
        if (offset !== undefined && offset === pending.offset) {
          await failed(pending.failure.error);
          throw pending.failure.error;
        }
        if (offset !== undefined) pending = undefined;
      }
      answered = undefined;
      const answer = await fetch(args);
      const failure = answered as PartitionFailure | undefined; // set by the decode of this Fetch's answer
      if (failure) pending = { failure, offset: asked(failure.tp) };
      return answer;
    };
  });
}
