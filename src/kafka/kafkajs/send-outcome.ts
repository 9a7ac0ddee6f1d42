/**
 * What a kafkajs send wrote, record by record, and the failures that list it (PartlyWritten), so that the runtime sends
 * again only the records not written. kafkajs answers a partition with one base offset: a record's offset is that base
 * plus its position among the send's records of its partition, the partition the adapter's partitioner noted on its
 * message (PARTITION). The answers come from kafkajs' result, from dependency patch 21's `answers` (each partition's
 * answer as it comes: what a send that fails wrote) or from the Produce answer a refusal came in (produce-answer.ts).
 */
import type { RecordMetadata } from "kafkajs";
import { JavaException, RetriableError } from "../../errors.ts";
import { javaExceptionClass } from "../kafka-exception-classes.ts";
import type { ProducedMetadata, ProducerRecord } from "../kafka-port.ts";
import { type PartlyWritten, writtenRecords } from "../send-rejection.ts";
import { LEFT_OUT, PARTITION, type PinnedMessage } from "./partitioner.ts";
import type { ProduceAnswer, ProducePartitionAnswer } from "./produce-answer.ts";

/** Kafka's error code TOPIC_AUTHORIZATION_FAILED. */
const TOPIC_AUTHORIZATION_FAILED = 29;

/** A partition's answer: its base offset and log append time ("-1" or none: the records' own timestamps). */
type PartitionAnswer = Pick<RecordMetadata, "baseOffset" | "logAppendTime">;

const partitionKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/** The partition a record went to: the partitioner's choice, once kafkajs made it, or the record's own. */
const partitionOf = (record: ProducerRecord, message: PinnedMessage) => message[PARTITION] ?? record.partition ?? -1;

/** A record's topic-partition as Java's names a batch's, the topic alone while its partition is not chosen yet. */
function topicPartitionName(record: ProducerRecord, message: PinnedMessage): string {
  const partition = message[PARTITION] ?? record.partition;
  return partition === null || partition === undefined ? record.topic : `${record.topic}-${partition}`;
}

/**
 * Each record's metadata by its partition's answer in `answers` (by partitionKey), null without one. With acks=0 a
 * partition's answer is that it was sent (patch 21: base offset -1), its records' offsets -1, as acks=0 promises no more.
 */
function producedByPartition(
  records: readonly ProducerRecord[],
  messages: readonly PinnedMessage[],
  answers: ReadonlyMap<string, PartitionAnswer>,
): (ProducedMetadata | null)[] {
  const position = new Map<string, number>();
  return records.map((r, i): ProducedMetadata | null => {
    const partition = partitionOf(r, messages[i]!);
    const k = partitionKey(r.topic, partition);
    const answer = answers.get(k);
    if (answer === undefined) return null;
    const index = position.get(k) ?? 0;
    position.set(k, index + 1);
    const base = Number(answer.baseOffset);
    const appendTime = answer.logAppendTime && answer.logAppendTime !== "-1" ? Number(answer.logAppendTime) : null;
    return { topic: r.topic, partition, offset: base >= 0 ? base + index : -1, timestamp: appendTime ?? r.timestamp };
  });
}

/** Each record's metadata by its partition's answer in kafkajs' `answers`, null without one. */
export function producedBy(
  records: readonly ProducerRecord[],
  messages: readonly PinnedMessage[],
  answers: readonly RecordMetadata[],
): (ProducedMetadata | null)[] {
  const byPartition = new Map(answers.map((a) => [partitionKey(a.topicName, a.partition), a]));
  return producedByPartition(records, messages, byPartition);
}

/**
 * `failure`, listing the records of its send that Kafka acknowledged before it (`produced`) written (PartlyWritten), so
 * that only the others are sent again, as Java's producer expires or fails only the batches never acknowledged: sent
 * again on a new producer, those acknowledged were written twice. With acks=0 a partition sent counts as acknowledged
 * (offset -1), as Java's producer counts an acks=0 batch done once it is sent. As it is when it says already, or none
 * was.
 */
export function withAcknowledged(failure: Error, produced: readonly (ProducedMetadata | null)[]): Error {
  if (writtenRecords(failure) !== undefined || produced.every((m) => m === null)) return failure;
  return Object.assign(failure, { written: produced });
}

