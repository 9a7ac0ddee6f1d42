/**
 * The kafkajs producer's partitioner (adapter.ts): Java's murmur2 partitioning (kafkajs' DefaultPartitioner), the
 * partition chosen noted on the message (PARTITION) so that the producer derives each record's offset from its
 * partition's answer (producer.ts). kafkajs calls it again for each retry of a send, with its metadata refreshed.
 */
import { type ICustomPartitioner, type PartitionerArgs, Partitioners } from "kafkajs";
import { findInError } from "../../util/find-in-error.ts";

export const PARTITION = Symbol("assigned partition");
/** Set on a message whose PARTITION the metadata of kafkajs' last attempt lacked: kafkajs left it out of the send. */
export const LEFT_OUT = Symbol("left out of the send");

/** What the partitioner notes on a kafkajs message of a send. */
export type PinnedMessage = {
  partition?: number;
  [PARTITION]?: number;
  [LEFT_OUT]?: boolean;
};

/** The partition a record named that the producer's metadata lacks (partitionNotInMetadata). */
const MISSING_PARTITION = Symbol("partition not in metadata");

export type MissingPartition = { readonly topic: string; readonly partition: number; readonly count: number };

/**
 * What the partitioner throws for a record naming a partition kafkajs' metadata lacks: kafkajs'
 * KafkaJSMetadataNotLoaded by name (its sendMessages refreshes the metadata and tries the send
 * again, before any Produce request of it), carrying the partition. One that outlasts kafkajs'
 * retries is the cluster's answer: the producer refuses the send (invalid-partition.ts), nothing of
 * it written.
 */
export function partitionNotInMetadata(topic: string, partition: number, count: number): Error {
  const error = new Error(
    `Partition ${partition} of topic ${topic} with partition count ${count} is not present in metadata`,
  );
  error.name = "KafkaJSMetadataNotLoaded";
  const missing: MissingPartition = { topic, partition, count };
  return Object.assign(error, { retriable: true, [MISSING_PARTITION]: missing });
}

/** The partition partitionNotInMetadata named, when `error` (or one of its causes) is that failure. */
export function missingPartitionIn(error: unknown): MissingPartition | undefined {
  return findInError(error, (e: { [MISSING_PARTITION]?: MissingPartition }) => e[MISSING_PARTITION]);
}

export const pinningPartitioner: ICustomPartitioner = () => {
  const inner = Partitioners.DefaultPartitioner();
  return (args: PartitionerArgs) => {
    const message = args.message as unknown as PinnedMessage;
    const { partitionMetadata } = args;
    // A partition its metadata lacks (added since it was loaded): kafkajs would leave the record out
    // of the send and report it sent (explore4 J1); its metadata is refreshed and the send tried
    // again instead, as Java's producer waits for metadata that has the partition.
    if (message.partition !== undefined && !inMetadata(partitionMetadata, message.partition))
      throw partitionNotInMetadata(args.topic, message.partition, partitionMetadata.length);
    // Chosen once per send, not again on kafkajs' retries: a partition's answer then covers exactly the records it was
    // given, so offsets derived from it are theirs (a record moved to a partition answered by an earlier attempt would
    // be left out and still get an offset). One the refreshed metadata lacks (the topic re-created with
    // fewer partitions) kafkajs leaves out of the send: the send fails for it (producer.ts), and the runtime sends it
    // again on a new producer, which chooses anew, as a new send of Java's would.
    message[PARTITION] ??= inner(args);
    message[LEFT_OUT] = !inMetadata(partitionMetadata, message[PARTITION]);
    return message[PARTITION];
  };
};

/** Whether kafkajs' metadata of a topic has `partition` (Kafka numbers them 0..n-1; kafkajs keeps the broker's order). */
function inMetadata(partitionMetadata: readonly { partitionId: number }[], partition: number): boolean {
  return (
    partitionMetadata[partition]?.partitionId === partition ||
    partitionMetadata.some((p) => p.partitionId === partition)
  );
}
