/**
 * The seeks a kafkajs consumer keeps until it next fetches their partitions (its consumer group's
 * SeekOffsets), dropped at a rejoin. kafkajs applies a seek at the partition's next fetch, in a later
 * generation too: one made just before a rejoin (a rewind the fetcher had not applied yet) started the
 * partition there again in the next assignment, or when it came back after another owner committed
 * past it. Java's consumer drops every position at an eager rejoin (ConsumerCoordinator.onJoinPrepare:
 * assignFromSubscribed(empty)); the partitions then start at their committed offsets.
 *
 * kafkajs keeps the map inside its consumer group, out of reach: its `seek` is wrapped, and the map a
 * seek sets (SeekOffsets.prototype.set, called within it) is the one to clear.
 */
import type { Consumer } from "kafkajs";
import SeekOffsets from "kafkajs/src/consumer/seekOffsets";

/** The map the seek being made set (consumer.seek sets it synchronously). */
let lastSet: SeekOffsets | undefined;
const set = SeekOffsets.prototype.set;
SeekOffsets.prototype.set = function (this: SeekOffsets, topic: string, partition: number, offset: string) {
  lastSet = this;
  return set.call(this, topic, partition, offset);
};

/** Wraps `consumer.seek`; `drop` forgets every seek it made that kafkajs has not applied yet. */
export function pendingSeeks(consumer: Consumer): { drop(): void } {
  let seeks: SeekOffsets | undefined;
  const seek = consumer.seek.bind(consumer);
  consumer.seek = (args) => {
    lastSet = undefined;
    seek(args);
    seeks = lastSet ?? seeks;
  };
  return { drop: () => seeks?.clear() };
}