/**
 * A send kafkajs reported done although it left records out: retriable, those records not written by this producer,
 * the others listed written (PartlyWritten), so that only the left-out ones are sent again, on a new producer that
 * chooses their partitions from the topic as it is now. kafkajs leaves out a record whose partition is not in its
 * refreshed metadata (LEFT_OUT: explore19 F1, the topic re-created with fewer partitions). It sends every other
 * partition until it is answered (patch 21: explore32 F1, a partition whose leader moved to a broker that had answered
 * was left out, although the attempt to its old leader may have written it); one without an answer all the same is
 * said to be unanswered, not gone: an earlier attempt may have written it.
 */
export function leftOut(
  records: readonly ProducerRecord[],
  messages: readonly PinnedMessage[],
  produced: readonly (ProducedMetadata | null)[],
): RetriableError & PartlyWritten {
  const gone = new Set<string>();
  const unanswered = new Set<string>();
  for (let i = 0; i < records.length; i++) {
    if (produced[i] !== null) continue;
    const message = messages[i]!;
    (message[LEFT_OUT] ? gone : unanswered).add(topicPartitionName(records[i]!, message));
  }
  const why: string[] = [];
  if (gone.size > 0)
    why.push(
      `${[...gone].join(", ")} not in the topic's metadata any more (the topic deleted and re-created with fewer partitions?)`,
    );
  if (unanswered.size > 0)
    why.push(
      `${[...unanswered].join(", ")} still in the topic's metadata but not answered (an earlier attempt may have written them)`,
    );
  const count = produced.filter((m) => m === null).length;
  const error = new RetriableError(
    `Failed to send ${count} records to Kafka: ${why.join("; ")}; the client left them out of the send`,
  );
  return Object.assign(error, { written: produced });
}

/**
 * A send's records by the one Produce answer `answer` that refused some topics the principal (an ACL): the refused
 * topics, and each record's metadata, null for the refused ones. Undefined when a record's partition has no result
 * there or another error (what that partition wrote is not known), or nothing was refused.
 */
export function refusedIn(
  records: readonly ProducerRecord[],
  messages: readonly PinnedMessage[],
  answer: ProduceAnswer,
): { readonly refused: string[]; readonly written: (ProducedMetadata | null)[] } | undefined {
  const results = new Map<string, ProducePartitionAnswer>();
  for (const t of answer.topics) for (const p of t.partitions) results.set(partitionKey(t.topicName, p.partition), p);
  const refused = new Set<string>();
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const errorCode = results.get(partitionKey(r.topic, partitionOf(r, messages[i]!)))?.errorCode;
    if (errorCode === TOPIC_AUTHORIZATION_FAILED) refused.add(r.topic);
    else if (errorCode !== 0) return undefined;
  }
  if (refused.size === 0) return undefined;
  const accepted = new Map([...results].filter(([, p]) => p.errorCode === 0));
  return { refused: [...refused], written: producedByPartition(records, messages, accepted) };
}

/**
 * The failure of a send of `records` that kafkajs did not get written within `deliveryTimeoutMs`: retriable (the
 * runtime sends it again on a new producer), perhaps written, with Java's TimeoutException of an expired batch
 * (Sender.failExpiredBatches) as its cause, naming the records not `acknowledged` (the expired batches); when each was
 * acknowledged (kafkajs had not reported the send done yet), the cause says so instead of expiring none.
 */
export function expired(
  records: readonly ProducerRecord[],
  messages: readonly PinnedMessage[],
  acknowledged: readonly (ProducedMetadata | null)[],
  deliveryTimeoutMs: number,
): RetriableError {
  const partitions = records.flatMap((r, i) => (acknowledged[i] === null ? [topicPartitionName(r, messages[i]!)] : []));
  const expiry = new JavaException(
    javaExceptionClass("REQUEST_TIMED_OUT"),
    partitions.length === 0
      ? `Kafka acknowledged each of the ${records.length} record(s), but the client had not completed the send ${deliveryTimeoutMs} ms after it started.`
      : `Expiring ${partitions.length} record(s) for ${[...new Set(partitions)].join(", ")}:${deliveryTimeoutMs} ms has passed since batch creation. The request has not been sent, or no server response has been received yet.`,
  );
  return new RetriableError(`Failed to send records to Kafka: delivery.timeout.ms elapsed`, { cause: expiry });
}
