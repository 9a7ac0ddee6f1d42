/**
 * For unit tests of what asks a library consumer's metadata (existing-topics.ts,
 * unknown-topic-recovery.ts, group-entry.ts, subscription-watch.ts): a fake consumer over a fixed set of
 * topics, and the failure of a Metadata request that did not reach Kafka. For the producer's
 * (partition-leaders.ts, produce-pipeline.ts): the library's error for a Metadata answer refusing topics.
 */
import {
  type ClusterMetadata,
  type Consumer,
  type MetadataOptions,
  MultipleErrors,
  metadataV12,
  NetworkError,
  Reader,
  ResponseError,
  UserError,
  Writer,
} from "@platformatic/kafka";

/** TOPIC_AUTHORIZATION_FAILED: an ACL refuses the topic (no retry cures it). */
const TOPIC_AUTHORIZATION_FAILED = 29;

/**
 * What the library throws for a Metadata (v12) answer refusing `refused` among `topics` with error `code`
 * (TOPIC_AUTHORIZATION_FAILED unless said), the others with one partition led by broker 1: the answer's bytes read by
 * the library's own parser, which throws a ResponseError carrying the answer (one ProtocolError per refused topic, its
 * path the topic's place in the answer). A refusal for good on the first attempt is what the library's metadata call
 * rejects with (no retry: it is not retriable); after retriable attempts, the last error of its MultipleErrors.
 */
export function metadataRefusing(
  topics: readonly string[],
  refused: ReadonlySet<string>,
  code = TOPIC_AUTHORIZATION_FAILED,
): ResponseError {
  const ints = (w: Writer, values: number[]) => w.appendArray(values, (e, n) => e.appendInt32(n), true, false);
  const partition = (w: Writer, index: number) =>
    ints(ints(ints(w.appendInt16(0).appendInt32(index).appendInt32(1).appendInt32(0), [1]), [1]), []);
  const topic = (w: Writer, name: string) => {
    const error = refused.has(name) ? code : 0;
    w.appendInt16(error).appendString(name).appendUUID(null).appendBoolean(false);
    w.appendArray(error === 0 ? [0] : [], partition).appendInt32(-2_147_483_648);
  };
  const broker = (w: Writer) => w.appendInt32(1).appendString("127.0.0.1").appendInt32(9092).appendString(null);
  const answer = Writer.create().appendInt32(0).appendArray([1], broker).appendString("cluster").appendInt32(1);
  answer.appendArray([...topics], topic).appendTaggedFields();
  try {
    metadataV12.parseResponse(0, 3, 12, Reader.from(answer));
  } catch (error) {
    if (error instanceof ResponseError) return error;
    throw error;
  }
  throw new Error(`No topic of ${topics.join(", ")} refused`);
}

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
