/**
 * For unit tests of what asks a library consumer's metadata (existing-topics.ts,
 * unknown-topic-recovery.ts, group-entry.ts, subscription-watch.ts): a fake consumer over a fixed set of
 * topics, and the failure of a Metadata request that did not reach Kafka.
 */
import {
  type ClusterMetadata,
  type Consumer,
  type MetadataOptions,
  MultipleErrors,
  NetworkError,
  UserError,
} from "@platformatic/kafka";

/** The library's Metadata request given up on after its own retries: Kafka refused every connection. */
export function metadataRefused(): MultipleErrors {
  return new MultipleErrors("metadata failed 4 times.", [
    new NetworkError("Connection to 127.0.0.1:9 failed.", { cause: new Error("connect ECONNREFUSED 127.0.0.1:9") }),
  ]);
}

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
