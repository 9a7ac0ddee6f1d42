/**
 * For unit tests of what asks a library consumer's metadata (existing-topics.ts,
 * unknown-topic-recovery.ts): a fake consumer over a fixed set of topics.
 */
import { type ClusterMetadata, type Consumer, type MetadataOptions, UserError } from "@platformatic/kafka";

/**
 * A library consumer whose Metadata call knows `known` (topic → partition count, read at each call,
 * every partition led by broker 1) and logs each call's topics.
 */
export function metadataOf(known: Record<string, number>, failure?: Error) {
  const calls: string[][] = [];
  const consumer = {
    metadata: async (options: MetadataOptions): Promise<ClusterMetadata> => {
      const asked = options.topics ?? [];
      calls.push([...asked]);
      if (failure) throw failure;
      const unknown = asked.find((t) => !(t in known));
      // As the library words it (errors.ts isUnknownTopic), naming a topic by its index.
      if (unknown !== undefined) throw new UserError(`Unknown topic ${asked[0]}.`);
      const topics = new Map(
        asked.map((t) => [
          t,
          { partitionsCount: known[t], partitions: Array.from({ length: known[t]! }, () => ({ leader: 1 })) },
        ]),
      );
      return { id: "cluster", brokers: new Map(), topics, lastUpdate: 0 } as unknown as ClusterMetadata;
    },
  } as unknown as Consumer<Buffer, Buffer, Buffer, Buffer>;
  return { consumer, calls };
}
